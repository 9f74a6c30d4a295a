// Validates Kubernetes objects from YAML files (several documents each; "-" reads standard input):
//   - Kubernetes' own kinds with kubernetes-models (the generated validators of the Kubernetes OpenAPI schemas),
//   - the Prometheus Operator's ServiceMonitor with @kubernetes-models/prometheus-operator,
//   - KServe's kinds with ajv against the openAPIV3Schema of KServe's CRDs (../kserve-schemas), unknown fields refused
//     as kubectl's strict field validation does.
// Prints one line per object ("ok Kind/name" or "INVALID Kind/name: errors") and exits 1 when any is invalid or of a
// kind it cannot check.
// Usage: SS_KSERVE_SCHEMAS=DIR node validate.mjs FILE...   (run from a folder where `npm ci` installed package.json:
// the test copies this script into that folder of the cache)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import Ajv from "ajv";

const schemasDir = process.env.SS_KSERVE_SCHEMAS ?? "kserve-schemas";
const kserveSchemas = { ServingRuntime: "servingruntimes.json", InferenceService: "inferenceservices.json" };
// Kubernetes' integer formats are checked; other formats (date-time in status fields) are not ours to check.
const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
ajv.addFormat("int32", { type: "number", validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
ajv.addFormat("int64", { type: "number", validate: (n) => Number.isInteger(n) });
const kserveValidators = new Map();

/** Kubernetes' structural schemas allow no field they do not declare, unless x-kubernetes-preserve-unknown-fields. */
function strictObjects(schema) {
  if (Array.isArray(schema)) return schema.map(strictObjects);
  if (schema === null || typeof schema !== "object") return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, strictObjects(v)]));
  if (copy.type === "object" && copy.properties && !copy["x-kubernetes-preserve-unknown-fields"] && copy.additionalProperties === undefined) {
    copy.additionalProperties = false;
  }
  return copy;
}

function kserveValidator(kind) {
  if (!kserveValidators.has(kind)) {
    const file = JSON.parse(readFileSync(join(schemasDir, kserveSchemas[kind]), "utf8"));
    const schema = strictObjects(file.openAPIV3Schema);
    kserveValidators.set(kind, { version: `${file.group}/${file.version}`, validate: ajv.compile(schema) });
  }
  return kserveValidators.get(kind);
}

async function modelClass(apiVersion, kind) {
  if (apiVersion === "monitoring.coreos.com/v1") {
    return (await import(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`))[kind];
  }
  const path = apiVersion.includes("/") ? apiVersion : `v1`;
  return (await import(`kubernetes-models/${path}/${kind}`))[kind];
}

let failed = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      console.log(`INVALID ${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      failed++;
      continue;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    const name = `${object.kind}/${object.metadata?.name ?? "?"}`;
    checked++;
    try {
      if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") throw new Error("no apiVersion or kind");
      if (object.apiVersion.startsWith("serving.kserve.io/")) {
        const { version, validate } = kserveValidator(object.kind);
        if (object.apiVersion !== version) throw new Error(`apiVersion ${object.apiVersion}: the schema is of ${version}`);
        if (!validate(object)) throw new Error(ajv.errorsText(validate.errors, { dataVar: object.kind }));
      } else {
        const Model = await modelClass(object.apiVersion, object.kind);
        if (!Model) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
        new Model(object).validate();
      }
      console.log(`ok ${object.apiVersion} ${name}`);
    } catch (error) {
      failed++;
      console.log(`INVALID ${object?.apiVersion} ${name}: ${error.message}`);
    }
  }
}
if (checked === 0) {
  console.log("INVALID: no object to check");
  failed++;
}
process.exit(failed > 0 ? 1 : 0);
