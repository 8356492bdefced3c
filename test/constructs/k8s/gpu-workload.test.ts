import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { CLUSTER, TAGS, newChart, objectOf } from './helpers';
import { ManifestValidator } from './manifest-validator';
import {
  CapacityStrategy,
  CapacityType,
  CpuNodePool,
  GpuNodePool,
  GpuTeam,
  GpuTeamQueues,
  GpuWorkload,
  PoolTenancy,
  TeamWorkload,
  type RequestGpusOptions,
} from '../../../constructs';

const PLATFORM = { ...TAGS, team: 'ml-platform' };
const IMAGE = 'public.ecr.aws/docker/library/python:3.12';

function cluster(queued = true) {
  const chart = newChart();
  const team = new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TAGS, maxGpus: 8 });
  const recsys = new GpuTeam(chart, 'Recsys', { name: 'recsys', costTags: { ...TAGS, team: 'recsys' }, maxGpus: 8 });
  const pools = { ...CLUSTER, instanceFamilies: ['g6'], instanceSizes: ['xlarge', '2xlarge'], gpuLimit: 8 };
  const own = new GpuNodePool(chart, 'Own', { ...pools, name: 'fraud-training', tenancy: PoolTenancy.dedicated('fraud'), costTags: TAGS });
  const others = new GpuNodePool(chart, 'Others', { ...pools, name: 'recsys-training', tenancy: PoolTenancy.dedicated('recsys'), costTags: { ...TAGS, team: 'recsys' } });
  const serving = new GpuNodePool(chart, 'Serving', {
    ...pools, name: 'serving', tenancy: PoolTenancy.shared(), costTags: PLATFORM, capacityStrategy: CapacityStrategy.onDemandOnly(),
  });
  const cpu = new CpuNodePool(chart, 'Cpu', { ...CLUSTER, name: 'cpu', tenancy: PoolTenancy.shared(), costTags: PLATFORM });
  if (queued) {
    const queues = new GpuTeamQueues(chart, 'Kueue');
    queues.addTeam(team, { gpuPools: [{ pool: own, spotGpus: 4 }], cpuPool: { pool: cpu, spotCpus: 8 } });
    queues.addTeam(recsys, { gpuPools: [{ pool: others, spotGpus: 4 }] });
  }
  return { chart, team, recsys, own, others, serving, cpu };
}

function job(options: Partial<RequestGpusOptions> = {}, containers = 1, namespace?: string) {
  const c = cluster();
  const construct = new kplus.Job(c.chart, 'Train', {
    metadata: { name: 'train', namespace },
    containers: Array.from({ length: containers }, (_, i) => ({ name: `c${i}`, image: IMAGE })),
  });
  GpuWorkload.requestGpus(construct, { gpus: 2, team: c.team, ...options });
  return { ...c, job: construct };
}

function deployment(options: Partial<RequestGpusOptions>) {
  const c = cluster();
  const construct = new kplus.Deployment(c.chart, 'Serve', { metadata: { name: 'serve' }, containers: [{ image: IMAGE }] });
  GpuWorkload.requestGpus(construct, { gpus: 1, team: c.team, pool: c.serving, ...options });
  return { ...c, deployment: construct };
}

describe('GpuWorkload.requestGpus', () => {
  test('the GPU limit is present in the synthesized manifest', () => {
    const { chart } = job({ gpus: 4 });
    expect(objectOf(chart, 'Job').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(4);
  });

  test('the GPU limit goes to the chosen container only', () => {
    const { chart } = job({ containerIndex: 1 }, 2);
    const containers = objectOf(chart, 'Job').spec.template.spec.containers;
    expect(containers.map((c: any) => c.resources.limits['nvidia.com/gpu'])).toEqual([undefined, 2]);
  });

  test('a queued job goes to the team namespace and queue, tolerating only the GPU taint (Kueue adds the pool\'s)', () => {
    const { chart } = job({ priorityClassName: 'production' });
    const manifest = objectOf(chart, 'Job');
    expect(manifest.metadata.namespace).toBe('fraud');
    expect(manifest.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'fraud', 'kueue.x-k8s.io/priority-class': 'production' });
    expect(manifest.spec.template.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(manifest.spec.template.spec.affinity).toBeUndefined();
  });

  test('a job already in the team namespace is accepted', () => {
    const { chart } = job({}, 1, 'fraud');
    expect(objectOf(chart, 'Job').metadata.namespace).toBe('fraud');
  });

  test('the job and its pods carry the team cost labels', () => {
    const { chart, team } = job();
    const manifest = objectOf(chart, 'Job');
    expect(manifest.metadata.labels).toMatchObject(team.costLabels);
    expect(manifest.spec.template.metadata.labels).toMatchObject(team.costLabels);
  });

  test('serving pinned to a shared pool: one node selector term for pool and capacity type, and the pool toleration', () => {
    const { chart } = deployment({ capacityType: CapacityType.ON_DEMAND });
    const spec = objectOf(chart, 'Deployment').spec.template.spec;
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{
      matchExpressions: [
        { key: 'mlops-stack.io/pool', operator: 'In', values: ['serving'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      ],
    }]);
    expect(spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
      { key: 'mlops-stack.io/pool', operator: 'Equal', value: 'serving', effect: 'NoSchedule' },
    ]);
    expect(objectOf(chart, 'Deployment').metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });

  test('manifests are valid against the Kubernetes 1.30 schemas', () => {
    const { chart } = job({});
    const { chart: served } = deployment({});
    const validator = new ManifestValidator();
    expect([...validator.validateAll(Testing.synth(chart)), ...validator.validateAll(Testing.synth(served))]).toEqual([]);
  });
});

describe('GpuWorkload.requestGpus validation', () => {
  test.each([0, -1, 1.5])('gpus %p', (gpus) => {
    expect(() => job({ gpus })).toThrow(/Test\/Train: requestGpus: gpus \(.*\) must be a whole number greater than 0/);
  });

  test('more GPUs than the team allows one container', () => {
    expect(() => job({ gpus: 9 })).toThrow(/requestGpus: gpus \(9\) is more than team "fraud" allows one container \(maxGpusPerContainer 8\)/);
  });

  test('container index out of range', () => {
    expect(() => job({ containerIndex: 1 })).toThrow(/requestGpus: containerIndex \(1\) must point at one of the workload's 1 container/);
  });

  test('a workload in another namespace', () => {
    expect(() => job({}, 1, 'default')).toThrow(/the workload is in namespace "default", but team "fraud" runs in namespace "fraud"/);
  });

  test('a pool dedicated to another team', () => {
    const c = cluster();
    const d = new kplus.Deployment(c.chart, 'Serve', { containers: [{ image: IMAGE }] });
    expect(() => GpuWorkload.requestGpus(d, { gpus: 1, team: c.team, pool: c.others }))
      .toThrow(/requestGpus: pool "recsys-training" is dedicated to team "recsys" and billed to "recsys"; team "fraud" may use its own pools and shared ones/);
  });

  test('a priority class the queue does not know', () => {
    expect(() => job({ priorityClassName: 'urgent' })).toThrow(/priorityClassName \("urgent"\) is not a priority class of the team's queue \(production, experiment\)/);
  });

  test('a team without a queue and no pool', () => {
    const c = cluster(false);
    const j = new kplus.Job(c.chart, 'Train', { containers: [{ image: IMAGE }] });
    expect(() => GpuWorkload.requestGpus(j, { gpus: 1, team: c.team }))
      .toThrow(/team "fraud" has no Kueue queue, so the workload would never be admitted; call GpuTeamQueues\.addTeam/);
  });

  test('a Job pinned to a pool, which Kueue would hold forever', () => {
    const c = cluster();
    const j = new kplus.Job(c.chart, 'Train', { containers: [{ image: IMAGE }] });
    expect(() => GpuWorkload.requestGpus(j, { gpus: 1, team: c.team, pool: c.own })).toThrow(/a Job in a team namespace is always managed by Kueue, so it must be queued/);
  });

  test('a CPU pool for GPU work', () => {
    expect(() => deployment({ pool: cluster().cpu })).toThrow(/requestGpus: pool "cpu" is a CPU pool/);
  });

  test('a capacity type the pool does not buy', () => {
    expect(() => deployment({ capacityType: CapacityType.SPOT })).toThrow(/capacityType spot is not bought by pool "serving" \(on-demand\)/);
  });

  test('a capacity type without a pool', () => {
    expect(() => job({ capacityType: CapacityType.SPOT })).toThrow(/capacityType needs a pool/);
  });

  test('a priority class on pinned work', () => {
    expect(() => deployment({ priorityClassName: 'production' })).toThrow(/priorityClassName applies to queued work only/);
  });

  test('placing a workload twice', () => {
    const { job: j, team } = job();
    expect(() => GpuWorkload.requestGpus(j, { gpus: 1, team })).toThrow(/the workload is already placed/);
  });

  test('a queue with no GPU pool', () => {
    const c = cluster(false);
    new GpuTeamQueues(c.chart, 'Kueue').addTeam(c.team, { gpuPools: [], cpuPool: { pool: c.cpu, spotCpus: 4 } });
    const j = new kplus.Job(c.chart, 'Train', { containers: [{ image: IMAGE }] });
    expect(() => GpuWorkload.requestGpus(j, { gpus: 1, team: c.team })).toThrow(/team "fraud"'s queue has no GPU pool/);
  });
});

describe('TeamWorkload.place', () => {
  test('CPU work goes to the team namespace and queue, with no GPU toleration', () => {
    const c = cluster();
    const j = new kplus.Job(c.chart, 'Prepare', { containers: [{ image: IMAGE }] });
    TeamWorkload.place(j, { team: c.team });
    const manifest = objectOf(c.chart, 'Job');
    expect([manifest.metadata.namespace, manifest.metadata.labels['kueue.x-k8s.io/queue-name'], manifest.spec.template.spec.tolerations])
      .toEqual(['fraud', 'fraud', undefined]);
  });

  test('a team is required', () => {
    const c = cluster();
    const j = new kplus.Job(c.chart, 'Prepare', { containers: [{ image: IMAGE }] });
    expect(() => TeamWorkload.place(j, {} as any)).toThrow(/place: team is required/);
  });
});
