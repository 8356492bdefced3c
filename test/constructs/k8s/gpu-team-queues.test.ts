import { Testing, type Chart } from 'cdk8s';
import { CLUSTER, TAGS, newChart, objectOf } from './helpers';
import { ManifestValidator } from './manifest-validator';
import {
  CapacityStrategy,
  CpuNodePool,
  GpuNodePool,
  GpuTeam,
  GpuTeamQueues,
  K8sWarnings,
  PoolTenancy,
  type GpuNodePoolProps,
  type GpuTeamQueuesProps,
} from '../../../constructs';

const PLATFORM = { ...TAGS, team: 'ml-platform' };

function gpuPool(chart: Chart, id: string, props: Partial<GpuNodePoolProps> = {}): GpuNodePool {
  return new GpuNodePool(chart, id, {
    ...CLUSTER, tenancy: PoolTenancy.dedicated('fraud'), costTags: TAGS, instanceFamilies: ['g5', 'g6'], gpuLimit: 16, ...props,
  });
}

function setup(props: GpuTeamQueuesProps = {}, maxGpus = 32) {
  const chart = newChart();
  const team = new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TAGS, maxGpus });
  const own = gpuPool(chart, 'Own', { name: 'fraud-training' });
  const shared = gpuPool(chart, 'Shared', { name: 'shared', tenancy: PoolTenancy.shared(), costTags: PLATFORM, gpuLimit: 8 });
  const others = gpuPool(chart, 'Others', { name: 'recsys-training', tenancy: PoolTenancy.dedicated('recsys'), costTags: { ...TAGS, team: 'recsys' } });
  const cpu = new CpuNodePool(chart, 'Cpu', { ...CLUSTER, name: 'cpu', tenancy: PoolTenancy.shared(), costTags: PLATFORM });
  const queues = new GpuTeamQueues(chart, 'Kueue', props);
  return { chart, team, queues, own, shared, others, cpu };
}

function flavorGpus(clusterQueue: any): Record<string, { nominal: unknown; borrowing: unknown }> {
  const out: Record<string, { nominal: unknown; borrowing: unknown }> = {};
  for (const f of clusterQueue.spec.resourceGroups[0].flavors) {
    const gpu = f.resources.find((r: any) => r.name === 'nvidia.com/gpu');
    out[f.name] = { nominal: gpu.nominalQuota, borrowing: gpu.borrowingLimit };
  }
  return out;
}

describe('flavors', () => {
  test('one flavor per pool and capacity type, selecting the pool and capacity type and carrying the pool toleration', () => {
    const { chart, team, queues, own } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 8, onDemandGpus: 4 }] });
    expect(objectOf(chart, 'ResourceFlavor', 'fraud-training-spot').spec).toEqual({
      nodeLabels: { 'mlops-stack.io/pool': 'fraud-training', 'karpenter.sh/capacity-type': 'spot' },
      nodeTaints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
      tolerations: [{ key: 'mlops-stack.io/pool', operator: 'Equal', value: 'fraud-training', effect: 'NoSchedule' }],
    });
    expect(objectOf(chart, 'ResourceFlavor', 'fraud-training-on-demand').spec.nodeLabels['karpenter.sh/capacity-type']).toBe('on-demand');
  });

  test('a CPU pool flavor checks no GPU taint', () => {
    const { chart, team, queues, cpu } = setup();
    queues.addTeam(team, { gpuPools: [], cpuPool: { pool: cpu, spotCpus: 16 } });
    expect(objectOf(chart, 'ResourceFlavor', 'cpu-spot').spec).toEqual({
      nodeLabels: { 'mlops-stack.io/pool': 'cpu', 'karpenter.sh/capacity-type': 'spot' },
      tolerations: [{ key: 'mlops-stack.io/pool', operator: 'Equal', value: 'cpu', effect: 'NoSchedule' }],
    });
  });

  test('a flavor carries the cost labels of its pool', () => {
    const { chart, team, queues, shared } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: shared, spotGpus: 2 }] });
    expect(objectOf(chart, 'ResourceFlavor', 'shared-spot').metadata.labels['mlops-stack.io/team']).toBe('ml-platform');
  });

  test('a flavor used by two teams is created once', () => {
    const { chart, team, queues, shared } = setup();
    const recsys = new GpuTeam(chart, 'Recsys', { name: 'recsys', costTags: { ...TAGS, team: 'recsys' }, maxGpus: 8 });
    queues.addTeam(team, { gpuPools: [{ pool: shared, spotGpus: 2 }] });
    queues.addTeam(recsys, { gpuPools: [{ pool: shared, spotGpus: 2 }] });
    expect(Testing.synth(chart).filter(o => o.kind === 'ResourceFlavor').map(f => f.metadata.name)).toEqual(['shared-spot']);
  });
});

describe('team queue', () => {
  test('flavor order: own pools first, then shared, each spot before on-demand, then CPU', () => {
    const { chart, team, queues, own, shared, cpu } = setup();
    const weighted = gpuPool(chart, 'Big', { name: 'fraud-big', capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand() });
    const result = queues.addTeam(team, {
      gpuPools: [{ pool: shared, spotGpus: 2, onDemandGpus: 2 }, { pool: own, spotGpus: 8, onDemandGpus: 4 }, { pool: weighted, onDemandGpus: 2 }],
      cpuPool: { pool: cpu, spotCpus: 16, onDemandCpus: 8 },
    });
    const order = ['fraud-training-spot', 'fraud-training-on-demand', 'fraud-big-on-demand', 'shared-spot', 'shared-on-demand', 'cpu-spot', 'cpu-on-demand'];
    expect(objectOf(chart, 'ClusterQueue').spec.resourceGroups[0].flavors.map((f: any) => f.name)).toEqual(order);
    expect(result.flavors.map(f => f.flavorName)).toEqual(order);
  });

  test('quota is per pool: nominal and borrowing per flavor; dedicated pools lend nothing, shared pools borrow up to the nominal', () => {
    const { chart, team, queues, own, shared } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 8, onDemandGpus: 4 }, { pool: shared, spotGpus: 2 }] });
    expect(flavorGpus(objectOf(chart, 'ClusterQueue'))).toEqual({
      'fraud-training-spot': { nominal: 8, borrowing: 0 },
      'fraud-training-on-demand': { nominal: 4, borrowing: 0 },
      'shared-spot': { nominal: 2, borrowing: 2 },
    });
  });

  test('CPU and memory are covered in proportion to GPUs; a CPU flavor has no GPU quota', () => {
    const { chart, team, queues, own, cpu } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 2, cpusPerGpu: 8, memoryGiBPerGpu: 64 }], cpuPool: { pool: cpu, spotCpus: 16 } });
    const [gpu, cpuFlavor] = objectOf(chart, 'ClusterQueue').spec.resourceGroups[0].flavors;
    expect(gpu.resources).toEqual([
      { name: 'cpu', nominalQuota: 16, borrowingLimit: 0 },
      { name: 'memory', nominalQuota: '128Gi', borrowingLimit: '0Gi' },
      { name: 'nvidia.com/gpu', nominalQuota: 2, borrowingLimit: 0 },
    ]);
    expect(cpuFlavor.resources).toEqual([
      { name: 'cpu', nominalQuota: 16, borrowingLimit: 16 },
      { name: 'memory', nominalQuota: '128Gi', borrowingLimit: '128Gi' },
      { name: 'nvidia.com/gpu', nominalQuota: 0, borrowingLimit: 0 },
    ]);
  });

  test('the team learns its queue, pools and priority classes', () => {
    const { team, queues, own, shared } = setup();
    expect(team.queue).toBeUndefined();
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 2 }, { pool: shared, spotGpus: 2 }] });
    expect(team.queue).toEqual({ localQueueName: 'fraud', clusterQueueName: 'fraud', pools: [own, shared], priorityClassNames: ['production', 'experiment'] });
  });

  test('ClusterQueue joins the cohort and accepts only the team namespace', () => {
    const { chart, team, queues, own } = setup({ cohortName: 'research' });
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 8 }] });
    const spec = objectOf(chart, 'ClusterQueue').spec;
    expect([spec.cohortName, spec.namespaceSelector]).toEqual(['research', { matchLabels: { 'kubernetes.io/metadata.name': 'fraud' } }]);
  });

  test('flavor fungibility: borrow before moving on, try the next flavor before preempting', () => {
    const { chart, team, queues, own } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 8 }] });
    expect(objectOf(chart, 'ClusterQueue').spec.flavorFungibility).toEqual({ whenCanBorrow: 'MayStopSearch', whenCanPreempt: 'TryNextFlavor' });
  });

  test('preemption by priority within the queue and while borrowing, reclaim within the cohort', () => {
    const { chart, team, queues, own } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 8 }] });
    expect(objectOf(chart, 'ClusterQueue').spec.preemption).toEqual({
      withinClusterQueue: 'LowerPriority',
      reclaimWithinCohort: 'Any',
      borrowWithinCohort: { policy: 'LowerPriority', maxPriorityThreshold: 100 },
    });
  });

  test('LocalQueue in the team namespace points at the team ClusterQueue and carries the team cost labels', () => {
    const { chart, team, queues, own } = setup();
    const names = queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 8 }] });
    const local = objectOf(chart, 'LocalQueue');
    expect([local.metadata.namespace, local.metadata.name, local.spec.clusterQueue]).toEqual(['fraud', names.localQueueName, names.clusterQueueName]);
    expect(local.metadata.labels).toEqual(team.costLabels);
  });

  test('workload priority classes: production over experiment', () => {
    const { chart } = setup();
    expect([objectOf(chart, 'WorkloadPriorityClass', 'production').value, objectOf(chart, 'WorkloadPriorityClass', 'experiment').value]).toEqual([1000, 100]);
  });

  test('every manifest is valid against the Kueue CRDs', () => {
    const { chart, team, queues, own, shared, cpu } = setup({ costTags: PLATFORM });
    queues.addTeam(team, {
      gpuPools: [{ pool: own, spotGpus: 8, onDemandGpus: 2 }, { pool: shared, spotGpus: 2 }],
      cpuPool: { pool: cpu, onDemandCpus: 4 },
    });
    expect(new ManifestValidator().validateAll(Testing.synth(chart))).toEqual([]);
  });
});

describe('warnings', () => {
  test('team quota above its pool\'s limit', () => {
    const { team, queues, shared } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: shared, spotGpus: 6, borrowingLimitGpus: 4 }] });
    const warnings = K8sWarnings.of(queues);
    expect(warnings.map(w => w.id)).toEqual(['mlops-stack:team-quota-exceeds-pools']);
    expect(warnings[0].message).toMatch(/Test\/Kueue: team "fraud": spot quota of 6 GPUs \(\+4 borrowed\) on pool "shared" is more than the pool's spot GPU limit of 8/);
  });

  test('teams promised more nominal GPUs on a pool than it holds', () => {
    const { chart, team, queues, shared } = setup();
    const recsys = new GpuTeam(chart, 'Recsys', { name: 'recsys', costTags: { ...TAGS, team: 'recsys' }, maxGpus: 32 });
    queues.addTeam(team, { gpuPools: [{ pool: shared, spotGpus: 5, borrowingLimitGpus: 0 }] });
    queues.addTeam(recsys, { gpuPools: [{ pool: shared, spotGpus: 5, borrowingLimitGpus: 0 }] });
    const warnings = K8sWarnings.of(queues);
    expect(warnings.map(w => w.id)).toEqual(['mlops-stack:pool-quota-overcommitted']);
    expect(warnings[0].message).toMatch(/NodePool "shared" holds at most 8 GPUs, but teams are now guaranteed 10 nominal GPUs on it/);
  });

  test('spot and on-demand quota of a one-NodePool pool count against the same limit', () => {
    const { team, queues, shared } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: shared, spotGpus: 6, onDemandGpus: 6, borrowingLimitGpus: 0 }] });
    expect(K8sWarnings.of(queues).map(w => w.id)).toEqual(['mlops-stack:pool-quota-overcommitted']);
  });

  test('quota that fits the pools raises no warning', () => {
    const { team, queues, own, shared } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 8, onDemandGpus: 4 }, { pool: shared, spotGpus: 2 }] });
    expect(K8sWarnings.of(queues)).toEqual([]);
  });

  test('Kueue quota above the namespace ResourceQuota', () => {
    const { team, queues, own, shared } = setup({}, 12);
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 8, onDemandGpus: 4 }, { pool: shared, spotGpus: 2 }] });
    const warnings = K8sWarnings.of(queues);
    expect(warnings.map(w => w.id)).toEqual(['mlops-stack:kueue-quota-exceeds-namespace-quota']);
    expect(warnings[0].message).toMatch(/Kueue may admit up to 16 GPUs .* ResourceQuota allows 12/);
  });

  test('a warning is also emitted as a process warning with its id', () => {
    const emitted = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const { team, queues, own } = setup({}, 4);
      queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 8 }] });
      expect(emitted).toHaveBeenCalledWith(expect.stringMatching(/^Test\/Kueue: team "fraud"/), { code: 'mlops-stack:kueue-quota-exceeds-namespace-quota' });
    } finally {
      emitted.mockRestore();
    }
  });
});

describe('validation', () => {
  test('a pool dedicated to another team', () => {
    const { team, queues, others } = setup();
    expect(() => queues.addTeam(team, { gpuPools: [{ pool: others, spotGpus: 2 }] }))
      .toThrow(/addTeam\(fraud\): gpuPools\[0\]: pool "recsys-training" is dedicated to team "recsys" and billed to "recsys"; team "fraud" may use its own pools/);
  });

  test('spot quota on a pool that buys no spot', () => {
    const { chart, team, queues } = setup();
    const onDemand = gpuPool(chart, 'OnDemand', { name: 'od', capacityStrategy: CapacityStrategy.onDemandOnly() });
    expect(() => queues.addTeam(team, { gpuPools: [{ pool: onDemand, spotGpus: 2 }] }))
      .toThrow(/gpuPools\[0\] gives spot quota on pool "od", which buys on-demand only/);
  });

  test('a pool entry without quota', () => {
    const { team, queues, own } = setup();
    expect(() => queues.addTeam(team, { gpuPools: [{ pool: own }] })).toThrow(/gpuPools\[0\] gives no quota on pool "fraud-training"; set spotGpus and\/or onDemandGpus/);
  });

  test('a pool listed twice', () => {
    const { team, queues, own } = setup();
    expect(() => queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 2 }, { pool: own, onDemandGpus: 2 }] })).toThrow(/gpuPools\[1\] lists pool "fraud-training" twice/);
  });

  test('borrowing on a dedicated pool', () => {
    const { team, queues, own } = setup();
    expect(() => queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 2, borrowingLimitGpus: 2 }] }))
      .toThrow(/borrowingLimitGpus \(2\) must be 0 on pool "fraud-training", which is dedicated/);
  });

  test('no pools at all', () => {
    const { team, queues } = setup();
    expect(() => queues.addTeam(team, { gpuPools: [] })).toThrow(/gpuPools is empty and there is no cpuPool/);
  });

  test('a CPU pool given as a GPU pool, and the other way round', () => {
    const { team, queues, own, cpu } = setup();
    const gpuPools = [{ pool: cpu as unknown as GpuNodePool, spotGpus: 2 }];
    expect(() => queues.addTeam(team, { gpuPools, cpuPool: { pool: own as unknown as CpuNodePool, spotCpus: 2 } }))
      .toThrow(/gpuPools\[0\]\.pool "cpu" is a CPU pool; give it as cpuPool[^]*cpuPool\.pool "fraud-training" is a GPU pool/);
  });

  test.each([0, -2, 1.5, 2 ** 31])('spotGpus %p', (spotGpus) => {
    const { team, queues, own } = setup();
    expect(() => queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus }] }))
      .toThrow(/Test\/Kueue: addTeam\(fraud\): gpuPools\[0\]\.spotGpus \(.*\) must be a whole number from 1 to 2147483647/);
  });

  test('negative borrowing limit', () => {
    const { team, queues, shared } = setup();
    expect(() => queues.addTeam(team, { gpuPools: [{ pool: shared, spotGpus: 2, borrowingLimitGpus: -1 }] })).toThrow(/borrowingLimitGpus \(-1\) must be a whole number from 0/);
  });

  test('a team added twice', () => {
    const { team, queues, own } = setup();
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 2 }] });
    expect(() => queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 2 }] })).toThrow(/team "fraud" already has queues/);
  });

  test('cohort name that is not a DNS-1123 label', () => {
    expect(() => setup({ cohortName: 'GPU Teams' })).toThrow(/cohortName \("GPU Teams"\) must be a DNS-1123 label/);
  });

  test('empty priority list', () => {
    expect(() => setup({ priorities: [] })).toThrow(/priorities must not be empty/);
  });

  test('priority name that is not a DNS-1123 label', () => {
    expect(() => setup({ priorities: [{ name: 'Production', value: 1000 }] }))
      .toThrow(/priorities\[0\]\.name \("Production"\) must be a DNS-1123 label/);
  });

  test('duplicate priority names', () => {
    expect(() => setup({ priorities: [{ name: 'production', value: 1000 }, { name: 'production', value: 10 }] }))
      .toThrow(/priorities\[1\]\.name \("production"\) is listed twice/);
  });

  test.each([99.5, 2 ** 31])('priority value %p', (value) => {
    expect(() => setup({ priorities: [{ name: 'production', value: 1000 }, { name: 'experiment', value }] }))
      .toThrow(/priorities\[1\]\.value \(.*\) must be a whole number from -2147483647 to 2147483647/);
  });

  test('cost tag value that cannot be a label', () => {
    expect(() => setup({ costTags: { ...TAGS, team: 'Platform Team' } }))
      .toThrow(/Test\/Kueue: .*costTags: tag "team" value "Platform Team" cannot be a Kubernetes label value/);
  });
});
