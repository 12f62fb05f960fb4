// Validates Kubernetes manifests offline: every document of a multi-document YAML stream (kubectl kustomize's output,
// on standard input) against the schema of its apiVersion and kind, from the npm packages kubernetes-models
// (Kubernetes' OpenAPI schemas) and @kubernetes-models/prometheus-operator (the Prometheus Operator's CRD schemas).
// A kind without a schema here is an error, not a pass. Exit 0 and one "ok KIND NAME" line per document, else 1 and
// one line per problem.
//   kubectl kustomize deploy/kubernetes | node tests/Kubernetes/validate.mjs
// With --json, the documents are printed as one JSON array instead (for tests that look at fields).
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const core = await import("kubernetes-models/v1");
const apps = await import("kubernetes-models/apps/v1");
const monitoring = await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1");
const models = {
  "v1": core,
  "apps/v1": apps,
  "monitoring.coreos.com/v1": monitoring,
};

const problems = [];
const docs = parseAllDocuments(readFileSync(0, "utf8"));
if (process.argv.includes("--json")) {
  const bad = docs.flatMap(d => d.errors.map(e => e.message));
  if (bad.length) { console.error(bad.join("\n")); process.exit(1); }
  console.log(JSON.stringify(docs.map(d => d.toJS()).filter(o => o !== null && o !== undefined)));
  process.exit(0);
}
let n = 0;
for (const doc of docs) {
  if (doc.errors.length) { problems.push(...doc.errors.map(e => `YAML: ${e.message}`)); continue; }
  const obj = doc.toJS();
  if (obj === null || obj === undefined) continue;
  n++;
  const where = `${obj.kind ?? "?"} ${obj.metadata?.name ?? "?"}`;
  const model = models[obj.apiVersion]?.[obj.kind];
  if (!model) { problems.push(`${where}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`); continue; }
  try {
    new model(obj).validate();
    console.log(`ok ${where}`);
  } catch (e) {
    const details = e.errors ? e.errors.map(x => `${x.instancePath || "/"} ${x.message}${x.params ? " " + JSON.stringify(x.params) : ""}`).join("; ") : e.message;
    problems.push(`${where}: ${details}`);
  }
}
if (n === 0) problems.push("no documents on standard input");
for (const p of problems) console.log(`invalid ${p}`);
process.exit(problems.length ? 1 : 0);
