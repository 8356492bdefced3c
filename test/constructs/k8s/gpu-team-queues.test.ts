import { Testing, type Chart } from 'cdk8s';
import { CLUSTER, TAGS, newChart, objectOf } from './helpers';
import { ManifestValidator } from './manifest-validator';
import {
  CapacityStrategy,
  GpuNodePool,
  GpuTeam,
  GpuTeamQueues,
  K8sWarnings,
  type GpuNodePoolProps,
  type GpuTeamQueuesProps,
} from '../../../constructs';

function setup(props: GpuTeamQueuesProps = {}, maxGpus = 16) {
  const chart = newChart();
  const team = new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TAGS, maxGpus });
  const queues = new GpuTeamQueues(chart, 'Kueue', props);
  return { chart, team, queues };
}

function nodePool(chart: Chart, id: string, props: Partial<GpuNodePoolProps>): GpuNodePool {
  return new GpuNodePool(chart, id, { ...CLUSTER, costTags: TAGS, instanceFamilies: ['g5', 'g6'], gpuLimit: 8, ...props });
}

function flavorGpus(clusterQueue: any): Record<string, { nominal: unknown; borrowing: unknown }> {
  const out: Record<string, { nominal: unknown; borrowing: unknown }> = {};
  for (const f of clusterQueue.spec.resourceGroups[0].flavors) {
    const gpu = f.resources.find((r: any) => r.name === 'nvidia.com/gpu');
    out[f.name] = { nominal: gpu.nominalQuota, borrowing: gpu.borrowingLimit };
  }
  return out;
}

test('resource flavors are keyed on karpenter.sh/capacity-type', () => {
  const { chart } = setup();
  expect(objectOf(chart, 'ResourceFlavor', 'spot').spec).toEqual({ nodeLabels: { 'karpenter.sh/capacity-type': 'spot' } });
  expect(objectOf(chart, 'ResourceFlavor', 'on-demand').spec).toEqual({ nodeLabels: { 'karpenter.sh/capacity-type': 'on-demand' } });
});

test('workload priority classes: production over experiment', () => {
  const { chart } = setup();
  expect([objectOf(chart, 'WorkloadPriorityClass', 'production').value, objectOf(chart, 'WorkloadPriorityClass', 'experiment').value]).toEqual([1000, 100]);
});

test('team ClusterQueue joins the shared cohort', () => {
  const { chart, team, queues } = setup({ cohortName: 'research' });
  queues.addTeam(team, { nominalGpus: 8 });
  expect(objectOf(chart, 'ClusterQueue', 'fraud').spec.cohortName).toBe('research');
});

test('flavors are ordered spot before on-demand', () => {
  const { chart, team, queues } = setup();
  queues.addTeam(team, { nominalGpus: 8 });
  expect(objectOf(chart, 'ClusterQueue').spec.resourceGroups[0].flavors.map((f: any) => f.name)).toEqual(['spot', 'on-demand']);
});

test('nominal GPU quota and borrowing limit per flavor are in the synthesized manifest', () => {
  const { chart, team, queues } = setup();
  queues.addTeam(team, { nominalGpus: 8, onDemandNominalGpus: 4, borrowingLimitGpus: 2 });
  expect(flavorGpus(objectOf(chart, 'ClusterQueue'))).toEqual({
    'spot': { nominal: 8, borrowing: 2 },
    'on-demand': { nominal: 4, borrowing: 2 },
  });
});

test('CPU and memory are covered in proportion to GPUs', () => {
  const { chart, team, queues } = setup();
  queues.addTeam(team, { nominalGpus: 2, borrowingLimitGpus: 0, cpusPerGpu: 8, memoryGiBPerGpu: 64 });
  const spot = objectOf(chart, 'ClusterQueue').spec.resourceGroups[0].flavors[0];
  expect(spot.resources.slice(0, 2)).toEqual([
    { name: 'cpu', nominalQuota: 16, borrowingLimit: 0 },
    { name: 'memory', nominalQuota: '128Gi', borrowingLimit: '0Gi' },
  ]);
});

test('flavor fungibility: borrow spot before moving on, try on-demand before preempting', () => {
  const { chart, team, queues } = setup();
  queues.addTeam(team, { nominalGpus: 8 });
  expect(objectOf(chart, 'ClusterQueue').spec.flavorFungibility).toEqual({ whenCanBorrow: 'MayStopSearch', whenCanPreempt: 'TryNextFlavor' });
});

test('preemption by priority within the queue and while borrowing, reclaim within the cohort', () => {
  const { chart, team, queues } = setup();
  queues.addTeam(team, { nominalGpus: 8 });
  expect(objectOf(chart, 'ClusterQueue').spec.preemption).toEqual({
    withinClusterQueue: 'LowerPriority',
    reclaimWithinCohort: 'Any',
    borrowWithinCohort: { policy: 'LowerPriority', maxPriorityThreshold: 100 },
  });
});

test('ClusterQueue accepts only the team namespace', () => {
  const { chart, team, queues } = setup();
  queues.addTeam(team, { nominalGpus: 8 });
  expect(objectOf(chart, 'ClusterQueue').spec.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'fraud' } });
});

test('LocalQueue in the team namespace points at the team ClusterQueue', () => {
  const { chart, team, queues } = setup();
  const names = queues.addTeam(team, { nominalGpus: 8 });
  const local = objectOf(chart, 'LocalQueue');
  expect([local.metadata.namespace, local.metadata.name, local.spec.clusterQueue]).toEqual(['fraud', names.localQueueName, names.clusterQueueName]);
});

test('team queues carry the team cost labels', () => {
  const { chart, team, queues } = setup();
  queues.addTeam(team, { nominalGpus: 8 });
  expect(objectOf(chart, 'LocalQueue').metadata.labels).toEqual(team.costLabels);
});

test('every manifest is valid against the Kueue CRDs', () => {
  const { chart, team, queues } = setup({ costTags: TAGS });
  queues.addTeam(team, { nominalGpus: 8 });
  expect(new ManifestValidator().validateAll(Testing.synth(chart))).toEqual([]);
});

describe('warnings', () => {
  test('team quota larger than every pool limit', () => {
    const chart = newChart();
    const pools = [nodePool(chart, 'A', { gpuLimit: 4 }), nodePool(chart, 'B', { gpuLimit: 6, capacityStrategy: CapacityStrategy.onDemandOnly() })];
    const team = new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TAGS, maxGpus: 16 });
    const queues = new GpuTeamQueues(chart, 'Kueue', { nodePools: pools });
    queues.addTeam(team, { nominalGpus: 8, borrowingLimitGpus: 0 });
    const warnings = K8sWarnings.of(queues);
    expect(warnings.map(w => w.id)).toEqual(['mlops-stack:team-quota-exceeds-pools', 'mlops-stack:team-quota-exceeds-pools']);
    expect(warnings[0].message).toMatch(/Test\/Kueue: team "fraud": spot quota of 8 GPUs is larger than every node pool's spot GPU limit \(largest: 4\)/);
  });

  test('no warning when a pool can hold the quota', () => {
    const chart = newChart();
    const pools = [nodePool(chart, 'A', { gpuLimit: 8 })];
    const team = new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TAGS, maxGpus: 32 });
    const queues = new GpuTeamQueues(chart, 'Kueue', { nodePools: pools });
    queues.addTeam(team, { nominalGpus: 8 });
    expect(K8sWarnings.of(queues)).toEqual([]);
  });

  test('Kueue quota above the namespace ResourceQuota', () => {
    const { team, queues } = setup({}, 12);
    queues.addTeam(team, { nominalGpus: 4, onDemandNominalGpus: 4, borrowingLimitGpus: 4 });
    const warnings = K8sWarnings.of(queues);
    expect(warnings.map(w => w.id)).toEqual(['mlops-stack:kueue-quota-exceeds-namespace-quota']);
    expect(warnings[0].message).toMatch(/Kueue may admit up to 16 GPUs .* ResourceQuota allows 12/);
  });

  test('Kueue quota that fits the namespace ResourceQuota raises no warning', () => {
    const { team, queues } = setup({}, 16);
    queues.addTeam(team, { nominalGpus: 4, onDemandNominalGpus: 4, borrowingLimitGpus: 4 });
    expect(K8sWarnings.of(queues)).toEqual([]);
  });

  test('a warning is also emitted as a process warning with its id', () => {
    const emitted = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const { team, queues } = setup({}, 8);
      queues.addTeam(team, { nominalGpus: 8, borrowingLimitGpus: 4 });
      expect(emitted).toHaveBeenCalledWith(expect.stringMatching(/^Test\/Kueue: team "fraud"/), { code: 'mlops-stack:kueue-quota-exceeds-namespace-quota' });
    } finally {
      emitted.mockRestore();
    }
  });
});

describe('validation', () => {
  test.each([0, -2])('nominalGpus %p', (nominalGpus) => {
    const { team, queues } = setup();
    expect(() => queues.addTeam(team, { nominalGpus })).toThrow(/Test\/Kueue: addTeam\(fraud\): nominalGpus \(.*\) must be a whole number greater than 0/);
  });

  test('negative borrowing limit', () => {
    const { team, queues } = setup();
    expect(() => queues.addTeam(team, { nominalGpus: 2, borrowingLimitGpus: -1 })).toThrow(/borrowingLimitGpus \(-1\)/);
  });

  test('a team added twice', () => {
    const { team, queues } = setup();
    queues.addTeam(team, { nominalGpus: 2 });
    expect(() => queues.addTeam(team, { nominalGpus: 2 })).toThrow(/team "fraud" already has queues/);
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

  test('priority value that is not a whole number', () => {
    expect(() => setup({ priorities: [{ name: 'production', value: 1000 }, { name: 'experiment', value: 99.5 }] }))
      .toThrow(/priorities\[1\]\.value \(99\.5\) must be a whole number/);
  });

  test('cost tag value that cannot be a label', () => {
    expect(() => setup({ costTags: { ...TAGS, team: 'Platform Team' } }))
      .toThrow(/Test\/Kueue: .*costTags: tag "team" value "Platform Team" cannot be a Kubernetes label value/);
  });
});
