import { App, Testing } from 'cdk8s';
import { CRD_SCHEMA_DIR, ManifestValidator, kubernetesSchemaDir } from './manifest-validator';
import { K8sWarnings, Placement, TEAM_NAMESPACE_LABEL, type Manifest } from '../../../constructs';
import { buildGpuWorkloads } from '../../../examples/platform/gpu-workloads';

const PLATFORM_TAGS = { 'team': 'ml-platform', 'project': 'mlops-platform', 'cost-center': 'cc-4200', 'environment': 'prod' };

function build() {
  const app = new App();
  const charts = buildGpuWorkloads(app, { clusterName: 'mlops-gpu', nodeRoleName: 'mlops-gpu-karpenter-node', costTags: PLATFORM_TAGS });
  return { app, charts };
}

const { app, charts } = build();
const chartList = Object.entries(charts);
const manifests: Manifest[] = chartList.flatMap(([, chart]) => Testing.synth(chart));
// As GpuCluster configures Kueue: Jobs in team namespaces without a queue label are held.
const KUEUE = { unqueuedJobsHeldIn: { matchLabels: { [TEAM_NAMESPACE_LABEL]: 'true' } } };
const workload = (kind: string, name: string) => manifests.find(m => m.kind === kind && m.metadata.name === name)!;
const billedTo = (nodePool: string) => manifests.find(m => m.kind === 'NodePool' && m.metadata.name === nodePool)!.spec.template.metadata.labels['mlops-stack.io/team'];

test.each(chartList)('%s chart matches the reviewed snapshot', (_name, chart) => {
  expect(Testing.synth(chart)).toMatchSnapshot();
});

test.each(['1.30.0', '1.37.0'])('every manifest of every chart is valid against the Kubernetes %s and CRD schemas', (version) => {
  const validator = new ManifestValidator(CRD_SCHEMA_DIR, kubernetesSchemaDir(version));
  expect(validator.validateAll(manifests)).toEqual([]);
});

test('the example raises no warning', () => {
  expect(K8sWarnings.of(app)).toEqual([]);
});

describe('placement: where each workload of the example can run, and who pays', () => {
  test.each([
    ['Job', 'fraud-training', ['fraud-training', 'shared-training'], ['fraud', 'ml-platform']],
    ['Job', 'fraud-features', ['cpu'], ['ml-platform']],
    ['Job', 'recsys-training', ['recsys-training-spot', 'recsys-training-on-demand'], ['recsys', 'recsys']],
    ['Deployment', 'fraud-serving', ['serving'], ['ml-platform']],
    ['InferenceService', 'recsys-ranker', ['serving'], ['ml-platform']],
    ['Job', 'fraud-pretrain', ['fraud-training'], ['fraud']],
  ])('%s %s runs only on %j', (kind, name, pools, payers) => {
    const placement = Placement.ofWorkload(workload(kind, name), manifests, KUEUE);
    expect([placement.runnable, placement.nodePools]).toEqual([true, pools]);
    expect(placement.nodePools.map(billedTo)).toEqual(payers);
  });

  test('Kueue tries a team\'s own pool before the shared one, spot before on-demand', () => {
    expect(Placement.ofWorkload(workload('Job', 'fraud-training'), manifests, KUEUE).flavors)
      .toEqual(['fraud-training-spot', 'fraud-training-on-demand', 'shared-training-spot']);
  });

  test.each(['fraud', 'recsys'])('any GPU job of %s lands only on its own or shared pools', (team) => {
    const job: Manifest = {
      kind: 'Job',
      metadata: { name: 'probe', namespace: team, labels: { 'kueue.x-k8s.io/queue-name': team } },
      spec: { template: { spec: { containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': 1 } } }], tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] } } },
    };
    const pools = Placement.ofWorkload(job, manifests, KUEUE).nodePools;
    expect(pools.length).toBeGreaterThan(0);
    expect(pools.filter(p => ![team, 'ml-platform'].includes(billedTo(p)))).toEqual([]);
  });

  test('a GPU pod that tolerates the GPU taint but no pool lands nowhere: every pool must be chosen by name', () => {
    const pod: Manifest = { kind: 'Pod', metadata: { name: 'stray', namespace: 'default' }, spec: { containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': 1 } } }], tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] } };
    expect(Placement.ofWorkload(pod, manifests, KUEUE).nodePools).toEqual([]);
  });

  test('a Job without a queue label in a team namespace is held by Kueue', () => {
    const job: Manifest = { kind: 'Job', metadata: { name: 'bypass', namespace: 'fraud' }, spec: { template: { spec: { containers: [{ name: 'c' }], tolerations: [{ operator: 'Exists' }] } } } };
    expect(Placement.ofWorkload(job, manifests, KUEUE).runnable).toBe(false);
  });
});

test('node pools: capacity types, and billed to their team or the platform', () => {
  const pools = manifests.filter(o => o.kind === 'NodePool');
  expect(Object.fromEntries(pools.map(p => [p.metadata.name, [
    p.spec.template.spec.requirements.find((r: any) => r.key === 'karpenter.sh/capacity-type').values.join('+'),
    p.spec.template.metadata.labels['mlops-stack.io/team'],
  ]]))).toEqual({
    'fraud-training': ['spot+on-demand', 'fraud'],
    'recsys-training-spot': ['spot', 'recsys'],
    'recsys-training-on-demand': ['on-demand', 'recsys'],
    'shared-training': ['spot+on-demand', 'ml-platform'],
    'serving': ['on-demand', 'ml-platform'],
    'cpu': ['spot+on-demand', 'ml-platform'],
  });
  const classes = manifests.filter(o => o.kind === 'EC2NodeClass');
  expect(Object.fromEntries(classes.map(c => [c.metadata.name, c.spec.tags.team]))).toEqual({
    'fraud-training': 'fraud', 'recsys-training': 'recsys', 'shared-training': 'ml-platform', 'serving': 'ml-platform', 'cpu': 'ml-platform',
  });
});

test('each team has a namespace GPU quota and a local queue', () => {
  const quotas = Object.fromEntries(manifests.filter(o => o.kind === 'ResourceQuota').map(q => [q.metadata.namespace, q.spec.hard['requests.nvidia.com/gpu']]));
  expect(quotas).toEqual({ fraud: 16, recsys: 32 });
  expect(manifests.filter(o => o.kind === 'LocalQueue').map(q => q.metadata.namespace)).toEqual(['fraud', 'recsys']);
});
