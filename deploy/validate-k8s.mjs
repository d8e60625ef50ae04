// Validates Kubernetes manifests offline against the OpenAPI schemas shipped in the `kubernetes-models`
// npm package. Usage: node deploy/validate-k8s.mjs FILE_OR_DIR... ; exit 1 when any document is invalid.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

function manifestFiles(paths) {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(p, f)) : [p]));
}

/** apiVersion "apps/v1" + kind "Deployment" -> the model class, or undefined for an unknown kind. */
async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z0-9./-]+$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) return undefined;
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind] ?? module.default;
  } catch {
    return undefined;
  }
}

let failures = 0;
let checked = 0;
const fail = (where, message) => {
  failures++;
  console.error(`${where}: ${message}`);
};

for (const file of manifestFiles(process.argv.slice(2))) {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const [index, doc] of docs.entries()) {
    const where = `${file}#${index + 1}`;
    if (doc.errors.length > 0) {
      fail(where, `YAML: ${doc.errors[0].message}`);
      continue;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) continue; // empty document
    if (typeof object !== 'object' || Array.isArray(object)) {
      fail(where, 'not a Kubernetes object');
      continue;
    }
    const Model = await modelFor(object.apiVersion, object.kind);
    if (!Model) {
      fail(where, `unknown apiVersion/kind ${object.apiVersion}/${object.kind}`);
      continue;
    }
    if (!object.metadata?.name) fail(where, `${object.kind} without metadata.name`);
    try {
      new Model(object).validate();
      checked++;
    } catch (e) {
      fail(where, `${object.kind} ${object.metadata?.name ?? '?'}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

if (failures > 0) {
  console.error(`k8s: ${failures} invalid document(s)`);
  process.exit(1);
}
console.log(`k8s: ${checked} document(s) valid`);
