import { Lazy } from 'aws-cdk-lib';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { CLUSTER, TAGS, newChart, objectOf } from './helpers';
import { ManifestValidator } from './manifest-validator';
import {
  CapacityStrategy,
  ConsolidationPolicy,
  DisruptionReason,
  GpuAmi,
  GpuNodePool,
  K8sWarnings,
  PoolTenancy,
  TagSchema,
  type GpuNodePoolProps,
} from '../../../constructs';

const BASE: GpuNodePoolProps = { ...CLUSTER, tenancy: PoolTenancy.dedicated('fraud'), costTags: TAGS, instanceFamilies: ['g5', 'g6'], gpuLimit: 8 };

function pool(props: Partial<GpuNodePoolProps> = {}) {
  const chart = newChart();
  const construct = new GpuNodePool(chart, 'Training', { ...BASE, ...props });
  return { chart, construct };
}

function requirement(nodePool: any, key: string): any {
  return nodePool.spec.template.spec.requirements.find((r: any) => r.key === key);
}

describe('GpuNodePool defaults', () => {
  test('spot with on-demand fallback: one NodePool allowing spot and on-demand', () => {
    const { chart } = pool();
    expect(Testing.synth(chart).filter(o => o.kind === 'NodePool')).toHaveLength(1);
    expect(requirement(objectOf(chart, 'NodePool'), 'karpenter.sh/capacity-type').values).toEqual(['spot', 'on-demand']);
  });

  test('requires at least two instance families per launch so spot can diversify', () => {
    const { chart } = pool();
    expect(requirement(objectOf(chart, 'NodePool'), 'karpenter.k8s.aws/instance-family')).toEqual({
      key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g5', 'g6'], minValues: 2,
    });
  });

  test('only NVIDIA GPU instances are allowed', () => {
    const { chart } = pool();
    expect(requirement(objectOf(chart, 'NodePool'), 'karpenter.k8s.aws/instance-gpu-manufacturer').values).toEqual(['nvidia']);
  });

  test('GPU limit is rendered as nvidia.com/gpu in the synthesized manifest', () => {
    const { chart } = pool({ gpuLimit: 12 });
    expect(objectOf(chart, 'NodePool').spec.limits).toEqual({ 'nvidia.com/gpu': 12 });
  });

  test('nodes carry the nvidia.com/gpu=true:NoSchedule taint and a taint naming the pool', () => {
    const { chart } = pool();
    expect(objectOf(chart, 'NodePool').spec.template.spec.taints).toEqual([
      { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
      { key: 'mlops-stack.io/pool', value: 'training', effect: 'NoSchedule' },
    ]);
  });

  test('nodes are labelled with the pool name and the AMI family', () => {
    const { chart } = pool();
    expect(objectOf(chart, 'NodePool').spec.template.metadata.labels).toMatchObject({
      'mlops-stack.io/pool': 'training', 'mlops-stack.io/ami-family': 'al2023', 'nvidia.com/gpu.present': 'true',
    });
  });

  test('node labels carry the cost tags under the schema prefix', () => {
    const { chart } = pool();
    expect(objectOf(chart, 'NodePool').spec.template.metadata.labels).toMatchObject({
      'mlops-stack.io/team': 'fraud', 'mlops-stack.io/project': 'scoring', 'mlops-stack.io/cost-center': 'cc-4200', 'mlops-stack.io/environment': 'prod',
    });
  });

  test('EC2NodeClass tags are the cost tags, so Karpenter bills instances and volumes to the owner', () => {
    const { chart } = pool();
    expect(objectOf(chart, 'EC2NodeClass').spec.tags).toEqual(TAGS);
  });

  test('custom tag schema: labels use its prefix and label names', () => {
    const schema = TagSchema.define({
      keys: [{ key: 'owner', required: true }, { key: 'CostCenter', required: true, labelName: 'cost-center' }],
      teamKey: 'owner',
      labelPrefix: 'billing.example.com/',
    });
    const { chart } = pool({ tagSchema: schema, costTags: { owner: 'fraud', CostCenter: 'cc-9' } });
    expect(objectOf(chart, 'NodePool').metadata.labels).toEqual({ 'billing.example.com/owner': 'fraud', 'billing.example.com/cost-center': 'cc-9' });
    expect(objectOf(chart, 'EC2NodeClass').spec.tags).toEqual({ owner: 'fraud', CostCenter: 'cc-9' });
  });

  test('AL2023 NVIDIA AMI alias by default', () => {
    const { chart } = pool();
    expect(objectOf(chart, 'EC2NodeClass').spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20260714' }]);
  });

  test('IMDSv2 required with hop limit 1', () => {
    const { chart } = pool();
    expect(objectOf(chart, 'EC2NodeClass').spec.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 });
  });

  test('one encrypted gp3 root volume of 200 GiB on AL2023', () => {
    const { chart } = pool();
    expect(objectOf(chart, 'EC2NodeClass').spec.blockDeviceMappings).toEqual([{
      deviceName: '/dev/xvda',
      rootVolume: true,
      ebs: { volumeSize: '200Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
    }]);
  });

  test('subnets and security groups are found by the discovery tag (cluster name by default)', () => {
    const { chart } = pool();
    const spec = objectOf(chart, 'EC2NodeClass').spec;
    expect(spec.subnetSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': 'mlops' } }]);
    expect(spec.securityGroupSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': 'mlops' } }]);
    expect(spec.role).toBe('mlops-karpenter-node');
  });

  test('disruption: consolidate when empty after 10m, 10% budget, no drift in working hours, 30-day expiry, 2h termination grace', () => {
    const { chart } = pool();
    const spec = objectOf(chart, 'NodePool').spec;
    expect(spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: '10m',
      budgets: [{ nodes: '10%' }, { nodes: '0', reasons: ['Drifted'], schedule: '0 8 * * 1-5', duration: '10h' }],
    });
    expect(spec.template.spec.expireAfter).toBe('720h');
    expect(spec.template.spec.terminationGracePeriod).toBe('2h');
  });

  test('NodePool references its EC2NodeClass by name', () => {
    const { chart } = pool();
    expect(objectOf(chart, 'NodePool').spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'training' });
  });
});

describe('GpuNodePool options', () => {
  let validator: ManifestValidator;
  beforeAll(() => {
    validator = new ManifestValidator();
  });

  test('weighted pair: spot pool with higher weight, on-demand pool with its own limit', () => {
    const capacityStrategy = CapacityStrategy.weightedSpotAndOnDemand({ spotWeight: 80, onDemandWeight: 20, onDemandGpuLimit: 4 });
    const { chart, construct } = pool({ capacityStrategy });
    const spot = objectOf(chart, 'NodePool', 'training-spot');
    const onDemand = objectOf(chart, 'NodePool', 'training-on-demand');
    expect([spot.spec.weight, spot.spec.limits, requirement(spot, 'karpenter.sh/capacity-type').values]).toEqual([80, { 'nvidia.com/gpu': 8 }, ['spot']]);
    expect([onDemand.spec.weight, onDemand.spec.limits, requirement(onDemand, 'karpenter.sh/capacity-type').values]).toEqual([20, { 'nvidia.com/gpu': 4 }, ['on-demand']]);
    expect(construct.nodePoolNames).toEqual(['training-spot', 'training-on-demand']);
  });

  test('weighted pair: the spot pool also requires instance diversification', () => {
    const { chart } = pool({ capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand() });
    expect(requirement(objectOf(chart, 'NodePool', 'training-spot'), 'karpenter.k8s.aws/instance-family').minValues).toBe(2);
  });

  test('weighted pair shares one EC2NodeClass', () => {
    const { chart } = pool({ capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand() });
    expect(Testing.synth(chart).filter(o => o.kind === 'EC2NodeClass')).toHaveLength(1);
  });

  test('on-demand only: capacity type on-demand and no spot limit', () => {
    const { chart, construct } = pool({ capacityStrategy: CapacityStrategy.onDemandOnly() });
    expect(requirement(objectOf(chart, 'NodePool'), 'karpenter.sh/capacity-type').values).toEqual(['on-demand']);
    expect(construct.spotGpuLimit).toBeUndefined();
  });

  test('Bottlerocket: small OS volume and the image volume as kubelet root', () => {
    const { chart } = pool({ ami: GpuAmi.bottlerocket('1.50.0'), imageVolumeSizeGiB: 300, volumeKmsKeyId: 'alias/nodes' });
    const spec = objectOf(chart, 'EC2NodeClass').spec;
    expect(spec.amiSelectorTerms).toEqual([{ alias: 'bottlerocket@1.50.0' }]);
    expect(spec.blockDeviceMappings).toEqual([
      { deviceName: '/dev/xvda', ebs: { volumeSize: '10Gi', volumeType: 'gp3', encrypted: true, kmsKeyID: 'alias/nodes', deleteOnTermination: true } },
      { deviceName: '/dev/xvdb', rootVolume: true, ebs: { volumeSize: '300Gi', volumeType: 'gp3', encrypted: true, kmsKeyID: 'alias/nodes', deleteOnTermination: true } },
    ]);
  });

  test('instance sizes become a requirement', () => {
    const { chart } = pool({ instanceSizes: ['xlarge', '2xlarge'] });
    expect(requirement(objectOf(chart, 'NodePool'), 'karpenter.k8s.aws/instance-size').values).toEqual(['xlarge', '2xlarge']);
  });

  test('disruption settings render as Karpenter durations', () => {
    const { chart } = pool({
      consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED,
      consolidateAfter: Duration.seconds(90),
      expireAfter: Duration.hours(36),
      terminationGracePeriod: Duration.minutes(45),
      disruptionBudgets: [{ nodes: '0', schedule: '0 9 * * mon-fri', duration: Duration.hours(8), reasons: [DisruptionReason.UNDERUTILIZED] }],
    });
    const spec = objectOf(chart, 'NodePool').spec;
    expect(spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '1m30s',
      budgets: [{ nodes: '0', schedule: '0 9 * * mon-fri', duration: '8h', reasons: ['Underutilized'] }],
    });
    expect([spec.template.spec.expireAfter, spec.template.spec.terminationGracePeriod]).toEqual(['36h', '45m']);
  });

  test('hop limit 2 when asked', () => {
    const { chart } = pool({ metadataHopLimit: 2 });
    expect(objectOf(chart, 'EC2NodeClass').spec.metadataOptions.httpPutResponseHopLimit).toBe(2);
  });

  test.each([
    ['spot with fallback', CapacityStrategy.spotWithOnDemandFallback()],
    ['weighted pair', CapacityStrategy.weightedSpotAndOnDemand()],
    ['on-demand only', CapacityStrategy.onDemandOnly()],
  ])('%s: manifests are valid against the Karpenter CRDs', (_name, capacityStrategy) => {
    const budgets = [{ nodes: '1', schedule: '@daily', duration: Duration.hours(1) }];
    const { chart } = pool({ capacityStrategy, ami: GpuAmi.bottlerocket(), disruptionBudgets: budgets, volumeKmsKeyId: 'alias/nodes' });
    expect(validator.validateAll(Testing.synth(chart))).toEqual([]);
  });
});

describe('GpuNodePool tenancy', () => {
  test('a dedicated pool is billed to its team: the team key defaults to it', () => {
    const { team: _team, ...platform } = TAGS;
    const { chart, construct } = pool({ costTags: platform });
    expect(objectOf(chart, 'EC2NodeClass').spec.tags.team).toBe('fraud');
    expect(construct.billedTo).toBe('fraud');
  });

  test('a dedicated pool whose cost tags name another team is refused, naming both', () => {
    expect(() => pool({ costTags: { ...TAGS, team: 'ml-platform' } }))
      .toThrow(/Test\/Training: costTags team \("ml-platform"\) differs from the team the pool is dedicated to \("fraud"\)/);
  });

  test('a shared pool is billed to its owner', () => {
    const { chart, construct } = pool({ tenancy: PoolTenancy.shared(), costTags: { ...TAGS, team: 'ml-platform' } });
    expect(objectOf(chart, 'EC2NodeClass').spec.tags.team).toBe('ml-platform');
    expect([construct.billedTo, construct.tenancy.allows('fraud'), construct.tenancy.allows('recsys')]).toEqual(['ml-platform', true, true]);
  });

  test('a dedicated pool allows only its team', () => {
    const { construct } = pool();
    expect([construct.tenancy.allows('fraud'), construct.tenancy.allows('recsys')]).toEqual([true, false]);
  });

  test('tenancy is required', () => {
    expect(() => pool({ tenancy: undefined })).toThrow(/tenancy is required: PoolTenancy\.dedicated/);
  });

  test('a dedicated team that is not a DNS-1123 label', () => {
    expect(() => pool({ tenancy: PoolTenancy.dedicated('Fraud Team'), costTags: { ...TAGS, team: 'Fraud Team' } }))
      .toThrow(/tenancy team \("Fraud Team"\) must be a DNS-1123 label/);
  });

  test('two pools with one name in an app are refused', () => {
    const chart = newChart();
    new GpuNodePool(chart, 'A', { ...BASE, name: 'gpu' });
    expect(() => new GpuNodePool(chart, 'B', { ...BASE, name: 'gpu' })).toThrow(/Test\/B: name \("gpu"\) is already the name of the pool at Test\/A/);
  });

  test('pools in different charts of one app share the name check', () => {
    const chart = newChart();
    new GpuNodePool(chart, 'A', { ...BASE, name: 'gpu' });
    const other = new Chart(chart.node.root as App, 'Other');
    expect(() => new GpuNodePool(other, 'B', { ...BASE, name: 'gpu' })).toThrow(/already the name of the pool at Test\/A/);
  });

  test('a pool whose NodePool names clash with a weighted pair is refused', () => {
    const chart = newChart();
    new GpuNodePool(chart, 'A', { ...BASE, name: 'gpu', capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand() });
    expect(() => new GpuNodePool(chart, 'B', { ...BASE, name: 'gpu-spot' })).toThrow(/NodePool name\(s\) gpu-spot of this pool are also NodePools of Test\/A/);
  });

  test('the same name in two apps is fine', () => {
    pool({ name: 'gpu' });
    expect(() => pool({ name: 'gpu' })).not.toThrow();
  });
});

describe('GpuNodePool warnings', () => {
  test('an AMI alias of latest is flagged: every release would drift every node', () => {
    const { construct } = pool({ ami: GpuAmi.al2023('latest') });
    const warnings = K8sWarnings.of(construct);
    expect(warnings.map(w => w.id)).toEqual(['mlops-stack:ami-latest']);
    expect(warnings[0].message).toMatch(/al2023@latest AMI alias follows every AMI release/);
  });

  test('a single instance type for spot is flagged', () => {
    const { construct } = pool({ instanceFamilies: ['g5'], instanceSizes: ['xlarge'] });
    expect(K8sWarnings.of(construct).map(w => w.id)).toEqual(['mlops-stack:gpu-pool-narrow-spot']);
  });

  test('several families raise no warning', () => {
    const { construct } = pool();
    expect(K8sWarnings.of(construct)).toEqual([]);
  });
});

describe('GpuNodePool validation', () => {
  test('non-GPU instance family', () => {
    expect(() => pool({ instanceFamilies: ['g5', 'm5'] })).toThrow(/Test\/Training: instanceFamilies: "m5" is not an NVIDIA GPU instance family/);
  });

  test('non-NVIDIA accelerator family names what it is', () => {
    expect(() => pool({ instanceFamilies: ['inf2'] })).toThrow(/instanceFamilies: "inf2" .*Inferentia2/);
  });

  test('empty family list', () => {
    expect(() => pool({ instanceFamilies: [] })).toThrow(/instanceFamilies must not be empty/);
  });

  test.each([0, -4, 1.5, 2 ** 31])('GPU limit %p', (gpuLimit) => {
    expect(() => pool({ gpuLimit })).toThrow(new RegExp(`gpuLimit \\(${gpuLimit}\\) must be a whole number from 1 to 2147483647`));
  });

  test('on-demand GPU limit of a weighted pair must be positive', () => {
    expect(() => pool({ capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ onDemandGpuLimit: 0 }) })).toThrow(/onDemandGpuLimit \(0\)/);
  });

  test('weighted pair whose weights overlap', () => {
    expect(() => pool({ capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ spotWeight: 50, onDemandWeight: 50 }) }))
      .toThrow(/spotWeight \(50\) must be greater than onDemandWeight \(50\)/);
  });

  test('weights outside 1-100', () => {
    expect(() => pool({ capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ spotWeight: 150 }) })).toThrow(/spotWeight \(150\) must be a whole number from 1 to 100/);
  });

  test.each(['10 percent', '150%', '-1', 'all'])('disruption budget nodes %p', (nodes) => {
    expect(() => pool({ disruptionBudgets: [{ nodes }] })).toThrow(/disruptionBudgets\[0\]\.nodes .* must be a percentage .* or a node count/);
  });

  test('disruption budget with a schedule but no duration', () => {
    expect(() => pool({ disruptionBudgets: [{ nodes: '0', schedule: '@daily' }] })).toThrow(/disruptionBudgets\[0\] sets schedule without duration/);
  });

  test('disruption budget with a duration but no schedule', () => {
    expect(() => pool({ disruptionBudgets: [{ nodes: '0', duration: Duration.hours(2) }] })).toThrow(/disruptionBudgets\[0\] sets duration without schedule/);
  });

  test('empty size list', () => {
    expect(() => pool({ instanceSizes: [] })).toThrow(/instanceSizes must not be empty/);
  });

  test.each([0, -20, 10.5, 16_385])('image volume size %p GiB', (imageVolumeSizeGiB) => {
    expect(() => pool({ imageVolumeSizeGiB })).toThrow(new RegExp(`imageVolumeSizeGiB \\(${imageVolumeSizeGiB}\\) must be a whole number of GiB from 1 to 16384`));
  });

  test.each(['V20251112', 'v2025 11', '-1.50', ''])('AMI version %p', (version) => {
    expect(() => pool({ ami: GpuAmi.al2023(version) })).toThrow(/ami version \(".*"\) must be "latest" or a release/);
  });

  test('instance families listed twice', () => {
    expect(() => pool({ instanceFamilies: ['g5', 'g6', 'g5'] })).toThrow(/instanceFamilies lists g5 more than once/);
  });

  test('instance sizes listed twice', () => {
    expect(() => pool({ instanceSizes: ['xlarge', 'xlarge'] })).toThrow(/instanceSizes lists xlarge more than once/);
  });

  test('expireAfter of zero', () => {
    expect(() => pool({ expireAfter: Duration.seconds(0) })).toThrow(/expireAfter \(0s\) must be longer than zero/);
  });

  test.each(['daily', '0 8 * *', '0 8 * * 1-5 2027', '@every 1h', '0 8 * * mon;fri'])('budget schedule %p that is not a cron expression', (schedule) => {
    expect(() => pool({ disruptionBudgets: [{ nodes: '0', schedule, duration: Duration.hours(1) }] }))
      .toThrow(/disruptionBudgets\[0\]\.schedule \(".*"\) must be a cron expression of five fields/);
  });

  test.each(['0 8 * * 1-5', '*/15 * * * *', '0 22 * * sat,sun', '0 8 ? * 1', '@daily', '@hourly'])('budget schedule %p is accepted', (schedule) => {
    expect(() => pool({ disruptionBudgets: [{ nodes: '0', schedule, duration: Duration.hours(1) }] })).not.toThrow();
  });

  test('budget duration in seconds, which Karpenter refuses', () => {
    expect(() => pool({ disruptionBudgets: [{ nodes: '0', schedule: '@daily', duration: Duration.seconds(90) }] }))
      .toThrow(/disruptionBudgets\[0\]\.duration \(1m30s\) must be a whole number of minutes/);
  });

  test('hop limit other than 1 or 2', () => {
    expect(() => pool({ metadataHopLimit: 3 })).toThrow(/metadataHopLimit \(3\)/);
  });

  test('minInstanceFamilies larger than the family list', () => {
    expect(() => pool({ capacityStrategy: CapacityStrategy.spotWithOnDemandFallback({ minInstanceFamilies: 3 }) })).toThrow(/minInstanceFamilies \(3\)/);
  });

  test('a cost tag value that is a CDK token is not checked and passes through', () => {
    const environment = Lazy.string({ produce: () => 'prod' });
    const { chart } = pool({ costTags: { ...TAGS, environment } });
    expect(objectOf(chart, 'EC2NodeClass').spec.tags.environment).toBe(environment);
  });

  test('cost tags missing a required key', () => {
    expect(() => pool({ costTags: { team: 'fraud' } })).toThrow(/costTags lack required key\(s\) project, cost-center, environment/);
  });

  test('cost tag value that cannot be a label', () => {
    expect(() => pool({ costTags: { ...TAGS, team: 'Fraud Team' } })).toThrow(/costTags: tag "team" value "Fraud Team" cannot be a Kubernetes label value/);
  });

  test('name that is not a DNS-1123 label', () => {
    expect(() => pool({ name: 'Fraud_Pool' })).toThrow(/name \("Fraud_Pool"\) must be a DNS-1123 label/);
  });

  test('several problems are reported at once', () => {
    expect(() => pool({ instanceFamilies: ['m5'], gpuLimit: 0 })).toThrow(/invalid GpuNodePool properties:\n {2}- instanceFamilies: "m5"[^]*\n {2}- gpuLimit \(0\)/);
  });
});
