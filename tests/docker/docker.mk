# tests/docker/docker.mk - container targets, included at the end of the Makefile.
#
#   make test-docker    build the image from the Dockerfile and check it from the
#                       host (docker when `docker info` works, else podman; the
#                       podman setup is cached under /var/tmp/strata-podman)
#   make docker-setup   only make the container engine ready (podman + base image)
#   make docker-clean   remove the podman storage (base image, build cache)

.PHONY: test-docker docker-setup docker-clean

test-docker:
	tests/docker/test.sh

docker-setup:
	tests/docker/setup.sh

docker-clean:
	tests/docker/setup.sh --clean
