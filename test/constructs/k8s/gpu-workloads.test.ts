import { App, Testing } from 'cdk8s';
import { ManifestValidator, kubernetesSchemaDir, sharedCrdsDir } from './manifest-validator';
import { K8sWarnings } from '../../../constructs';
import { buildGpuWorkloads } from '../../../examples/platform/gpu-workloads';

const PLATFORM_TAGS = { 'team': 'ml-platform', 'project': 'mlops-platform', 'cost-center': 'cc-4200', 'environment': 'prod' };

function build() {
  const app = new App();
  const charts = buildGpuWorkloads(app, { clusterName: 'mlops-gpu', nodeRoleName: 'mlops-gpu-karpenter-node', costTags: PLATFORM_TAGS });
  return { app, charts };
}

const { app, charts } = build();
const chartList = Object.entries(charts);

test.each(chartList)('%s chart matches the reviewed snapshot', (_name, chart) => {
  expect(Testing.synth(chart)).toMatchSnapshot();
});

test.each(['1.28.0', '1.37.0'])('every manifest of every chart is valid against the Kubernetes %s and CRD schemas', (version) => {
  const validator = new ManifestValidator(sharedCrdsDir(), kubernetesSchemaDir(version));
  expect(chartList.flatMap(([, chart]) => validator.validateAll(Testing.synth(chart)))).toEqual([]);
});

test('the example raises no warning', () => {
  expect(K8sWarnings.of(app)).toEqual([]);
});

test('node pools cover all three capacity strategies', () => {
  const pools = Testing.synth(charts.nodePools).filter(o => o.kind === 'NodePool');
  const capacity = Object.fromEntries(pools.map(p => [p.metadata.name,
    p.spec.template.spec.requirements.find((r: any) => r.key === 'karpenter.sh/capacity-type').values]));
  expect(capacity).toEqual({
    'fraud-training': ['spot', 'on-demand'],
    'recsys-training-spot': ['spot'],
    'recsys-training-on-demand': ['on-demand'],
    'serving': ['on-demand'],
  });
});

test('each team pool is billed to its team', () => {
  const classes = Testing.synth(charts.nodePools).filter(o => o.kind === 'EC2NodeClass');
  expect(Object.fromEntries(classes.map(c => [c.metadata.name, c.spec.tags.team]))).toEqual({
    'fraud-training': 'fraud',
    'recsys-training': 'recsys',
    'serving': 'ml-platform',
  });
});

test('each team has a namespace GPU quota and a local queue', () => {
  const teams = Testing.synth(charts.teams);
  const queues = Testing.synth(charts.queues);
  const quotas = Object.fromEntries(teams.filter(o => o.kind === 'ResourceQuota').map(q => [q.metadata.namespace, q.spec.hard['requests.nvidia.com/gpu']]));
  expect(quotas).toEqual({ fraud: 16, recsys: 32 });
  expect(queues.filter(o => o.kind === 'LocalQueue').map(q => q.metadata.namespace)).toEqual(['fraud', 'recsys']);
});

test('queues are applied after the namespaces they live in', () => {
  expect(charts.queues.node.dependencies).toContain(charts.teams);
});
