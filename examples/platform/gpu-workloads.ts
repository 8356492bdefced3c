import { Chart, type App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { SHARED_POOLS, TEAMS } from './teams';
import {
  CapacityType,
  DistributedTrainingJob,
  GpuInferenceService,
  GpuWorkload,
  TeamWorkload,
} from '../../constructs/k8s';
// The charts builder itself, not the platform's barrel: no aws-cdk-lib is loaded for these charts.
import { PlatformCharts } from '../../constructs/platform/platform-charts';
import type { CostTags, TagSchema } from '../../src/tags';

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
   * Cost tags of the platform (every required key, the team key being the platform team's). Shared pools are
   * billed with them; each team's pool and namespace gets them with the team key set to the team.
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
 * The Kubernetes side of the example platform on its own, with cdk8s alone: the pools, namespaces and queues
 * `MlopsPlatform` builds from the teams' configuration ({@link TEAMS}, {@link SHARED_POOLS}), and the teams'
 * example workloads.
 */
export function buildGpuWorkloads(app: App, props: GpuWorkloadsProps): GpuWorkloadsCharts {
  const charts = new PlatformCharts(app, { ...props, teams: TEAMS, ...SHARED_POOLS });
  return { nodePools: charts.nodePools, teams: charts.teams, queues: charts.queues, workloads: buildTeamWorkloads(app, charts) };
}

/**
 * Examples of team work on the platform's pools and teams, in the cdk8s app of their charts (where each pool's
 * tenancy is checked): training jobs through the teams' queues, a CPU job, a GPU deployment and a KServe
 * InferenceService on the shared serving pool, and a two-node training job on fraud's own pool.
 */
export function buildTeamWorkloads(app: App, charts: PlatformCharts): Chart {
  const fraud = charts.gpuTeams.fraud;
  const recsys = charts.gpuTeams.recsys;
  const fraudPool = charts.gpuPools['fraud-training'];
  const servingPool = charts.gpuPools.serving;

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
  return workloads;
}
