import { Chart, type App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  CapacityStrategy,
  CapacityType,
  ConsolidationPolicy,
  CpuNodePool,
  DistributedTrainingJob,
  GpuAmi,
  GpuInferenceService,
  GpuNodePool,
  GpuTeam,
  GpuTeamQueues,
  GpuWorkload,
  PoolTenancy,
  TeamWorkload,
} from '../../constructs/k8s';
// The Kubernetes side needs only cdk8s and the tag schema: no aws-cdk-lib is loaded for these charts.
import { TagSchema, type CostTags } from '../../src/tags';

/**
 * What the GPU cluster stack hands to the Kubernetes side: plain values, no CDK types.
 */
export interface GpuWorkloadsProps {
  /** Name of the EKS cluster. */
  readonly clusterName: string;
  /** Name of the IAM role Karpenter-launched nodes use. */
  readonly nodeRoleName: string;
  /**
   * Value of the `karpenter.sh/discovery` tag on the private subnets and the cluster security group.
   *
   * @default - the cluster name
   */
  readonly discoveryTagValue?: string;
  /**
   * Cost tags of the platform (every required key, the team key being the platform team's), e.g.
   * `CostAttribution.tagsOf(clusterStack)`. Shared pools are billed with them; each team's pool and namespace
   * gets them with the team key set to the team.
   */
  readonly costTags: CostTags;
  /**
   * The tag schema.
   *
   * @default TagSchema.DEFAULT
   */
  readonly tagSchema?: TagSchema;
}

/**
 * The charts of the example, in the order they must be applied.
 */
export interface GpuWorkloadsCharts {
  /** Karpenter node pools and node classes (needs the Karpenter CRDs). */
  readonly nodePools: Chart;
  /** Team namespaces, quotas, limit ranges and RBAC (core kinds only). */
  readonly teams: Chart;
  /** Kueue flavors, priority classes and team queues (needs the Kueue CRDs and the team namespaces). */
  readonly queues: Chart;
  /**
   * Examples of team work: what teams deploy from their own repositories, shown here with the placement each
   * gets. Not applied by the platform stack.
   */
  readonly workloads: Chart;
}

/**
 * Two teams on one GPU cluster, each paying for its own pool: `fraud` trains on L4 GPUs (g6) spot first with
 * on-demand fallback, `recsys` on A100s (p4d, p4de) with a weighted spot / on-demand pair. Both may also use
 * the platform's shared L40S pool (billed to the platform team) and the shared CPU pool; the platform serves
 * models on a shared on-demand pool.
 */
export function buildGpuWorkloads(app: App, props: GpuWorkloadsProps): GpuWorkloadsCharts {
  const schema = props.tagSchema ?? TagSchema.DEFAULT;
  const platformTags = props.costTags;
  const cluster = {
    clusterName: props.clusterName,
    nodeRoleName: props.nodeRoleName,
    discoveryTagValue: props.discoveryTagValue,
    tagSchema: schema,
  };

  const nodePools = new Chart(app, 'GpuNodePools', { disableResourceNameHashes: true });
  const fraudPool = new GpuNodePool(nodePools, 'FraudTraining', {
    ...cluster,
    name: 'fraud-training',
    tenancy: PoolTenancy.dedicated('fraud'),
    costTags: schema.forTeam(platformTags, 'fraud'),
    instanceFamilies: ['g6'],
    instanceSizes: ['xlarge', '2xlarge', '4xlarge', '12xlarge'],
    gpuLimit: 16,
  });
  const recsysPool = new GpuNodePool(nodePools, 'RecsysTraining', {
    ...cluster,
    name: 'recsys-training',
    tenancy: PoolTenancy.dedicated('recsys'),
    costTags: schema.forTeam(platformTags, 'recsys'),
    instanceFamilies: ['p4d', 'p4de'],
    gpuLimit: 32,
    capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ onDemandGpuLimit: 16 }),
    ami: GpuAmi.bottlerocket(),
    imageVolumeSizeGiB: 300,
  });
  const sharedPool = new GpuNodePool(nodePools, 'SharedTraining', {
    ...cluster,
    name: 'shared-training',
    tenancy: PoolTenancy.shared(),
    costTags: platformTags,
    instanceFamilies: ['g6e'],
    instanceSizes: ['xlarge', '2xlarge', '4xlarge'],
    gpuLimit: 8,
  });
  const servingPool = new GpuNodePool(nodePools, 'Serving', {
    ...cluster,
    name: 'serving',
    tenancy: PoolTenancy.shared(),
    costTags: platformTags,
    instanceFamilies: ['g6'],
    instanceSizes: ['xlarge', '2xlarge'],
    gpuLimit: 8,
    capacityStrategy: CapacityStrategy.onDemandOnly(),
    consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED,
  });
  const cpuPool = new CpuNodePool(nodePools, 'Cpu', { ...cluster, name: 'cpu', tenancy: PoolTenancy.shared(), costTags: platformTags });

  const teams = new Chart(app, 'GpuTeams', { disableResourceNameHashes: true });
  const fraud = new GpuTeam(teams, 'Fraud', { name: 'fraud', costTags: schema.forTeam(platformTags, 'fraud'), tagSchema: schema, maxGpus: 16 });
  const recsys = new GpuTeam(teams, 'Recsys', { name: 'recsys', costTags: schema.forTeam(platformTags, 'recsys'), tagSchema: schema, maxGpus: 32 });

  const queues = new Chart(app, 'GpuQueues', { disableResourceNameHashes: true });
  const kueue = new GpuTeamQueues(queues, 'Kueue', { costTags: platformTags, tagSchema: schema });
  kueue.addTeam(fraud, {
    gpuPools: [{ pool: fraudPool, spotGpus: 8, onDemandGpus: 4 }, { pool: sharedPool, spotGpus: 2, borrowingLimitGpus: 2 }],
    cpuPool: { pool: cpuPool, spotCpus: 32 },
  });
  kueue.addTeam(recsys, {
    gpuPools: [{ pool: recsysPool, spotGpus: 16, onDemandGpus: 8 }, { pool: sharedPool, spotGpus: 4, borrowingLimitGpus: 2 }],
    cpuPool: { pool: cpuPool, spotCpus: 32 },
  });

  const workloads = new Chart(app, 'TeamWorkloads', { disableResourceNameHashes: true });
  const image = (name: string) => ({ image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/models/${name}:1.0.0`, securityContext: { ensureNonRoot: true } });
  const fraudTraining = new kplus.Job(workloads, 'FraudTraining', { metadata: { name: 'fraud-training' }, containers: [image('fraud-scoring')] });
  GpuWorkload.requestGpus(fraudTraining, { gpus: 1, team: fraud, priorityClassName: 'production' });
  const fraudFeatures = new kplus.Job(workloads, 'FraudFeatures', { metadata: { name: 'fraud-features' }, containers: [image('fraud-features')] });
  TeamWorkload.place(fraudFeatures, { team: fraud });
  const recsysTraining = new kplus.Job(workloads, 'RecsysTraining', { metadata: { name: 'recsys-training' }, containers: [image('recsys-ranker')] });
  GpuWorkload.requestGpus(recsysTraining, { gpus: 8, team: recsys, priorityClassName: 'experiment' });
  const fraudServing = new kplus.Deployment(workloads, 'FraudServing', { metadata: { name: 'fraud-serving' }, replicas: 2, containers: [image('fraud-scoring')] });
  GpuWorkload.requestGpus(fraudServing, { gpus: 1, team: fraud, pool: servingPool, capacityType: CapacityType.ON_DEMAND });
  // Multi-node training on fraud's own pool, admitted by Kueue as one workload; checkpoints go to the model's
  // prefix with the pod identity of MlopsTraining (TrainingPodIdentity, service account fraud-scoring-training).
  new DistributedTrainingJob(workloads, 'FraudPretrain', {
    name: 'fraud-pretrain',
    team: fraud,
    pool: fraudPool,
    capacityType: CapacityType.ON_DEMAND,
    image: image('fraud-scoring').image,
    command: ['torchrun', '/opt/train/train.py'],
    nodes: 2,
    gpusPerNode: 4,
    checkpoints: { bucketName: 'example-model-artifacts', prefix: 'models/fraud-scoring/checkpoints/', serviceAccountName: 'fraud-scoring-training' },
  });
  // KServe on the shared serving pool: recsys's ranker, one GPU a replica, up to 4 replicas of its quota.
  new GpuInferenceService(workloads, 'RecsysRanker', {
    name: 'recsys-ranker',
    team: recsys,
    pool: servingPool,
    storageUri: 's3://example-model-artifacts/models/recsys-ranker/2.1.0/',
    modelFormat: 'pytorch',
    serviceAccountName: 'recsys-models',
    minReplicas: 1,
    maxReplicas: 4,
  });

  return { nodePools, teams, queues, workloads };
}
