import { Testing } from 'cdk8s';
import { CLUSTER, TAGS, newChart, objectOf } from './helpers';
import { ManifestValidator } from './manifest-validator';
import { CapacityStrategy, CpuNodePool, PoolTenancy, type CpuNodePoolProps } from '../../../constructs';

const PLATFORM = { ...TAGS, team: 'ml-platform' };

function pool(props: Partial<CpuNodePoolProps> = {}) {
  const chart = newChart();
  const construct = new CpuNodePool(chart, 'Cpu', { ...CLUSTER, tenancy: PoolTenancy.shared(), costTags: PLATFORM, ...props });
  return { chart, construct };
}

function requirement(nodePool: any, key: string): any {
  return nodePool.spec.template.spec.requirements.find((r: any) => r.key === key);
}

test('spot then on-demand in one NodePool, c/m/r of generation 6 or newer, amd64', () => {
  const { chart } = pool();
  const nodePool = objectOf(chart, 'NodePool');
  expect(requirement(nodePool, 'karpenter.sh/capacity-type').values).toEqual(['spot', 'on-demand']);
  expect(requirement(nodePool, 'karpenter.k8s.aws/instance-category')).toEqual({ key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm', 'r'], minValues: 2 });
  expect(requirement(nodePool, 'karpenter.k8s.aws/instance-generation')).toEqual({ key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['5'] });
  expect(requirement(nodePool, 'kubernetes.io/arch').values).toEqual(['amd64']);
});

test('no GPU taint: only the pool taint, and the pool label', () => {
  const { chart } = pool();
  const template = objectOf(chart, 'NodePool').spec.template;
  expect(template.spec.taints).toEqual([{ key: 'mlops-stack.io/pool', value: 'cpu', effect: 'NoSchedule' }]);
  expect(template.metadata.labels).toMatchObject({ 'mlops-stack.io/pool': 'cpu', 'mlops-stack.io/team': 'ml-platform' });
});

test('CPU and memory limits, 8 GiB per vCPU by default', () => {
  const { chart } = pool({ cpuLimit: 64 });
  expect(objectOf(chart, 'NodePool').spec.limits).toEqual({ cpu: 64, memory: '512Gi' });
});

test('the standard AL2023 AMI at the pinned release and a 100 GiB encrypted root volume', () => {
  const { chart } = pool();
  const spec = objectOf(chart, 'EC2NodeClass').spec;
  expect(spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20260714' }]);
  expect(spec.blockDeviceMappings[0].ebs).toEqual({ volumeSize: '100Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true });
});

test('billed to its owner', () => {
  const { chart, construct } = pool();
  expect([objectOf(chart, 'EC2NodeClass').spec.tags.team, construct.billedTo, construct.kind]).toEqual(['ml-platform', 'ml-platform', 'cpu']);
});

test('manifests are valid against the Karpenter CRDs', () => {
  const { chart } = pool({ capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand(), architecture: 'arm64' });
  expect(new ManifestValidator().validateAll(Testing.synth(chart))).toEqual([]);
});

describe('validation', () => {
  test('accelerated categories belong in a GPU pool', () => {
    expect(() => pool({ instanceCategories: ['m', 'g'] })).toThrow(/Test\/Cpu: instanceCategories \(g\) are accelerated categories; use GpuNodePool/);
  });

  test('empty category list', () => {
    expect(() => pool({ instanceCategories: [] })).toThrow(/instanceCategories must not be empty/);
  });

  test.each([['cpuLimit', 0], ['memoryLimitGiB', -1], ['minInstanceGeneration', 1.5], ['cpuLimit', 2 ** 31]] as const)('%s %p', (prop, value) => {
    expect(() => pool({ [prop]: value })).toThrow(new RegExp(`${prop} \\(${value}\\) must be a whole number from 1 to 2147483647`));
  });

  test('a GPU limit on a CPU pool', () => {
    expect(() => pool({ capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ onDemandGpuLimit: 4 }) })).toThrow(/onDemandGpuLimit applies to GPU pools only/);
  });

  test('root volume beyond what gp3 allows', () => {
    expect(() => pool({ rootVolumeSizeGiB: 20_000 })).toThrow(/rootVolumeSizeGiB \(20000\) must be a whole number of GiB from 1 to 16384/);
  });
});
