import { Testing } from 'cdk8s';
import { CLUSTER, PLATFORM_TAGS as PLATFORM, objectOf, servingCluster } from './helpers';
import { ManifestValidator, kubernetesSchemaDir } from './manifest-validator';
import {
  CapacityStrategy,
  CapacityType,
  GpuInferenceService,
  GpuNodePool,
  K8sWarnings,
  KServeDeploymentMode,
  Placement,
  PoolTenancy,
  type GpuInferenceServiceProps,
} from '../../../constructs';

const URI = 's3://fraud-models/scoring/v3';

function cluster() {
  const c = servingCluster();
  const weighted = new GpuNodePool(c.chart, 'Batch', {
    ...c.gpuPoolProps,
    name: 'batch',
    tenancy: PoolTenancy.shared(),
    costTags: PLATFORM,
    capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ spotWeight: 60, onDemandWeight: 10 }),
  });
  return { ...c, weighted };
}

function isvc(props: Partial<GpuInferenceServiceProps> = {}) {
  const c = cluster();
  const service = new GpuInferenceService(c.chart, 'Scoring', {
    team: c.fraud, pool: c.serving, storageUri: URI, modelFormat: 'xgboost', maxReplicas: 3, ...props,
  });
  return { ...c, service, manifest: objectOf(c.chart, 'InferenceService') };
}

describe('GpuInferenceService', () => {
  test.each(['1.30.0', '1.37.0'])('every manifest is valid against the Kubernetes %s schemas and the KServe CRD schema', (version) => {
    const { chart } = isvc({ deploymentMode: KServeDeploymentMode.KNATIVE, canaryTrafficPercent: 10, minReplicas: 0, runtime: 'kserve-xgbserver' });
    const validator = new ManifestValidator(undefined, kubernetesSchemaDir(version));
    expect(validator.validateAll(Testing.synth(chart))).toEqual([]);
  });

  test('the InferenceService is in the team namespace with its cost labels, on the object and the predictor pods', () => {
    const { manifest, fraud } = isvc();
    expect(manifest.metadata.namespace).toBe('fraud');
    expect(manifest.metadata.labels).toEqual(fraud.costLabels);
    expect(manifest.spec.predictor.labels).toEqual(fraud.costLabels);
    expect(fraud.costLabels).toMatchObject({ 'mlops-stack.io/team': 'fraud' });
  });

  test('the model: its storage URI, format and runtime', () => {
    const { manifest } = isvc({ modelFormatVersion: '2', runtime: 'kserve-xgbserver' });
    expect(manifest.spec.predictor.model).toMatchObject({
      storageUri: URI, modelFormat: { name: 'xgboost', version: '2' }, runtime: 'kserve-xgbserver',
    });
  });

  test('the predictor requests the GPUs (as a number that survives rendering), CPU and memory', () => {
    const { manifest } = isvc({ gpus: 2, cpu: '3', memory: '12Gi' });
    expect(manifest.spec.predictor.model.resources).toEqual({
      requests: { cpu: '3', memory: '12Gi' },
      limits: { 'memory': '12Gi', 'nvidia.com/gpu': 2 },
    });
  });

  test('defaults: one GPU, 2 CPUs, 8Gi, one replica, Standard mode written as the annotation, no canary', () => {
    const { manifest, service } = isvc();
    expect(manifest.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'Standard' });
    expect(service.deploymentMode).toBe(KServeDeploymentMode.STANDARD);
    expect(manifest.spec.predictor).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
    expect(manifest.spec.predictor.canaryTrafficPercent).toBeUndefined();
    expect(manifest.spec.predictor.model.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(manifest.spec.predictor.model.resources.requests).toEqual({ cpu: '2', memory: '8Gi' });
  });

  test('Knative mode: min/max replicas, scale to zero and a canary', () => {
    const { manifest } = isvc({ deploymentMode: KServeDeploymentMode.KNATIVE, minReplicas: 0, maxReplicas: 4, canaryTrafficPercent: 20 });
    expect(manifest.metadata.annotations['serving.kserve.io/deploymentMode']).toBe('Knative');
    expect(manifest.spec.predictor).toMatchObject({ minReplicas: 0, maxReplicas: 4, canaryTrafficPercent: 20 });
  });

  test('the predictor selects the pool (one node selector) and tolerates only the GPU taint and the pool\'s taint', () => {
    const { manifest } = isvc();
    expect(manifest.spec.predictor.nodeSelector).toEqual({ 'mlops-stack.io/pool': 'serving', 'karpenter.sh/capacity-type': 'on-demand' });
    expect(manifest.spec.predictor.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
      { key: 'mlops-stack.io/pool', operator: 'Equal', value: 'serving', effect: 'NoSchedule' },
    ]);
  });

  test('capacity type: on-demand by default, also on a pool that buys spot first; an explicit type is kept', () => {
    const c = cluster();
    const spotFirst = new GpuNodePool(c.chart, 'SpotServing', {
      ...CLUSTER,
      name: 'spot-serving',
      tenancy: PoolTenancy.shared(),
      costTags: PLATFORM,
      instanceFamilies: ['g6'],
      gpuLimit: 4,
      capacityStrategy: CapacityStrategy.spotWithOnDemandFallback(),
    });
    const props = { team: c.fraud, pool: spotFirst, storageUri: URI, modelFormat: 'xgboost', maxReplicas: 1 };
    expect(new GpuInferenceService(c.chart, 'Default', props).capacityType).toBe(CapacityType.ON_DEMAND);
    expect(new GpuInferenceService(c.chart, 'Spot', { ...props, capacityType: CapacityType.SPOT }).capacityType).toBe(CapacityType.SPOT);
    expect(objectOf(c.chart, 'InferenceService', 'spot').spec.predictor.nodeSelector['karpenter.sh/capacity-type']).toBe('spot');
  });
});

describe('GpuInferenceService placement', () => {
  function placement(props: Partial<GpuInferenceServiceProps>) {
    const { chart, manifest } = isvc(props);
    const manifests = Testing.synth(chart);
    return Placement.ofWorkload(manifest, manifests);
  }

  test('the predictor pods land on exactly the serving pool', () => {
    expect(placement({})).toMatchObject({ runnable: true, nodePools: ['serving'] });
  });

  test('on the team\'s own pool: exactly that pool, on-demand', () => {
    const c = cluster();
    new GpuInferenceService(c.chart, 'OwnScoring', { team: c.fraud, pool: c.own, storageUri: URI, modelFormat: 'xgboost', maxReplicas: 1 });
    const manifests = Testing.synth(c.chart);
    expect(Placement.ofWorkload(manifests.find(m => m.kind === 'InferenceService')!, manifests).nodePools).toEqual(['fraud-training']);
  });

  test('a pinned capacity type picks the one NodePool of a weighted pool that buys it', () => {
    const c = cluster();
    new GpuInferenceService(c.chart, 'BatchScoring', {
      team: c.fraud, pool: c.weighted, storageUri: URI, modelFormat: 'xgboost', maxReplicas: 1, capacityType: CapacityType.SPOT,
    });
    const manifests = Testing.synth(c.chart);
    expect(Placement.ofWorkload(manifests.find(m => m.kind === 'InferenceService')!, manifests).nodePools).toEqual(['batch-spot']);
  });

  test('never another team\'s pool: only pools billed to the team or the platform', () => {
    const { chart, manifest } = isvc({});
    const manifests = Testing.synth(chart);
    const billedTo = (name: string) => manifests.find(m => m.kind === 'NodePool' && m.metadata.name === name)!.spec.template.metadata.labels['mlops-stack.io/team'];
    const pools = Placement.ofWorkload(manifest, manifests).nodePools;
    expect(pools.map(billedTo)).toEqual(['ml-platform']);
    expect(pools).not.toContain('recsys-training');
  });
});

describe('GpuInferenceService bad input', () => {
  test.each<[string, Partial<GpuInferenceServiceProps>, RegExp]>([
    ['a canary in Standard (RawDeployment) mode', { canaryTrafficPercent: 10 },
      /canaryTrafficPercent \(10\) needs deploymentMode KServeDeploymentMode.KNATIVE \(Serverless\): in Standard \(RawDeployment\) mode KServe ignores it/],
    ['replicas min > max', { minReplicas: 4, maxReplicas: 2 }, /minReplicas \(4\) must not exceed maxReplicas \(2\); raise maxReplicas or lower minReplicas/],
    ['maxReplicas 0', { maxReplicas: 0 }, /maxReplicas \(0\) must be a whole number from 1/],
    ['scale to zero in Standard mode', { minReplicas: 0 }, /minReplicas \(0\) needs deploymentMode KServeDeploymentMode.KNATIVE/],
    ['a canary of 0%', { deploymentMode: KServeDeploymentMode.KNATIVE, canaryTrafficPercent: 0 }, /canaryTrafficPercent \(0\) must be a whole number from 1 to 99/],
    ['a canary of 100%', { deploymentMode: KServeDeploymentMode.KNATIVE, canaryTrafficPercent: 100 }, /canaryTrafficPercent \(100\) must be a whole number from 1 to 99/],
    ['a fractional canary', { deploymentMode: KServeDeploymentMode.KNATIVE, canaryTrafficPercent: 12.5 }, /canaryTrafficPercent \(12.5\) must be a whole number/],
    ['an http:// storage URI', { storageUri: 'http://models.example.com/m.bst' }, /storageUri \("http:\/\/models.example.com\/m.bst"\) must be a model location .*s3:\/\//],
    ['a bare path as storage URI', { storageUri: '/models/scoring' }, /storageUri \("\/models\/scoring"\) must be/],
    ['an s3 URI without a bucket', { storageUri: 's3://' }, /storageUri \("s3:\/\/"\) must be/],
    ['a file:// storage URI', { storageUri: 'file:///tmp/model' }, /storageUri \("file:\/\/\/tmp\/model"\) must be/],
    ['GPUs above the team\'s maxGpusPerContainer', { gpus: 3 },
      /gpus \(3\) is more than team "fraud" allows one container \(maxGpusPerContainer 2\)/],
    ['zero GPUs', { gpus: 0 }, /gpus \(0\) must be a whole number greater than 0/],
    ['a name with upper case', { name: 'Scoring' }, /name \("Scoring"\) must be 1 to 53 lower-case letters/],
    ['a name starting with a digit', { name: '1scoring' }, /name \("1scoring"\) must be/],
    ['a name too long for the predictor', { name: 'a'.repeat(54) }, /must be 1 to 53/],
    ['a bad CPU quantity', { cpu: 'two' }, /cpu \("two"\) must be a Kubernetes quantity/],
    ['a bad memory quantity', { memory: '8GB' }, /memory \("8GB"\) must be a Kubernetes quantity/],
    ['no model format', { modelFormat: '' }, /modelFormat is required/],
  ])('%s', (_what, props, message) => {
    expect(() => isvc(props)).toThrow(message);
  });

  test('a pool dedicated to another team names the pool, its tenancy and the team', () => {
    const c = cluster();
    expect(() => new GpuInferenceService(c.chart, 'Scoring', { team: c.fraud, pool: c.others, storageUri: URI, modelFormat: 'xgboost', maxReplicas: 1 }))
      .toThrow('Test/Scoring: pool "recsys-training" is dedicated to team "recsys" and billed to "recsys"; team "fraud" may use its own pools and shared ones');
  });

  test('a CPU pool is refused', () => {
    const c = cluster();
    expect(() => new GpuInferenceService(c.chart, 'Scoring', { team: c.fraud, pool: c.cpu, storageUri: URI, modelFormat: 'xgboost', maxReplicas: 1 }))
      .toThrow(/pool "cpu" is a CPU pool; a GPU predictor needs a GPU pool/);
  });

  test('a capacity type the pool does not buy', () => {
    expect(() => isvc({ capacityType: CapacityType.SPOT })).toThrow(/capacityType spot is not bought by pool "serving" \(on-demand\)/);
  });

  test('every problem is reported at once', () => {
    expect(() => isvc({ minReplicas: 5, maxReplicas: 2, canaryTrafficPercent: 150, storageUri: 'ftp://x' }))
      .toThrow(/invalid GpuInferenceService properties:\n {2}- storageUri .*\n {2}- minReplicas .*\n {2}- canaryTrafficPercent \(150\) must .*\n {2}- canaryTrafficPercent \(150\) needs/);
  });

  test('more replicas than the team\'s GPU quota is a warning, not an error', () => {
    const { chart } = isvc({ gpus: 2, maxReplicas: 5 });
    expect(K8sWarnings.of(chart).map(w => w.id)).toEqual(['mlops-stack:serving-exceeds-team-gpu-quota']);
    expect(K8sWarnings.of(isvc({ gpus: 2, maxReplicas: 4 }).chart)).toEqual([]);
  });
});
