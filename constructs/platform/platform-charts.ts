// cdk8s only, like the charts it builds: no aws-cdk-lib is loaded here (the aws-cdk-lib types below are type-only),
// so the Kubernetes side of a platform synthesizes and tests on its own.
import { Chart, type App } from 'cdk8s';
import { defaultMaxGpus, hasClusterWork, teamProblems } from './private/team-validation';
import { TagSchema, type CostTags } from '../../src/tags/tag-schema';
import type { TeamBudget } from '../cost/cost-guardrails';
import { CapacityStrategy, CapacityStrategyKind } from '../k8s/capacity-strategy';
import { CpuNodePool, type CpuNodePoolProps } from '../k8s/cpu-node-pool';
import { GpuNodePool, type GpuNodePoolProps } from '../k8s/gpu-node-pool';
import { GpuTeam, type GpuTeamProps } from '../k8s/gpu-team';
import { GpuTeamQueues, type CpuPoolQuota, type GpuPoolQuota, type GpuTeamQueuesProps, type TeamQueue } from '../k8s/gpu-team-queues';
import { PoolTenancy } from '../k8s/pool-tenancy';
import { pascalCase } from './private/names';
import { throwIfProblems } from '../k8s/private/errors';

/** What every pool of a platform gets from the cluster and the platform, so a pool's config leaves it out. */
type PlatformPoolKeys = 'clusterName' | 'nodeRoleName' | 'discoveryTagValue' | 'tenancy' | 'costTags' | 'tagSchema' | 'name';

/**
 * A team's Kueue quota on its own pool, per capacity type.
 *
 * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#resources
 */
export interface TeamPoolQuota extends Omit<GpuPoolQuota, 'pool' | 'borrowingLimitGpus'> {}

/**
 * A GPU pool dedicated to one team: `PoolTenancy.dedicated(<team>)`, its instances and volumes tagged to the team.
 * Every {@link GpuNodePoolProps} property but the ones the platform sets (cluster, tenancy, cost tags, schema).
 */
export interface TeamPoolConfig extends Omit<GpuNodePoolProps, PlatformPoolKeys> {
  /**
   * Name of the pool: its EC2NodeClass, NodePool(s), node label and taint, and Kueue flavors. A DNS-1123 label,
   * unique among the platform's pools. Its construct id is the name in PascalCase (`fraud-training` →
   * `FraudTraining`), so renaming a pool replaces it.
   */
  readonly name: string;

  /**
   * The team's Kueue quota on the pool (nominal GPUs per capacity type).
   *
   * @default - the whole pool on its first capacity type: `spotGpus: gpuLimit` when the pool buys spot, else
   *   `onDemandGpus: gpuLimit`. Give on-demand quota too for queued work to fall back to on-demand capacity.
   */
  readonly quota?: TeamPoolQuota;
}

/**
 * A GPU pool every team may list in its `sharedPools`: `PoolTenancy.shared()`, billed to the platform team.
 */
export interface SharedGpuPoolConfig extends Omit<GpuNodePoolProps, PlatformPoolKeys> {
  /** Name of the pool (see {@link TeamPoolConfig.name}). */
  readonly name: string;
}

/**
 * A CPU pool for the CPU-only work of teams: `PoolTenancy.shared()`, billed to the platform team.
 */
export interface SharedCpuPoolConfig extends Omit<CpuNodePoolProps, PlatformPoolKeys> {
  /** Name of the pool (see {@link TeamPoolConfig.name}). */
  readonly name: string;
}

/** A team's Kueue quota on a shared GPU pool. */
export interface SharedPoolQuotaConfig extends Omit<GpuPoolQuota, 'pool'> {
  /** Name of the shared pool: one of `gpuCluster.sharedPools`. */
  readonly pool: string;
}

/** A team's Kueue quota on a shared CPU pool. */
export interface CpuQuotaConfig extends Omit<CpuPoolQuota, 'pool'> {
  /** Name of the CPU pool: one of `gpuCluster.cpuPools`. */
  readonly pool: string;
}

/** Options of a team's namespace: every {@link GpuTeamProps} property the platform does not set. */
export interface TeamNamespaceOptions extends Omit<GpuTeamProps, 'name' | 'costTags' | 'tagSchema' | 'maxGpus'> {}

/**
 * One team of the platform: what it may spend and where its work runs.
 *
 * With a GPU cluster, a team with a pool or a quota gets a namespace (`GpuTeam`) with a GPU ceiling, its own
 * pools dedicated to it and billed to it, and a Kueue queue over its pools and its quotas on the shared pools.
 * A team with neither has no namespace: it only has a budget and models (SageMaker work).
 */
export interface TeamConfig {
  /**
   * The team's name: the value of the schema's team key on everything billed to the team, its namespace name
   * and its queue name. A valid tag value and DNS-1123 label (`fraud`, `recsys`), unique among the teams and
   * different from the platform team's.
   */
  readonly name: string;

  /**
   * The team's monthly AWS budget, filtered by its team tag (see `CostGuardrails`). Needs the platform's
   * `costGuardrails` (who is notified).
   *
   * @default - no budget for the team
   */
  readonly budget?: TeamBudget;

  /**
   * Finance's name for the team in the platform's cost category (`costGuardrails.costCategory`).
   *
   * @default - the team falls into the cost category's default value
   */
  readonly financeName?: string;

  /**
   * GPU pools dedicated to the team, in the order the team's queue tries them. Needs `gpuCluster`.
   *
   * @default - none
   */
  readonly pools?: TeamPoolConfig[];

  /**
   * The team's quota on shared GPU pools (`gpuCluster.sharedPools`), tried after its own pools.
   *
   * @default - none
   */
  readonly sharedPools?: SharedPoolQuotaConfig[];

  /**
   * The team's quota on a shared CPU pool (`gpuCluster.cpuPools`), for work that requests no GPU.
   *
   * @default - the team's queued work must request GPUs
   */
  readonly cpuQuota?: CpuQuotaConfig;

  /**
   * Most `nvidia.com/gpu` the team's pods may request at once (its namespace's ResourceQuota).
   *
   * @default - the sum of its own pools' `gpuLimit`; with no pool of its own, its nominal quota on shared pools
   */
  readonly maxGpus?: number;

  /**
   * The team's namespace: Pod Security, default requests, RBAC groups, retention.
   *
   * @default - see GpuTeamProps
   */
  readonly namespace?: TeamNamespaceOptions;
}

/** The pools of a cluster beyond the teams' own, and its queues. */
export interface ClusterPoolsConfig {
  /**
   * GPU pools shared by every team that lists them in `sharedPools`, billed to the platform team.
   *
   * @default - none
   */
  readonly sharedPools?: SharedGpuPoolConfig[];

  /**
   * CPU pools teams reach with `cpuQuota`, billed to the platform team.
   *
   * @default - none
   */
  readonly cpuPools?: SharedCpuPoolConfig[];

  /**
   * The Kueue cohort and workload priorities.
   *
   * @default - see GpuTeamQueuesProps
   */
  readonly queues?: Omit<GpuTeamQueuesProps, 'costTags' | 'tagSchema'>;
}

/** Properties of {@link PlatformCharts}: plain values, so the charts synthesize without aws-cdk-lib. */
export interface PlatformChartsProps extends ClusterPoolsConfig {
  /** Name of the EKS cluster (`GpuCluster.clusterName`). */
  readonly clusterName: string;
  /** Name of the node role of Karpenter's nodes (`GpuCluster.nodeRoleName`). */
  readonly nodeRoleName: string;
  /**
   * Value of the `karpenter.sh/discovery` tag (`GpuCluster.discoveryTagValue`).
   *
   * @default - the cluster name
   */
  readonly discoveryTagValue?: string;
  /**
   * The platform's cost tags: every required key, the team key being the platform team's. Shared pools and the
   * queues' shared objects carry them; a team's pools and namespace carry them with the team key set to the team.
   */
  readonly costTags: CostTags;
  /**
   * The tag schema.
   *
   * @default TagSchema.DEFAULT
   */
  readonly tagSchema?: TagSchema;
  /** The teams. */
  readonly teams: TeamConfig[];
}

/**
 * The Kubernetes side of a platform as cdk8s charts, from the teams' configuration: node pools (each team's
 * dedicated pools, then the shared GPU pools, then the CPU pools), team namespaces, and the Kueue queues, in
 * the three charts `GpuCluster.addWorkloadChart` applies in this order.
 *
 * `MlopsPlatform` builds these for its cluster; build them yourself to test a team layout without aws-cdk-lib,
 * or to add team workloads (`GpuWorkload.requestGpus(job, { team: charts.gpuTeams.fraud })`) in the same cdk8s
 * app, where the pools' tenancy is checked.
 *
 * @example
 * const charts = new PlatformCharts(new cdk8s.App(), {
 *   clusterName: 'mlops', nodeRoleName: 'mlops-node', costTags: { project: 'p', 'cost-center': 'cc', environment: 'prod', team: 'ml-platform' },
 *   teams: [{ name: 'fraud', pools: [{ name: 'fraud-training', instanceFamilies: ['g6'], gpuLimit: 8 }] }],
 * });
 */
export class PlatformCharts {
  /** Karpenter node pools and node classes (needs the Karpenter CRDs). */
  public readonly nodePools: Chart;
  /** Team namespaces, quotas, limit ranges and RBAC (core kinds only). */
  public readonly teams: Chart;
  /** Kueue flavors, priority classes and team queues (needs the Kueue CRDs and the team namespaces). */
  public readonly queues: Chart;
  /** Every GPU pool (the teams' and the shared ones), by pool name. */
  public readonly gpuPools: Readonly<Record<string, GpuNodePool>>;
  /** Every CPU pool, by pool name. */
  public readonly cpuPools: Readonly<Record<string, CpuNodePool>>;
  /** Each team's namespace, by team name (teams with a pool or a quota only). */
  public readonly gpuTeams: Readonly<Record<string, GpuTeam>>;
  /** The Kueue queues of every team. */
  public readonly teamQueues: GpuTeamQueues;
  /** What {@link GpuTeamQueues.addTeam} made for each team, by team name. */
  public readonly queuesByTeam: Readonly<Record<string, TeamQueue>>;

  /**
   * @throws MlopsStackError listing every problem of the teams' configuration, each named by its path
   *   (`teams[1].pools[0].gpuLimit`)
   */
  constructor(app: App, props: PlatformChartsProps) {
    const schema = props.tagSchema ?? TagSchema.DEFAULT;
    const platformTags = props.costTags;
    throwIfProblems(app, 'invalid platform teams', teamProblems({
      teams: props.teams,
      platformTeam: platformTags[schema.teamKey] ?? '',
      cluster: props,
      schema,
    }));
    const cluster = {
      clusterName: props.clusterName,
      nodeRoleName: props.nodeRoleName,
      discoveryTagValue: props.discoveryTagValue,
      tagSchema: schema,
    };

    // Construct ids follow the configured names, so an id never depends on where an entry sits in a list.
    this.nodePools = new Chart(app, 'GpuNodePools', { disableResourceNameHashes: true });
    const gpuPools: Record<string, GpuNodePool> = {};
    const cpuPools: Record<string, CpuNodePool> = {};
    for (const team of props.teams) {
      for (const { quota: _quota, ...pool } of team.pools ?? []) {
        gpuPools[pool.name] = new GpuNodePool(this.nodePools, pascalCase(pool.name), {
          ...cluster, ...pool, tenancy: PoolTenancy.dedicated(team.name), costTags: schema.forTeam(platformTags, team.name),
        });
      }
    }
    for (const pool of props.sharedPools ?? []) {
      gpuPools[pool.name] = new GpuNodePool(this.nodePools, pascalCase(pool.name), {
        ...cluster, ...pool, tenancy: PoolTenancy.shared(), costTags: platformTags,
      });
    }
    for (const pool of props.cpuPools ?? []) {
      cpuPools[pool.name] = new CpuNodePool(this.nodePools, pascalCase(pool.name), {
        ...cluster, ...pool, tenancy: PoolTenancy.shared(), costTags: platformTags,
      });
    }

    this.teams = new Chart(app, 'GpuTeams', { disableResourceNameHashes: true });
    const gpuTeams: Record<string, GpuTeam> = {};
    const queued = props.teams.filter(hasClusterWork);
    for (const team of queued) {
      gpuTeams[team.name] = new GpuTeam(this.teams, pascalCase(team.name), {
        ...team.namespace,
        name: team.name,
        costTags: schema.forTeam(platformTags, team.name),
        tagSchema: schema,
        maxGpus: team.maxGpus ?? defaultMaxGpus(team),
      });
    }

    this.queues = new Chart(app, 'GpuQueues', { disableResourceNameHashes: true });
    this.teamQueues = new GpuTeamQueues(this.queues, 'Kueue', { ...props.queues, costTags: platformTags, tagSchema: schema });
    const queuesByTeam: Record<string, TeamQueue> = {};
    for (const team of queued) {
      queuesByTeam[team.name] = this.teamQueues.addTeam(gpuTeams[team.name], {
        gpuPools: [
          ...(team.pools ?? []).map(p => ({ ...(p.quota ?? defaultQuota(p)), pool: gpuPools[p.name] })),
          ...(team.sharedPools ?? []).map(({ pool, ...quota }) => ({ ...quota, pool: gpuPools[pool] })),
        ],
        cpuPool: team.cpuQuota ? { ...team.cpuQuota, pool: cpuPools[team.cpuQuota.pool] } : undefined,
      });
    }

    this.gpuPools = gpuPools;
    this.cpuPools = cpuPools;
    this.gpuTeams = gpuTeams;
    this.queuesByTeam = queuesByTeam;
  }

  /** The charts in the order they must be applied: node pools, teams, queues. */
  public get all(): Chart[] {
    return [this.nodePools, this.teams, this.queues];
  }
}

/** The whole pool on its first capacity type (spot when it buys spot). */
function defaultQuota(pool: TeamPoolConfig): TeamPoolQuota {
  const strategy = pool.capacityStrategy ?? CapacityStrategy.spotWithOnDemandFallback();
  return strategy.kind === CapacityStrategyKind.ON_DEMAND_ONLY ? { onDemandGpus: pool.gpuLimit } : { spotGpus: pool.gpuLimit };
}
