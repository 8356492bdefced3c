import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { CLUSTER, TAGS, newChart, objectOf } from './helpers';
import { ManifestValidator, sharedCrdsDir } from './manifest-validator';
import { GpuNodePool, GpuTeam, PoolTenancy } from '../../../constructs';
import { InferenceService } from '../../../constructs/k8s/imports/kserve-serving.kserve.io';

let validator: ManifestValidator;
beforeAll(() => {
  validator = new ManifestValidator();
});

function nodePoolManifest(): any {
  const chart = newChart();
  new GpuNodePool(chart, 'Pool', { ...CLUSTER, tenancy: PoolTenancy.dedicated('fraud'), costTags: TAGS, instanceFamilies: ['g5', 'g6'], gpuLimit: 4 });
  return objectOf(chart, 'NodePool');
}

function quotaManifest(): any {
  const chart = newChart();
  new GpuTeam(chart, 'Team', { name: 'fraud', costTags: TAGS, maxGpus: 4 });
  return objectOf(chart, 'ResourceQuota');
}

test('a synthesized NodePool is valid', () => {
  expect(validator.validate(nodePoolManifest())).toEqual([]);
});

test('an unknown field in a custom resource fails', () => {
  const pool = nodePoolManifest();
  pool.spec.template.spec.gpuDriver = 'nvidia';
  expect(validator.validate(pool)).toEqual([expect.stringMatching(/NodePool\/pool: \/spec\/template\/spec must NOT have additional properties .*gpuDriver/)]);
});

test('a wrongly typed field in a custom resource fails', () => {
  const pool = nodePoolManifest();
  pool.spec.weight = 'high';
  expect(validator.validate(pool).join('\n')).toMatch(/\/spec\/weight must be integer/);
});

test('an enum value the CRD does not allow fails', () => {
  const pool = nodePoolManifest();
  pool.spec.disruption.consolidationPolicy = 'Always';
  expect(validator.validate(pool).join('\n')).toMatch(/\/spec\/disruption\/consolidationPolicy must be equal to one of the allowed values/);
});

test('bad metadata of a custom resource fails against ObjectMeta', () => {
  const pool = nodePoolManifest();
  pool.metadata.labels = ['not', 'a', 'map'];
  expect(validator.validate(pool).join('\n')).toMatch(/\/metadata\/labels must be object/);
});

test('an unknown field in a core kind fails', () => {
  const quota = quotaManifest();
  quota.spec.gpus = 4;
  expect(validator.validate(quota)).toEqual([expect.stringMatching(/ResourceQuota\/gpu-quota: \/spec must NOT have additional properties .*gpus/)]);
});

test('a kind with no schema fails', () => {
  expect(validator.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
    'Widget/w: no schema for apiVersion example.com/v1 kind Widget',
  ]);
});

test('the typed KServe subset produces an InferenceService valid against the full CRD', () => {
  const chart = newChart();
  new InferenceService(chart, 'Model', {
    metadata: { name: 'fraud-scorer', namespace: 'fraud' },
    spec: {
      predictor: {
        minReplicas: 0,
        maxReplicas: 2,
        model: { modelFormat: { name: 'xgboost' }, storageUri: 's3://models/fraud/v3' },
      },
    },
  });
  expect(validator.validateAll(Testing.synth(chart))).toEqual([]);
});

test('an InferenceService field unknown to the full CRD fails', () => {
  const isvc = {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: 'm' },
    spec: { predictor: { model: { modelFormat: { name: 'xgboost' } }, gpus: 1 } },
  };
  expect(validator.validate(isvc).join('\n')).toMatch(/\/spec\/predictor must NOT have additional properties .*gpus/);
});

test('a missing CRD folder fails with what to do', () => {
  const previous = process.env.MLOPS_SHARED_CRDS;
  process.env.MLOPS_SHARED_CRDS = path.join(mkdtempSync(path.join(tmpdir(), 'no-crds-')), 'crds');
  try {
    expect(() => sharedCrdsDir()).toThrow(/upstream CRD folder was not found at .*crds\. .*set MLOPS_SHARED_CRDS/);
  } finally {
    if (previous === undefined) {
      delete process.env.MLOPS_SHARED_CRDS;
    } else {
      process.env.MLOPS_SHARED_CRDS = previous;
    }
  }
});
