// Validates rendered Kubernetes manifests against the Kubernetes (and KEDA) API schemas, then
// checks that the objects of one rendering refer to each other correctly.
//
//   node deploy/k8s/validate.mjs --tools deploy/.tools rendered-cpu.yaml rendered-gpu.yaml
//
// Each file is one deployable set (for example `kubectl kustomize deploy/k8s/overlays/cpu`).
// Schemas come from the npm packages kubernetes-models and @kubernetes-models/keda, installed by
// deploy/install-lint-tools.sh into the --tools folder. Those schemas check types, required fields
// and enumerations, not unknown fields, hence the reference checks below.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const args = process.argv.slice(2);
const toolsIndex = args.indexOf("--tools");
if (toolsIndex < 0 || toolsIndex + 1 >= args.length) {
  console.error("usage: validate.mjs --tools DIR FILE...");
  process.exit(2);
}
const toolsDir = resolve(args[toolsIndex + 1]);
const files = args.filter((_, i) => i !== toolsIndex && i !== toolsIndex + 1);
if (files.length === 0) {
  console.error("validate.mjs: no manifest files given");
  process.exit(2);
}

const requireTool = createRequire(resolve(toolsDir, "package.json"));
const YAML = requireTool("yaml");

// apiVersion -> module that exports one model class per kind.
function modelModule(apiVersion) {
  if (apiVersion.startsWith("keda.sh/")) return `@kubernetes-models/keda/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

function modelClass(apiVersion, kind) {
  try {
    return requireTool(modelModule(apiVersion))[kind];
  } catch {
    return undefined;
  }
}

function labelsMatch(selector, labels) {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

// Cross-object references that a schema cannot see but that break a deployment silently.
function referenceErrors(objects) {
  const errors = [];
  const named = (kind, name) => objects.some((o) => o.kind === kind && o.metadata?.name === name);
  const podTemplates = objects
    .filter((o) => ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind))
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, template: o.spec.template }));

  for (const o of objects) {
    const id = `${o.kind}/${o.metadata?.name}`;
    if (o.kind === "Deployment" && !labelsMatch(o.spec.selector?.matchLabels, o.spec.template?.metadata?.labels)) {
      errors.push(`${id}: spec.selector does not match the pod template's labels`);
    }
    if (o.kind === "Service" && !podTemplates.some((p) => labelsMatch(o.spec.selector, p.template.metadata?.labels))) {
      errors.push(`${id}: selector matches no pod template`);
    }
    if (o.kind === "PodDisruptionBudget" && !podTemplates.some((p) => labelsMatch(o.spec.selector?.matchLabels, p.template.metadata?.labels))) {
      errors.push(`${id}: selector matches no pod template`);
    }
    if (["HorizontalPodAutoscaler", "ScaledObject"].includes(o.kind) && !named(o.spec.scaleTargetRef.kind ?? "Deployment", o.spec.scaleTargetRef.name)) {
      errors.push(`${id}: scaleTargetRef ${o.spec.scaleTargetRef.name} is not in this rendering`);
    }
  }

  for (const { owner, template } of podTemplates) {
    const spec = template.spec;
    const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
    for (const v of spec.volumes ?? []) {
      if (v.persistentVolumeClaim && !named("PersistentVolumeClaim", v.persistentVolumeClaim.claimName)) {
        errors.push(`${owner}: volume ${v.name} claims missing PVC ${v.persistentVolumeClaim.claimName}`);
      }
      if (v.configMap && !named("ConfigMap", v.configMap.name)) {
        errors.push(`${owner}: volume ${v.name} uses missing ConfigMap ${v.configMap.name}`);
      }
    }
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name)) errors.push(`${owner}: container ${c.name} mounts undeclared volume ${m.name}`);
      }
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef && !named("ConfigMap", e.configMapRef.name)) {
          errors.push(`${owner}: container ${c.name} reads missing ConfigMap ${e.configMapRef.name}`);
        }
      }
      const portNames = new Set((c.ports ?? []).map((p) => p.name));
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const port = c[probe]?.httpGet?.port;
        if (typeof port === "string" && !portNames.has(port)) {
          errors.push(`${owner}: container ${c.name} ${probe} uses undeclared port ${port}`);
        }
      }
    }
  }
  return errors;
}

let failures = 0;
for (const file of files) {
  const documents = YAML.parseAllDocuments(readFileSync(file, "utf8"));
  const objects = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      for (const e of document.errors) console.error(`FAIL ${file}: YAML: ${e.message}`);
      failures++;
      continue;
    }
    const object = document.toJS();
    if (object === null) continue;
    const id = `${object.apiVersion} ${object.kind}/${object.metadata?.name}`;
    const Model = modelClass(object.apiVersion, object.kind);
    if (Model === undefined) {
      console.error(`FAIL ${file}: ${id}: no schema for this apiVersion/kind`);
      failures++;
      continue;
    }
    try {
      new Model(object).validate();
      console.log(`ok   ${file}: ${id}`);
      objects.push(object);
    } catch (error) {
      console.error(`FAIL ${file}: ${id}: ${error.message}`);
      failures++;
    }
  }
  for (const message of referenceErrors(objects)) {
    console.error(`FAIL ${file}: ${message}`);
    failures++;
  }
}

if (failures > 0) {
  console.error(`${failures} problem(s) found`);
  process.exit(1);
}
