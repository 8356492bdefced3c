import { Chart, Duration, type App } from 'cdk8s';
import {
  CapacityStrategy,
  ConsolidationPolicy,
  DisruptionReason,
  GpuAmi,
  GpuNodePool,
  GpuTeam,
  GpuTeamQueues,
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
   * Cost tags of the platform (every required key), e.g. `CostAttribution.tagsOf(clusterStack)`. Each team's
   * objects and pools replace the team key with the team's own name.
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
}

/**
 * GPU workloads of two teams on one cluster: `fraud` trains on a spot-first pool that falls back to
 * on-demand, `recsys` trains on a weighted spot / on-demand pair with a separate on-demand ceiling, and the
 * platform team serves models on an on-demand-only pool. Both teams share GPU quota through Kueue.
 */
export function buildGpuWorkloads(app: App, props: GpuWorkloadsProps): GpuWorkloadsCharts {
  const schema = props.tagSchema ?? TagSchema.DEFAULT;
  const tagsOf = (team: string): CostTags => ({ ...props.costTags, [schema.teamKey]: team });
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
    costTags: tagsOf('fraud'),
    instanceFamilies: ['g5', 'g6', 'g6e'],
    instanceSizes: ['xlarge', '2xlarge', '4xlarge', '12xlarge'],
    gpuLimit: 16,
    capacityStrategy: CapacityStrategy.spotWithOnDemandFallback(),
  });
  const recsysPool = new GpuNodePool(nodePools, 'RecsysTraining', {
    ...cluster,
    name: 'recsys-training',
    costTags: tagsOf('recsys'),
    instanceFamilies: ['g6e', 'p4d', 'p5'],
    gpuLimit: 32,
    capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ spotWeight: 100, onDemandWeight: 10, onDemandGpuLimit: 16 }),
    ami: GpuAmi.bottlerocket(),
    imageVolumeSizeGiB: 300,
    // At most 10% of nodes disrupted at once for any reason, and no drift replacement (e.g. to a new AMI)
    // from 06:00 to midnight UTC, so nodes under long training runs are replaced at night.
    disruptionBudgets: [
      { nodes: '10%' },
      { nodes: '0', reasons: [DisruptionReason.DRIFTED], schedule: '0 6 * * *', duration: Duration.hours(18) },
    ],
  });
  const servingPool = new GpuNodePool(nodePools, 'Serving', {
    ...cluster,
    name: 'serving',
    costTags: props.costTags,
    instanceFamilies: ['g5', 'g6'],
    gpuLimit: 8,
    capacityStrategy: CapacityStrategy.onDemandOnly(),
    consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED,
  });

  const teams = new Chart(app, 'GpuTeams', { disableResourceNameHashes: true });
  const fraud = new GpuTeam(teams, 'Fraud', { name: 'fraud', costTags: tagsOf('fraud'), tagSchema: schema, maxGpus: 16 });
  const recsys = new GpuTeam(teams, 'Recsys', { name: 'recsys', costTags: tagsOf('recsys'), tagSchema: schema, maxGpus: 32 });

  const queues = new Chart(app, 'GpuQueues', { disableResourceNameHashes: true });
  const kueue = new GpuTeamQueues(queues, 'Kueue', {
    nodePools: [fraudPool, recsysPool, servingPool],
    costTags: props.costTags,
    tagSchema: schema,
  });
  kueue.addTeam(fraud, { nominalGpus: 8, onDemandNominalGpus: 4, borrowingLimitGpus: 2 });
  kueue.addTeam(recsys, { nominalGpus: 16, onDemandNominalGpus: 8, borrowingLimitGpus: 4 });
  queues.addDependency(teams);

  return { nodePools, teams, queues };
}
