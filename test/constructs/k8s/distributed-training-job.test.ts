import { Duration, Testing } from 'cdk8s';
import { CLUSTER, PLATFORM_TAGS, TAGS, newChart } from './helpers';
import { ManifestValidator, kubernetesSchemaDir } from './manifest-validator';
import {
  CapacityStrategy,
  CapacityType,
  CpuNodePool,
  DistributedTrainingJob,
  GpuNodePool,
  GpuTeam,
  GpuTeamQueues,
  JOB_COMPLETION_INDEX_ANNOTATION,
  K8sWarnings,
  Placement,
  PoolTenancy,
  TEAM_NAMESPACE_LABEL,
  type DistributedTrainingJobProps,
  type Manifest,
} from '../../../constructs';

const IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/models/fraud-scoring:train-7';
const CHECKPOINTS = { bucketName: 'registry-artifacts', prefix: 'models/fraud-scoring/checkpoints/', serviceAccountName: 'fraud-trainer' };
// As GpuCluster configures Kueue: Jobs in team namespaces without a queue label are held.
const KUEUE = { unqueuedJobsHeldIn: { matchLabels: { [TEAM_NAMESPACE_LABEL]: 'true' } } };

/**
 * Two teams on one cluster: fraud (72 GPUs) with a dedicated pool of 4-GPU instances and quota on a shared
 * pool too, recsys with its own pool; a small 1-GPU pool fraud also has quota on, and a CPU pool.
 */
function trainingCluster() {
  const chart = newChart();
  const fraud = new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TAGS, maxGpus: 72 });
  const recsys = new GpuTeam(chart, 'Recsys', { name: 'recsys', costTags: { ...TAGS, team: 'recsys' }, maxGpus: 48 });
  const big = { ...CLUSTER, instanceFamilies: ['g6', 'g6e'], instanceSizes: ['12xlarge', '24xlarge'], gpuLimit: 32 };
  const own = new GpuNodePool(chart, 'Own', { ...big, name: 'fraud-training', tenancy: PoolTenancy.dedicated('fraud'), costTags: TAGS });
  const others = new GpuNodePool(chart, 'Others', {
    ...big, name: 'recsys-training', tenancy: PoolTenancy.dedicated('recsys'), costTags: { ...TAGS, team: 'recsys' },
  });
  const shared = new GpuNodePool(chart, 'Shared', { ...big, name: 'shared-training', tenancy: PoolTenancy.shared(), costTags: PLATFORM_TAGS });
  const small = new GpuNodePool(chart, 'Small', {
    ...CLUSTER,
    instanceFamilies: ['g6'],
    instanceSizes: ['xlarge', '2xlarge'],
    gpuLimit: 8,
    name: 'small',
    tenancy: PoolTenancy.shared(),
    costTags: PLATFORM_TAGS,
    capacityStrategy: CapacityStrategy.onDemandOnly(),
  });
  const cpu = new CpuNodePool(chart, 'Cpu', { ...CLUSTER, name: 'cpu', tenancy: PoolTenancy.shared(), costTags: PLATFORM_TAGS });
  const kueue = new GpuTeamQueues(chart, 'Kueue');
  kueue.addTeam(fraud, {
    gpuPools: [
      { pool: own, spotGpus: 16, onDemandGpus: 16 },
      { pool: shared, spotGpus: 8, onDemandGpus: 8 },
      { pool: small, onDemandGpus: 4 },
    ],
    cpuPool: { pool: cpu, spotCpus: 32 },
  });
  kueue.addTeam(recsys, { gpuPools: [{ pool: others, spotGpus: 16, onDemandGpus: 16 }, { pool: shared, spotGpus: 8 }] });
  return { chart, fraud, recsys, own, others, shared, small, cpu, kueue };
}

type Cluster = ReturnType<typeof trainingCluster>;

function training(props: Partial<DistributedTrainingJobProps> = {}, c: Cluster = trainingCluster()) {
  const job = new DistributedTrainingJob(c.chart, 'Pretrain', {
    team: c.fraud,
    pool: c.own,
    image: IMAGE,
    command: ['torchrun', 'train.py'],
    nodes: 4,
    gpusPerNode: 4,
    capacityType: CapacityType.ON_DEMAND,
    checkpoints: CHECKPOINTS,
    ...props,
  });
  const manifests: Manifest[] = Testing.synth(c.chart);
  const find = (kind: string, name = job.name) => manifests.find(m => m.kind === kind && m.metadata?.name === name)!;
  return { ...c, job, manifests, jobManifest: find('Job'), service: find('Service'), find };
}

const container = (job: Manifest) => job.spec.template.spec.containers[0];
const envOf = (job: Manifest): Record<string, any> =>
  Object.fromEntries(container(job).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const billedTo = (manifests: Manifest[], nodePool: string) =>
  manifests.find(m => m.kind === 'NodePool' && m.metadata.name === nodePool)!.spec.template.metadata.labels['mlops-stack.io/team'];

describe('DistributedTrainingJob', () => {
  test.each(['1.30.0', '1.37.0'])('every manifest is valid against the Kubernetes %s schemas and the Kueue and Karpenter CRD schemas', (version) => {
    const { manifests } = training({ env: { NCCL_DEBUG: 'WARN' }, priorityClassName: 'production', maxDuration: Duration.hours(12) });
    const validator = new ManifestValidator(undefined, kubernetesSchemaDir(version));
    expect(validator.validateAll(manifests)).toEqual([]);
  });

  test('an Indexed Job with completions and parallelism equal to the node count', () => {
    const { jobManifest } = training({ nodes: 3 });
    expect(jobManifest.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
  });

  test('a failed node is retried backoffLimitPerIndex times, then the job fails; disruptions do not count', () => {
    const { jobManifest } = training({ backoffLimitPerIndex: 5 });
    expect(jobManifest.spec).toMatchObject({ backoffLimitPerIndex: 5, maxFailedIndexes: 0 });
    expect(jobManifest.spec.backoffLimit).toBeUndefined();
    expect(jobManifest.spec.podFailurePolicy).toEqual({
      rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
    });
    // podFailurePolicy is only accepted with restartPolicy Never.
    expect(jobManifest.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('Kueue admission: created suspended, in the team\'s LocalQueue, with its priority class', () => {
    const { jobManifest, find } = training({ priorityClassName: 'experiment' });
    expect(jobManifest.spec.suspend).toBe(true);
    expect(jobManifest.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'fraud', 'kueue.x-k8s.io/priority-class': 'experiment' });
    expect(find('LocalQueue', 'fraud').metadata.namespace).toBe(jobManifest.metadata.namespace);
  });

  test('a headless Service that publishes not-ready pods and selects exactly the job\'s pods', () => {
    const { jobManifest, service } = training();
    expect(service.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'rendezvous', port: 29500, targetPort: 29500 }] });
    expect(service.metadata.namespace).toBe(jobManifest.metadata.namespace);
    const podLabels = jobManifest.spec.template.metadata.labels;
    expect(Object.keys(service.spec.selector).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(service.spec.selector)) {
      expect([key, podLabels[key]]).toEqual([key, value]);
    }
  });

  test('MASTER_ADDR is the DNS name of node 0: hostname <job>-0 under the subdomain of the headless Service', () => {
    const { jobManifest, service, job } = training();
    expect(jobManifest.spec.template.spec.subdomain).toBe(service.metadata.name);
    // An Indexed Job's pod N has hostname <job name>-N; with a subdomain, <hostname>.<subdomain> resolves in the namespace.
    const node0 = `${jobManifest.metadata.name}-0.${jobManifest.spec.template.spec.subdomain}`;
    expect(node0).toBe('pretrain-0.pretrain');
    expect(envOf(jobManifest)).toMatchObject({ MASTER_ADDR: node0, PET_MASTER_ADDR: node0, MASTER_PORT: '29500', PET_MASTER_PORT: '29500' });
    expect(job.masterAddress).toBe(node0);
  });

  test('NODE_RANK comes from the pod\'s completion index through the downward API, not a fixed value', () => {
    const env = envOf(training().jobManifest);
    const fromIndex = { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } };
    expect(JOB_COMPLETION_INDEX_ANNOTATION).toBe('batch.kubernetes.io/job-completion-index');
    expect(env.NODE_RANK).toEqual(fromIndex);
    expect(env.PET_NODE_RANK).toEqual(fromIndex);
  });

  test('the torchrun contract: nodes, processes per node = GPUs per node, world size, checkpoint URI', () => {
    const env = envOf(training({ nodes: 2, gpusPerNode: 4, masterPort: 23456, env: { NCCL_DEBUG: 'WARN' } }).jobManifest);
    expect(env).toMatchObject({
      NNODES: '2',
      PET_NNODES: '2',
      NPROC_PER_NODE: '4',
      PET_NPROC_PER_NODE: '4',
      WORLD_SIZE: '8',
      MASTER_PORT: '23456',
      CHECKPOINT_URI: 's3://registry-artifacts/models/fraud-scoring/checkpoints/pretrain/',
      NCCL_DEBUG: 'WARN',
    });
  });

  test('each pod requests gpusPerNode GPUs, CPU and memory per GPU by default, and tolerates the GPU taint', () => {
    const { jobManifest } = training({ gpusPerNode: 2 });
    expect(container(jobManifest).resources).toEqual({
      requests: { cpu: '8', memory: '64Gi' },
      limits: { 'memory': '64Gi', 'nvidia.com/gpu': 2 },
    });
    expect(jobManifest.spec.template.spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' });
  });

  test('a memory-backed /dev/shm of sharedMemoryGiB', () => {
    const { jobManifest } = training({ sharedMemoryGiB: 16 });
    const spec = jobManifest.spec.template.spec;
    const mount = container(jobManifest).volumeMounts.find((m: any) => m.mountPath === '/dev/shm');
    expect(spec.volumes.find((v: any) => v.name === mount.name)).toEqual({ name: mount.name, emptyDir: { medium: 'Memory', sizeLimit: '16384Mi' } });
  });

  test('a non-root user for images that default to root; not root by default', () => {
    expect(container(training().jobManifest).securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(container(training({ securityContext: { user: 1000, group: 1000 } }).jobManifest).securityContext)
      .toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
  });

  test('the Job, its pods, the Service and the service account carry the team\'s cost labels, in its namespace', () => {
    const { jobManifest, service, find, fraud } = training();
    const sa = find('ServiceAccount', 'fraud-trainer');
    for (const o of [jobManifest, service, sa]) {
      expect([o.kind, o.metadata.namespace, o.metadata.labels]).toEqual([o.kind, 'fraud', expect.objectContaining(fraud.costLabels)]);
    }
    expect(jobManifest.spec.template.metadata.labels).toMatchObject(fraud.costLabels);
    expect(fraud.costLabels).toMatchObject({ 'mlops-stack.io/team': 'fraud' });
  });

  test('the pods run as the checkpoint service account, created once for every job of the chart that names it', () => {
    const c = trainingCluster();
    training({}, c);
    new DistributedTrainingJob(c.chart, 'Finetune', { team: c.fraud, pool: c.own, image: IMAGE, nodes: 2, gpusPerNode: 4, checkpoints: CHECKPOINTS });
    const manifests = Testing.synth(c.chart);
    expect(manifests.filter(m => m.kind === 'ServiceAccount' && m.metadata.name === 'fraud-trainer')).toHaveLength(1);
    const jobs = manifests.filter(m => m.kind === 'Job');
    expect(jobs.map(j => [j.metadata.name, j.spec.template.spec.serviceAccountName]))
      .toEqual([['pretrain', 'fraud-trainer'], ['finetune', 'fraud-trainer']]);
    expect(envOf(jobs[1]).CHECKPOINT_URI).toBe('s3://registry-artifacts/models/fraud-scoring/checkpoints/finetune/');
  });
});

describe('DistributedTrainingJob placement (the placement check)', () => {
  test('admitted only on the chosen pool\'s flavor and capacity type, billed to the team', () => {
    const { jobManifest, manifests } = training();
    const placement = Placement.ofWorkload(jobManifest, manifests, KUEUE);
    expect(placement).toEqual({ runnable: true, flavors: ['fraud-training-on-demand'], nodePools: ['fraud-training'], reason: undefined });
    expect(billedTo(manifests, 'fraud-training')).toBe('fraud');
  });

  test('without a capacity type: both flavors of the chosen pool, never the team\'s other pools', () => {
    const { jobManifest, manifests } = training({ capacityType: undefined });
    const placement = Placement.ofWorkload(jobManifest, manifests, KUEUE);
    expect([placement.runnable, placement.flavors, placement.nodePools]).toEqual([true, ['fraud-training-spot', 'fraud-training-on-demand'], ['fraud-training']]);
  });

  test('on a shared pool: the team\'s quota there, billed to the platform', () => {
    const c = trainingCluster();
    const { jobManifest: onShared, manifests: all } = training({ pool: c.shared, capacityType: undefined }, c);
    const placement = Placement.ofWorkload(onShared, all, KUEUE);
    expect([placement.runnable, placement.nodePools]).toEqual([true, ['shared-training']]);
    expect(billedTo(all, 'shared-training')).toBe('ml-platform');
  });

  test('the check fails on wrong wiring: the same pods pointed at another team\'s pool are never admitted', () => {
    const { jobManifest, manifests } = training();
    const rewired = structuredClone(jobManifest);
    rewired.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values = ['recsys-training'];
    const placement = Placement.ofWorkload(rewired, manifests, KUEUE);
    expect(placement.runnable).toBe(false);
    expect(placement.nodePools).toEqual([]);
    expect(placement.reason).toMatch(/no flavor of ClusterQueue "fraud"/);
  });

  test('the check fails on wrong wiring: without the queue label Kueue holds the job', () => {
    const { jobManifest, manifests } = training();
    const unqueued = structuredClone(jobManifest);
    delete unqueued.metadata.labels['kueue.x-k8s.io/queue-name'];
    expect(Placement.ofWorkload(unqueued, manifests, KUEUE)).toMatchObject({ runnable: false, reason: expect.stringMatching(/held by Kueue/) });
  });

  test('the check fails on wrong wiring: a job asking for more GPUs than the flavor\'s quota is not admitted', () => {
    const { jobManifest, manifests } = training({ gpusPerNode: 4 });
    const greedy = structuredClone(jobManifest);
    container(greedy).resources.limits['nvidia.com/gpu'] = 20;
    expect(Placement.ofWorkload(greedy, manifests, KUEUE).runnable).toBe(false);
  });
});

describe('DistributedTrainingJob validation', () => {
  test.each([0, -2, 1.5])('nodes (%p) is an error naming the path, the value and the allowed range', (nodes) => {
    expect(() => training({ nodes })).toThrow(new RegExp(`^Test/Pretrain: nodes \\(${nodes}\\) must be a whole number from 1 to 100000`));
  });

  test('more GPUs per node than the pool\'s largest instance type has', () => {
    const c = trainingCluster();
    expect(() => training({ pool: c.small, capacityType: undefined, nodes: 2, gpusPerNode: 2 }, c)).toThrow(
      'Test/Pretrain: gpusPerNode (2) is more than any node of pool "small" has: at most 1 (g6.xlarge, g6.2xlarge); allowed: 1 to 1');
  });

  test('gpusPerNode up to the pool\'s largest instance type is accepted: 8 on a pool of every g6 size (g6.48xlarge)', () => {
    const c = trainingCluster();
    const vision = new GpuTeam(c.chart, 'Vision', { name: 'vision', costTags: { ...TAGS, team: 'vision' }, maxGpus: 16 });
    const large = new GpuNodePool(c.chart, 'Large', {
      ...CLUSTER, instanceFamilies: ['g6'], gpuLimit: 16, name: 'large', tenancy: PoolTenancy.dedicated('vision'), costTags: { ...TAGS, team: 'vision' },
    });
    c.kueue.addTeam(vision, { gpuPools: [{ pool: large, onDemandGpus: 16 }] });
    const job = new DistributedTrainingJob(c.chart, 'Vit', {
      team: vision, pool: large, image: IMAGE, nodes: 2, gpusPerNode: 8, capacityType: CapacityType.ON_DEMAND, checkpoints: CHECKPOINTS,
    });
    expect(job.gpusPerNode).toBe(8);
    expect(() => training({ gpusPerNode: 5 }))
      .toThrow(/gpusPerNode \(5\) is more than any node of pool "fraud-training" has: at most 4 \(g6\.12xlarge, g6\.24xlarge, g6e\.12xlarge, g6e\.24xlarge\)/);
  });

  test('a pool dedicated to another team', () => {
    const c = trainingCluster();
    expect(() => training({ pool: c.others }, c))
      .toThrow(/pool "recsys-training" is dedicated to team "recsys" and billed to "recsys"; team "fraud" may use its own pools and shared ones/);
  });

  test('a pool the team has no quota on', () => {
    const c = trainingCluster();
    const spare = new GpuNodePool(c.chart, 'Spare', {
      ...CLUSTER, instanceFamilies: ['g6'], instanceSizes: ['12xlarge'], gpuLimit: 8, name: 'spare', tenancy: PoolTenancy.shared(), costTags: PLATFORM_TAGS,
    });
    expect(() => training({ pool: spare, nodes: 2 }, c)).toThrow(
      /pool "spare" is not a pool of team "fraud"'s queue \(fraud-training, shared-training, small, cpu\), so Kueue would never admit the job/);
  });

  test('a team without a queue', () => {
    const c = trainingCluster();
    const vision = new GpuTeam(c.chart, 'Vision', { name: 'vision', costTags: { ...TAGS, team: 'vision' }, maxGpus: 16 });
    expect(() => training({ team: vision, pool: c.shared, nodes: 2 }, c)).toThrow(/team "vision" has no Kueue queue, so the job would never be admitted/);
  });

  test('a CPU pool', () => {
    const c = trainingCluster();
    expect(() => training({ pool: c.cpu, capacityType: undefined }, c)).toThrow(/pool "cpu" is a CPU pool; distributed training needs a GPU pool/);
  });

  test('a capacity type the pool does not buy', () => {
    const c = trainingCluster();
    expect(() => training({ pool: c.small, capacityType: CapacityType.SPOT, gpusPerNode: 1 }, c))
      .toThrow(/capacityType spot is not bought by pool "small" \(on-demand\)/);
  });

  test('more GPUs per node than the team allows one container', () => {
    const c = trainingCluster();
    const narrow = new GpuTeam(c.chart, 'Narrow', { name: 'narrow', costTags: { ...TAGS, team: 'narrow' }, maxGpus: 16, maxGpusPerContainer: 2 });
    c.kueue.addTeam(narrow, { gpuPools: [{ pool: c.shared, spotGpus: 16 }] });
    expect(() => training({ team: narrow, pool: c.shared, capacityType: undefined, gpusPerNode: 4, nodes: 2 }, c))
      .toThrow(/gpusPerNode \(4\) is more than team "narrow" allows one container \(maxGpusPerContainer 2\); each node's pod would be refused/);
  });

  test('more GPUs in all than the team\'s quota', () => {
    expect(() => training({ nodes: 19, gpusPerNode: 4 }))
      .toThrow(/nodes \(19\) x gpusPerNode \(4\) = 76 GPUs is more than team "fraud"'s GPU quota \(maxGpus 72\)/);
  });

  test('more GPUs in all than the pool may launch', () => {
    const c = trainingCluster();
    expect(() => training({ pool: c.small, capacityType: undefined, nodes: 9, gpusPerNode: 1 }, c))
      .toThrow(/nodes \(9\) x gpusPerNode \(1\) = 9 GPUs is more than pool "small" may launch \(gpuLimit 8\)/);
  });

  test('a name too long for the last pod\'s hostname', () => {
    const name = `a${'b'.repeat(61)}`;
    expect(() => training({ name, nodes: 4 })).toThrow(/short enough that the last pod's hostname "ab+-3" fits 63 characters/);
    expect(() => training({ name: name.slice(0, 61), nodes: 4 })).not.toThrow();
  });

  test('env that would override the contract', () => {
    expect(() => training({ env: { NODE_RANK: '0', WORLD_SIZE: '1', FOO: 'x' } }))
      .toThrow(/env sets NODE_RANK, WORLD_SIZE, which the job sets itself/);
  });

  test.each([
    [{ ...CHECKPOINTS, bucketName: 'Registry_Bucket' }, /checkpoints.bucketName \("Registry_Bucket"\) must be an S3 bucket name/],
    [{ ...CHECKPOINTS, prefix: 'models/fraud-scoring/checkpoints' }, /checkpoints.prefix \("models\/fraud-scoring\/checkpoints"\) must be an S3 key prefix ending in "\/"/],
    [{ ...CHECKPOINTS, prefix: '/models/' }, /checkpoints.prefix \("\/models\/"\)/],
    [{ ...CHECKPOINTS, serviceAccountName: 'Fraud_Trainer' }, /checkpoints.serviceAccountName \("Fraud_Trainer"\) must be a DNS-1123 label/],
  ])('checkpoints %j', (checkpoints, message) => {
    expect(() => training({ checkpoints })).toThrow(message);
  });

  test('a bucket name that is a CDK token is not checked', () => {
    expect(() => training({ checkpoints: { ...CHECKPOINTS, bucketName: '${Token[TOKEN.123]}' } })).not.toThrow();
  });

  test('every problem at once, after the construct path', () => {
    expect(() => training({ masterPort: 0, backoffLimitPerIndex: -1, cpuPerNode: 'lots', sharedMemoryGiB: 0 })).toThrow(
      /^Test\/Pretrain: invalid DistributedTrainingJob properties:\n {2}- cpuPerNode \("lots"\) must be a Kubernetes quantity.*\n {2}- sharedMemoryGiB \(0\).*\n {2}- masterPort \(0\) must be a port number from 1 to 65535\n {2}- backoffLimitPerIndex \(-1\) must be a whole number from 0 to 2147483647$/);
  });
});

describe('DistributedTrainingJob warnings', () => {
  test('a multi-node job that may be admitted on spot warns', () => {
    const { job } = training({ capacityType: undefined });
    expect(K8sWarnings.of(job).map(w => w.id)).toEqual(['mlops-stack:distributed-training-on-spot']);
  });

  test('on-demand raises no warning', () => {
    const { job } = training({ capacityType: CapacityType.ON_DEMAND });
    expect(K8sWarnings.of(job)).toEqual([]);
  });
});
