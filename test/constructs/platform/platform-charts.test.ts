import { App, Testing } from 'cdk8s';
import { CapacityStrategy, K8sWarnings, type Manifest, PlatformCharts, type PlatformChartsProps, TagSchema } from '../../../constructs';
import { CRD_SCHEMA_DIR, ManifestValidator, kubernetesSchemaDir } from '../k8s/manifest-validator';

const PLATFORM_TAGS = { 'team': 'ml-platform', 'project': 'scoring', 'cost-center': 'cc-4200', 'environment': 'prod' };

function props(change: Partial<PlatformChartsProps> = {}): PlatformChartsProps {
  return {
    clusterName: 'mlops',
    nodeRoleName: 'mlops-node',
    costTags: PLATFORM_TAGS,
    teams: [
      {
        name: 'fraud',
        pools: [{ name: 'fraud-training', instanceFamilies: ['g6'], instanceSizes: ['xlarge', '2xlarge'], gpuLimit: 16, quota: { spotGpus: 8, onDemandGpus: 4 } }],
        sharedPools: [{ pool: 'shared-training', spotGpus: 2, borrowingLimitGpus: 2 }],
        cpuQuota: { pool: 'cpu', spotCpus: 32 },
      },
      {
        name: 'recsys',
        pools: [{ name: 'recsys-training', instanceFamilies: ['p4d', 'p4de'], gpuLimit: 32, capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ onDemandGpuLimit: 16 }) }],
      },
    ],
    sharedPools: [{ name: 'shared-training', instanceFamilies: ['g6e'], instanceSizes: ['xlarge', '2xlarge'], gpuLimit: 8 }],
    cpuPools: [{ name: 'cpu' }],
    ...change,
  };
}

const app = new App();
const charts = new PlatformCharts(app, props());
const manifests: Manifest[] = charts.all.flatMap(c => Testing.synth(c));

test.each(['1.30.0', '1.37.0'])('every manifest is valid against the Kubernetes %s and CRD schemas', version => {
  const validator = new ManifestValidator(CRD_SCHEMA_DIR, kubernetesSchemaDir(version));
  expect(validator.validateAll(manifests)).toEqual([]);
});

test('the configuration raises no warning', () => {
  expect(K8sWarnings.of(app)).toEqual([]);
});

test('pools in the order of the configuration: each team\'s own, then the shared GPU pools, then the CPU pools', () => {
  expect(manifests.filter(m => m.kind === 'EC2NodeClass').map(m => [m.metadata.name, m.spec.tags.team])).toEqual([
    ['fraud-training', 'fraud'], ['recsys-training', 'recsys'], ['shared-training', 'ml-platform'], ['cpu', 'ml-platform'],
  ]);
});

test('a team\'s queue: its own pool\'s quota as given, then its shared quotas; the default quota is the whole pool on spot', () => {
  expect(charts.queuesByTeam.fraud.flavors.map(f => f.flavorName)).toEqual(['fraud-training-spot', 'fraud-training-on-demand', 'shared-training-spot', 'cpu-spot']);
  const recsys = manifests.find(m => m.kind === 'ClusterQueue' && m.metadata.name === 'recsys')!;
  expect(recsys.spec.resourceGroups[0].flavors.map((f: any) => [f.name, f.resources.find((r: any) => r.name === 'nvidia.com/gpu').nominalQuota]))
    .toEqual([['recsys-training-spot', 32]]);
});

test('a team\'s GPU ceiling defaults to its own pools\' limits', () => {
  expect(Object.values(charts.gpuTeams).map(t => [t.name, t.maxGpus])).toEqual([['fraud', 16], ['recsys', 32]]);
});

test('an on-demand-only pool\'s default quota is on-demand', () => {
  const c = new PlatformCharts(new App(), props({
    teams: [{ name: 'fraud', pools: [{ name: 'fraud-serving', instanceFamilies: ['g6'], gpuLimit: 4, capacityStrategy: CapacityStrategy.onDemandOnly() }] }],
  }));
  expect(c.queuesByTeam.fraud.flavors.map(f => f.flavorName)).toEqual(['fraud-serving-on-demand']);
});

test('a custom schema names the team key', () => {
  const schema = TagSchema.define({ keys: [{ key: 'owner', required: true }, { key: 'env', required: true }], teamKey: 'owner' });
  const c = new PlatformCharts(new App(), {
    clusterName: 'mlops',
    nodeRoleName: 'n',
    costTags: { owner: 'platform', env: 'prod' },
    tagSchema: schema,
    teams: [{ name: 'fraud', pools: [{ name: 'fraud-training', instanceFamilies: ['g6', 'g5'], gpuLimit: 4 }] }],
  });
  expect(Testing.synth(c.nodePools).find(m => m.kind === 'EC2NodeClass')!.spec.tags).toEqual({ owner: 'fraud', env: 'prod' });
});

test('the teams\' configuration is checked up front, each problem named by its path', () => {
  const bad = props({ teams: [props().teams[0], { ...props().teams[1], pools: [{ name: 'recsys-training', instanceFamilies: ['p4d'], gpuLimit: 0 }] }] });
  expect(() => new PlatformCharts(new App(), bad)).toThrow(/^teams\[1\]\.pools\[0\]\.gpuLimit \(0\) must be a whole number from 1 to 2147483647: it is the most GPUs the pool runs at once, and a pool without GPUs cannot run GPU work$/);
});
