import * as path from 'node:path';
import { readEnvironment } from './config';
import { writeK8sManifests } from './k8s-manifests';

// Plain manifests for an existing cluster: no CloudFormation, no aws-cdk-lib. From the repository root:
//   npx ts-node --transpile-only --project tsconfig.json examples/k8s-manifests/main.ts
// The cluster's facts come from the environment (see config.ts); the files go to dist/k8s-manifests/ unless
// CDK8S_OUTDIR says otherwise.
const { config, outdir } = readEnvironment();
const files = writeK8sManifests(config, outdir);
process.stdout.write(`Wrote ${files.length} manifest files to ${outdir}, in the order to apply them:\n` +
  files.map(f => `  ${path.join(outdir, f)}\n`).join('') +
  `Apply with: kubectl apply -f ${outdir}${path.sep}\n`);
