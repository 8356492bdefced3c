// Writes a copy of the KServe InferenceService CRD whose schema keeps only the fields the typed classes
// expose (see PREDICTOR_FIELDS). The full CRD inlines a PodSpec-shaped schema for every model runtime, which
// `cdk8s import` turns into a ~5 MB TypeScript file that slows type-checking of the whole project. Pruning
// only removes properties, so every object the subset can express is valid against the full CRD; the chart
// tests validate against the full schema to keep that true.
// Usage: node kserve-subset.mjs <full-crd.yaml> <output.yaml>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const YAML = require('yaml');

const PREDICTOR_FIELDS = [
  'model', 'minReplicas', 'maxReplicas', 'scaleTarget', 'scaleMetric', 'scaleMetricType', 'autoScaling',
  'serviceAccountName', 'nodeSelector', 'tolerations', 'timeout', 'containerConcurrency', 'canaryTrafficPercent',
  'annotations', 'labels', 'deploymentStrategy', 'priorityClassName', 'storageUris',
];

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node kserve-subset.mjs <full-crd.yaml> <output.yaml>');
  process.exit(2);
}
const crd = YAML.parse(readFileSync(input, 'utf8'));
for (const version of crd.spec.versions) {
  const root = version.schema.openAPIV3Schema;
  delete root.properties.status;
  const spec = root.properties.spec;
  for (const key of Object.keys(spec.properties)) {
    if (key !== 'predictor') {
      delete spec.properties[key];
    }
  }
  const predictor = spec.properties.predictor;
  for (const key of Object.keys(predictor.properties)) {
    if (!PREDICTOR_FIELDS.includes(key)) {
      delete predictor.properties[key];
    }
  }
  // Validation rules may name pruned fields; the full CRD, not this copy, is what the API server enforces.
  delete spec['x-kubernetes-validations'];
  delete predictor['x-kubernetes-validations'];
}
writeFileSync(output, YAML.stringify(crd));
