import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Placement, type Manifest } from '../../../constructs';

const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' };

interface PoolOptions { labels?: Record<string, string>; requirements?: any[]; taints?: any[]; weight?: number; gpu?: boolean }

function nodePool(name: string, options: PoolOptions = {}): Manifest {
  return {
    kind: 'NodePool',
    metadata: { name },
    spec: {
      weight: options.weight,
      limits: options.gpu === false ? { cpu: 100 } : { 'nvidia.com/gpu': 8 },
      template: {
        metadata: { labels: options.labels ?? {} },
        spec: { nodeClassRef: { name }, requirements: options.requirements ?? [], taints: options.taints ?? [] },
      },
    },
  };
}

function pod(spec: Record<string, unknown>, labels: Record<string, string> = {}, namespace = 'fraud', kind = 'Job'): Manifest {
  return { kind, metadata: { name: 'w', namespace, labels }, spec: { template: { spec: { containers: [{ name: 'c', resources: {} }], ...spec } } } };
}

function gpuContainers(gpus = 1) {
  return [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': gpus }, requests: { cpu: '2', memory: '8Gi' } } }];
}

describe('Karpenter NodePool selection', () => {
  test('a taint must be tolerated', () => {
    const pools = [nodePool('gpu', { taints: [GPU_TAINT] })];
    expect(Placement.nodePoolsFor({ tolerations: [] }, pools)).toEqual([]);
    expect(Placement.nodePoolsFor({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] }, pools)).toEqual(['gpu']);
    expect(Placement.nodePoolsFor({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] }, pools)).toEqual(['gpu']);
    expect(Placement.nodePoolsFor({ tolerations: [{ operator: 'Exists' }] }, pools)).toEqual(['gpu']);
    expect(Placement.nodePoolsFor({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'false' }] }, pools)).toEqual([]);
    expect(Placement.nodePoolsFor({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }] }, pools)).toEqual([]);
  });

  test('a node selector must match a template label or a requirement', () => {
    const pools = [
      nodePool('a', { labels: { team: 'a' } }),
      nodePool('b', { requirements: [{ key: 'team', operator: 'In', values: ['b', 'c'] }] }),
      nodePool('any', { requirements: [{ key: 'team', operator: 'Exists' }] }),
      nodePool('none'),
    ];
    expect(Placement.nodePoolsFor({ nodeSelector: { team: 'a' } }, pools)).toEqual(['a', 'any']);
    expect(Placement.nodePoolsFor({ nodeSelector: { team: 'c' } }, pools)).toEqual(['b', 'any']);
  });

  test('a custom label no pool declares matches no pool; a well-known label needs no declaration', () => {
    const pools = [nodePool('plain')];
    expect(Placement.nodePoolsFor({ nodeSelector: { 'example.com/rack': 'r1' } }, pools)).toEqual([]);
    expect(Placement.nodePoolsFor({ nodeSelector: { 'topology.kubernetes.io/zone': 'eu-west-1a' } }, pools)).toEqual(['plain']);
    expect(Placement.nodePoolsFor({ nodeSelector: { 'karpenter.sh/nodepool': 'plain' } }, pools)).toEqual(['plain']);
  });

  test.each([
    ['NotIn excludes the pool\'s only value', { key: 'team', operator: 'NotIn', values: ['a'] }, []],
    ['NotIn keeps a pool with another value', { key: 'team', operator: 'NotIn', values: ['x'] }, ['a']],
    ['DoesNotExist excludes a labelled pool', { key: 'team', operator: 'DoesNotExist' }, []],
    ['DoesNotExist keeps an unlabelled key', { key: 'other', operator: 'DoesNotExist' }, ['a']],
    ['Exists on the label', { key: 'team', operator: 'Exists' }, ['a']],
    ['Gt within the pool range', { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['6'] }, ['a']],
    ['Gt above the pool range', { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['8'] }, []],
    ['Lt below the pool range', { key: 'karpenter.k8s.aws/instance-generation', operator: 'Lt', values: ['6'] }, []],
    ['Lt within the pool range', { key: 'karpenter.k8s.aws/instance-generation', operator: 'Lt', values: ['8'] }, ['a']],
  ])('required node affinity: %s', (_name, expression, expected) => {
    const pools = [nodePool('a', {
      labels: { team: 'a' },
      requirements: [{ key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['5'] }, { key: 'karpenter.k8s.aws/instance-generation', operator: 'Lt', values: ['9'] }],
    })];
    const terms = [{ matchExpressions: [expression] }];
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
    expect(Placement.nodePoolsFor({ affinity }, pools)).toEqual(expected);
  });

  test('node selector terms are ORed, expressions within a term ANDed', () => {
    const pools = [nodePool('a', { labels: { team: 'a' } }), nodePool('b', { labels: { team: 'b' } })];
    const term = (...values: string[][]) => ({ matchExpressions: values.map(v => ({ key: 'team', operator: 'In', values: v })) });
    const affinity = (...terms: any[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
    expect(Placement.nodePoolsFor({ affinity: affinity(term(['a']), term(['b'])) }, pools)).toEqual(['a', 'b']);
    expect(Placement.nodePoolsFor({ affinity: affinity(term(['a', 'b'], ['b'])) }, pools)).toEqual(['b']);
  });

  test('a GPU request lands only on a pool with GPUs', () => {
    const pools = [nodePool('cpu', { gpu: false }), nodePool('gpu')];
    expect(Placement.nodePoolsFor({ containers: gpuContainers() }, pools)).toEqual(['gpu']);
  });

  test('a KServe InferenceService is placed as its predictor pods: the predictor\'s selector, tolerations and model resources', () => {
    const pools = [
      nodePool('serving', {
        labels: { 'mlops-stack.io/pool': 'serving' },
        taints: [GPU_TAINT, { key: 'mlops-stack.io/pool', value: 'serving', effect: 'NoSchedule' }],
      }),
      nodePool('cpu', { gpu: false }),
    ];
    const isvc = (predictor: Record<string, unknown>): Manifest => ({ kind: 'InferenceService', metadata: { name: 'm', namespace: 'fraud' }, spec: { predictor } });
    const model = { modelFormat: { name: 'xgboost' }, resources: { limits: { 'nvidia.com/gpu': 1 } } };
    const placed = {
      model,
      nodeSelector: { 'mlops-stack.io/pool': 'serving' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }, { key: 'mlops-stack.io/pool', operator: 'Equal', value: 'serving' }],
    };
    expect(Placement.ofWorkload(isvc(placed), pools).nodePools).toEqual(['serving']);
    // Without the pool's toleration the GPU predictor fits nowhere: the check reads the predictor, not an empty pod.
    const untolerated = isvc({ ...placed, tolerations: placed.tolerations.slice(0, 1) });
    expect(Placement.ofWorkload(untolerated, pools)).toMatchObject({ runnable: false, nodePools: [] });
    // Custom predictor containers replace the model's.
    expect(Placement.ofWorkload(isvc({ ...placed, model: undefined, containers: [{ name: 'c', resources: {} }] }), pools).nodePools).toEqual(['serving']);
  });

  test('candidates are ordered by weight, highest first', () => {
    const pools = [nodePool('low', { weight: 10 }), nodePool('none'), nodePool('high', { weight: 100 })];
    expect(Placement.nodePoolsFor({}, pools)).toEqual(['high', 'low', 'none']);
  });
});

describe('Kueue admission', () => {
  const namespace: Manifest = { kind: 'Namespace', metadata: { name: 'fraud', labels: { 'mlops-stack.io/team-namespace': 'true' } } };
  const localQueue: Manifest = { kind: 'LocalQueue', metadata: { name: 'fraud', namespace: 'fraud' }, spec: { clusterQueue: 'fraud' } };
  const quota = (gpus: number) => [
    { name: 'cpu', nominalQuota: 64, borrowingLimit: 0 }, { name: 'memory', nominalQuota: '512Gi', borrowingLimit: '0Gi' },
    { name: 'nvidia.com/gpu', nominalQuota: gpus, borrowingLimit: 0 },
  ];
  const clusterQueue = (flavors: any[], namespaceSelector: any = { matchLabels: { 'kubernetes.io/metadata.name': 'fraud' } }): Manifest => ({
    kind: 'ClusterQueue',
    metadata: { name: 'fraud' },
    spec: { namespaceSelector, resourceGroups: [{ coveredResources: ['cpu', 'memory', 'nvidia.com/gpu'], flavors }] },
  });
  const flavor = (name: string, pool: string, nodeTaints?: any[]): Manifest => ({
    kind: 'ResourceFlavor',
    metadata: { name },
    spec: { nodeLabels: { pool }, nodeTaints, tolerations: [{ key: 'pool', operator: 'Equal', value: pool, effect: 'NoSchedule' }] },
  });
  const pools = [
    nodePool('small', { labels: { pool: 'small' }, taints: [GPU_TAINT, { key: 'pool', value: 'small', effect: 'NoSchedule' }] }),
    nodePool('big', { labels: { pool: 'big' }, taints: [GPU_TAINT, { key: 'pool', value: 'big', effect: 'NoSchedule' }] }),
  ];
  const queued = (gpus: number, extra: Record<string, unknown> = {}) => pod({
    containers: gpuContainers(gpus), tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }], ...extra,
  }, { 'kueue.x-k8s.io/queue-name': 'fraud' });

  test('admitted on the first flavor with quota; the flavor\'s labels and tolerations then place the pods', () => {
    const manifests = [namespace, localQueue, clusterQueue([{ name: 'small', resources: quota(2) }, { name: 'big', resources: quota(8) }]),
      flavor('small', 'small', [GPU_TAINT]), flavor('big', 'big', [GPU_TAINT]), ...pools];
    expect(Placement.ofWorkload(queued(1), manifests)).toEqual({ runnable: true, flavors: ['small', 'big'], nodePools: ['small', 'big'] });
    expect(Placement.ofWorkload(queued(4), manifests)).toEqual({ runnable: true, flavors: ['big'], nodePools: ['big'] });
  });

  test('a pod that does not tolerate a flavor\'s node taint is not admitted there', () => {
    const manifests = [namespace, localQueue, clusterQueue([{ name: 'small', resources: quota(2) }]), flavor('small', 'small', [GPU_TAINT]), ...pools];
    const cpuOnly = pod({}, { 'kueue.x-k8s.io/queue-name': 'fraud' });
    expect(Placement.ofWorkload(cpuOnly, manifests).runnable).toBe(false);
  });

  test('a pod whose node selector contradicts a flavor is not admitted there', () => {
    const manifests = [namespace, localQueue, clusterQueue([{ name: 'small', resources: quota(8) }, { name: 'big', resources: quota(8) }]),
      flavor('small', 'small'), flavor('big', 'big'), ...pools];
    expect(Placement.ofWorkload(queued(1, { nodeSelector: { pool: 'big' } }), manifests).flavors).toEqual(['big']);
  });

  test.each([
    ['no LocalQueue of that name in the namespace', [namespace, clusterQueue([])], /no LocalQueue "fraud" in namespace "fraud"/],
    ['a LocalQueue pointing at a missing ClusterQueue', [namespace, localQueue], /points at ClusterQueue "fraud", which does not exist/],
    ['a ClusterQueue that does not accept the namespace', [namespace, localQueue, clusterQueue([], { matchLabels: { 'kubernetes.io/metadata.name': 'recsys' } })],
      /does not accept namespace "fraud"/],
    ['no flavor with enough quota', [namespace, localQueue, clusterQueue([{ name: 'small', resources: quota(2) }]), flavor('small', 'small'), ...pools], /fits the pod's requests/],
  ])('not admitted: %s', (_name, manifests, reason) => {
    const placement = Placement.ofWorkload(queued(4), manifests as Manifest[]);
    expect([placement.runnable, placement.reason]).toEqual([false, expect.stringMatching(reason)]);
  });

  test('a Job without a queue label in a managed namespace is held', () => {
    const manifests = [namespace, ...pools];
    const unlabelled = pod({ tolerations: [{ operator: 'Exists' }] });
    expect(Placement.ofWorkload(unlabelled, manifests).runnable).toBe(true);
    expect(Placement.ofWorkload(unlabelled, manifests, { unqueuedJobsHeldIn: { matchLabels: { 'mlops-stack.io/team-namespace': 'true' } } }))
      .toEqual({ runnable: false, flavors: [], nodePools: [], reason: 'Job without a queue label in managed namespace "fraud" is held by Kueue' });
  });
});

describe('the wiring before pools were tenant-aware', () => {
  // What the platform example synthesized before pools were labelled and tainted by name: one GPU taint on
  // every pool and two Kueue flavors keyed on capacity type alone, shared by every team.
  const manifests: Manifest[] = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'pre-tenancy-manifests.json'), 'utf8'));
  const job = (name: string) => manifests.find(m => m.kind === 'Job' && m.metadata.name === name)!;

  test('fraud\'s spot jobs could land on recsys\'s pool, tried first, and on the platform\'s serving pool', () => {
    const placement = Placement.ofWorkload(job('fraud-training'), manifests);
    expect(placement.nodePools).toEqual(['recsys-training-spot', 'recsys-training-on-demand', 'fraud-training', 'serving']);
  });

  test('recsys\'s jobs could land on fraud\'s pool', () => {
    expect(Placement.ofWorkload(job('recsys-training'), manifests).nodePools).toContain('fraud-training');
  });

  test('a job left in the default namespace was never admitted', () => {
    expect(Placement.ofWorkload(job('default-namespace'), manifests)).toMatchObject({ runnable: false, reason: 'no LocalQueue "fraud" in namespace "default"' });
  });
});
