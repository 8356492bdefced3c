import { Construct } from 'constructs';
import { CAPACITY_TYPE_LABEL, NVIDIA_GPU_RESOURCE, type GpuNodePool } from './gpu-node-pool';
import type { GpuTeam } from './gpu-team';
import {
  ClusterQueueV1Beta2,
  ClusterQueueV1Beta2SpecFlavorFungibilityWhenCanBorrow,
  ClusterQueueV1Beta2SpecFlavorFungibilityWhenCanPreempt,
  ClusterQueueV1Beta2SpecPreemptionBorrowWithinCohortPolicy,
  ClusterQueueV1Beta2SpecPreemptionReclaimWithinCohort,
  ClusterQueueV1Beta2SpecPreemptionWithinClusterQueue,
  ClusterQueueV1Beta2SpecResourceGroupsFlavorsResourcesBorrowingLimit as BorrowingLimit,
  ClusterQueueV1Beta2SpecResourceGroupsFlavorsResourcesNominalQuota as NominalQuota,
  LocalQueueV1Beta2,
  ResourceFlavorV1Beta2,
  WorkloadPriorityClassV1Beta2,
  type ClusterQueueV1Beta2SpecResourceGroupsFlavors,
} from './imports/kueue-kueue.x-k8s.io';
import { K8sWarnings } from './k8s-warnings';
import { throwIfProblems } from './private/errors';
import { costLabelsOf, dnsLabelProblem, isPositiveInteger, resolvedTags } from './private/k8s-values';
import { TagSchema, type CostTags } from '../../src/tags/tag-schema';

/** Name of the Kueue ResourceFlavor for spot capacity. */
export const SPOT_FLAVOR = 'spot';
/** Name of the Kueue ResourceFlavor for on-demand capacity. */
export const ON_DEMAND_FLAVOR = 'on-demand';

/**
 * A Kueue `WorkloadPriorityClass`: workloads name it with the `kueue.x-k8s.io/priority-class` label.
 *
 * @see https://kueue.sigs.k8s.io/docs/concepts/workload_priority_class/
 */
export interface WorkloadPriority {
  /** Name of the class (a DNS-1123 label). */
  readonly name: string;
  /** Priority; higher preempts lower. */
  readonly value: number;
  /**
   * What the class is for.
   *
   * @default - none
   */
  readonly description?: string;
}

/**
 * Properties of {@link GpuTeamQueues}. Plain values only, so the chart synthesizes on its own.
 */
export interface GpuTeamQueuesProps {
  /**
   * The Kueue cohort every team's ClusterQueue joins; queues in a cohort lend unused quota to each other.
   *
   * @default 'gpu-teams'
   * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#cohort
   */
  readonly cohortName?: string;

  /**
   * Workload priority classes, from most to least important. A workload may preempt lower-priority ones in
   * its own queue, and while borrowing, those of other queues at or below the lowest class's value.
   *
   * @default - `production` (1000) and `experiment` (100)
   */
  readonly priorities?: WorkloadPriority[];

  /**
   * The GPU node pools of the cluster, to warn when a team's quota can never be met by any pool.
   *
   * @default - no check
   */
  readonly nodePools?: GpuNodePool[];

  /**
   * Cost-attribution tags of whoever runs the shared objects (flavors, priority classes), as labels.
   *
   * @default - the shared objects carry no cost labels
   */
  readonly costTags?: CostTags;

  /**
   * The tag schema the tags follow.
   *
   * @default TagSchema.DEFAULT
   */
  readonly tagSchema?: TagSchema;
}

/**
 * A team's GPU quota in Kueue, per capacity flavor.
 */
export interface TeamQueueOptions {
  /**
   * GPUs the team is guaranteed on spot capacity (nominal quota of the `spot` flavor).
   *
   * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#resources
   */
  readonly nominalGpus: number;

  /**
   * GPUs the team is guaranteed on on-demand capacity (nominal quota of the `on-demand` flavor), used when
   * its spot quota is taken.
   *
   * @default - `nominalGpus`
   */
  readonly onDemandNominalGpus?: number;

  /**
   * GPUs the team may borrow, per flavor, from quota other teams of the cohort leave unused. Borrowed quota
   * is reclaimed (by preemption) when its owner needs it.
   *
   * @default - `nominalGpus`
   * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#borrowinglimit
   */
  readonly borrowingLimitGpus?: number;

  /**
   * CPU cores of quota per GPU of quota (CPU and memory must be covered too, or Kueue refuses pods that
   * request them).
   *
   * @default 16
   */
  readonly cpusPerGpu?: number;

  /**
   * GiB of memory quota per GPU of quota.
   *
   * @default 128
   */
  readonly memoryGiBPerGpu?: number;
}

/**
 * The queues {@link GpuTeamQueues.addTeam} created for a team.
 */
export interface TeamQueue {
  /** The team's ClusterQueue (cluster-scoped). */
  readonly clusterQueueName: string;
  /** The LocalQueue in the team's namespace: workloads set the `kueue.x-k8s.io/queue-name` label to it. */
  readonly localQueueName: string;
}

/**
 * Fair sharing of GPU quota between teams with Kueue.
 *
 * Creates `spot` and `on-demand` ResourceFlavors keyed on `karpenter.sh/capacity-type` and the workload
 * priority classes; {@link addTeam} gives a team a ClusterQueue in the shared cohort (spot flavor first,
 * on-demand second, borrowing up to a limit, preemption by priority) and a LocalQueue in its namespace.
 *
 * Flavor fungibility: a workload that does not fit the team's spot quota moves on to its on-demand quota;
 * one that would fit spot by borrowing borrows (spot stays cheaper), and one that would need to preempt on
 * spot tries on-demand quota first.
 *
 * **Quota fallback is not capacity fallback.** Kueue admits a workload against quota, then sets its pods'
 * node selector from the flavor (`karpenter.sh/capacity-type: spot`). If EC2 then has no spot capacity, the
 * pods stay pending: Kueue does not move them to on-demand. Karpenter cannot either, because the selector
 * forbids on-demand. Capacity fallback comes from the node pools: pods that are not pinned to a flavor (not
 * queued, e.g. serving) get spot-then-on-demand from a `spotWithOnDemandFallback()` pool; queued work falls
 * back when its spot quota is used up, onto on-demand quota backed by an on-demand-capable pool (a weighted
 * pair gives it its own limit). To also requeue work whose spot pods cannot start, enable Kueue's
 * `waitForPodsReady` with requeuing in the Kueue configuration.
 *
 * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#flavorfungibility
 * @see https://kueue.sigs.k8s.io/docs/tasks/manage/setup_wait_for_pods_ready/
 */
export class GpuTeamQueues extends Construct {
  /** The cohort every team's ClusterQueue joins. */
  public readonly cohortName: string;
  /** The priority classes, most important first. */
  public readonly priorities: readonly WorkloadPriority[];

  private readonly nodePools: readonly GpuNodePool[];
  private readonly teams = new Set<string>();

  constructor(scope: Construct, id: string, props: GpuTeamQueuesProps = {}) {
    super(scope, id);
    this.cohortName = props.cohortName ?? 'gpu-teams';
    this.priorities = props.priorities ?? [
      { name: 'production', value: 1000, description: 'Production training and batch inference' },
      { name: 'experiment', value: 100, description: 'Experiments; preempted by production work' },
    ];
    this.nodePools = props.nodePools ?? [];
    const schema = props.tagSchema ?? TagSchema.DEFAULT;

    const problems: string[] = [];
    const cohortProblem = dnsLabelProblem('cohortName', this.cohortName);
    if (cohortProblem) {
      problems.push(cohortProblem);
    }
    if (this.priorities.length === 0) {
      problems.push('priorities must not be empty; leave it out for production/experiment or list the classes');
    }
    this.priorities.forEach((p, i) => {
      const nameProblem = dnsLabelProblem(`priorities[${i}].name`, p.name);
      if (nameProblem) {
        problems.push(nameProblem);
      }
      if (!Number.isInteger(p.value)) {
        problems.push(`priorities[${i}].value (${p.value}) must be a whole number`);
      }
    });
    if (props.costTags) {
      problems.push(...schema.problems(resolvedTags(props.costTags)).map(p => `costTags: ${p.message}`));
    }
    throwIfProblems(this, 'invalid GpuTeamQueues properties', problems);
    const labels = props.costTags ? costLabelsOf(schema, props.costTags, this.node.path) : undefined;

    for (const [flavorId, name, capacityType] of [['SpotFlavor', SPOT_FLAVOR, 'spot'], ['OnDemandFlavor', ON_DEMAND_FLAVOR, 'on-demand']]) {
      new ResourceFlavorV1Beta2(this, flavorId, {
        metadata: { name, labels },
        spec: { nodeLabels: { [CAPACITY_TYPE_LABEL]: capacityType } },
      });
    }
    for (const p of this.priorities) {
      new WorkloadPriorityClassV1Beta2(this, `Priority-${p.name}`, {
        metadata: { name: p.name, labels },
        value: p.value,
        description: p.description,
      });
    }
  }

  /**
   * Give a team a ClusterQueue in the cohort and a LocalQueue in its namespace.
   */
  public addTeam(team: GpuTeam, options: TeamQueueOptions): TeamQueue {
    const spotGpus = options.nominalGpus;
    const onDemandGpus = options.onDemandNominalGpus ?? spotGpus;
    const borrowing = options.borrowingLimitGpus ?? spotGpus;
    const cpusPerGpu = options.cpusPerGpu ?? 16;
    const memoryPerGpu = options.memoryGiBPerGpu ?? 128;

    const problems: string[] = [];
    if (this.teams.has(team.name)) {
      problems.push(`team "${team.name}" already has queues; call addTeam once per team`);
    }
    // Defaults derived from nominalGpus are not reported again: the user did not set them.
    for (const [prop, value] of [['nominalGpus', spotGpus], ['onDemandNominalGpus', options.onDemandNominalGpus],
      ['cpusPerGpu', cpusPerGpu], ['memoryGiBPerGpu', memoryPerGpu]] as const) {
      if (value !== undefined && !isPositiveInteger(value)) {
        problems.push(`addTeam(${team.name}): ${prop} (${value}) must be a whole number greater than 0`);
      }
    }
    if (options.borrowingLimitGpus !== undefined && (!Number.isInteger(borrowing) || borrowing < 0)) {
      problems.push(`addTeam(${team.name}): borrowingLimitGpus (${borrowing}) must be a whole number, 0 or more (0 disables borrowing)`);
    }
    throwIfProblems(this, 'invalid team queue options', problems);
    this.teams.add(team.name);
    this.warnIfQuotaUnreachable(team, spotGpus, onDemandGpus, borrowing);

    const flavor = (name: string, gpus: number): ClusterQueueV1Beta2SpecResourceGroupsFlavors => ({
      name,
      resources: [
        { name: 'cpu', nominalQuota: NominalQuota.fromNumber(gpus * cpusPerGpu), borrowingLimit: BorrowingLimit.fromNumber(borrowing * cpusPerGpu) },
        { name: 'memory', nominalQuota: NominalQuota.fromString(`${gpus * memoryPerGpu}Gi`), borrowingLimit: BorrowingLimit.fromString(`${borrowing * memoryPerGpu}Gi`) },
        { name: NVIDIA_GPU_RESOURCE, nominalQuota: NominalQuota.fromNumber(gpus), borrowingLimit: BorrowingLimit.fromNumber(borrowing) },
      ],
    });
    const lowest = Math.min(...this.priorities.map(p => p.value));
    const scope = new Construct(this, `Team-${team.name}`);
    new ClusterQueueV1Beta2(scope, 'ClusterQueue', {
      metadata: { name: team.name, labels: team.costLabels },
      spec: {
        cohortName: this.cohortName,
        // Only the team's own namespace may point a LocalQueue at this quota.
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': team.namespaceName } },
        resourceGroups: [{
          coveredResources: ['cpu', 'memory', NVIDIA_GPU_RESOURCE],
          // Order matters: Kueue tries flavors in this order, so spot quota is used first.
          flavors: [flavor(SPOT_FLAVOR, spotGpus), flavor(ON_DEMAND_FLAVOR, onDemandGpus)],
        }],
        flavorFungibility: {
          whenCanBorrow: ClusterQueueV1Beta2SpecFlavorFungibilityWhenCanBorrow.MAY_STOP_SEARCH,
          whenCanPreempt: ClusterQueueV1Beta2SpecFlavorFungibilityWhenCanPreempt.TRY_NEXT_FLAVOR,
        },
        preemption: {
          withinClusterQueue: ClusterQueueV1Beta2SpecPreemptionWithinClusterQueue.LOWER_PRIORITY,
          reclaimWithinCohort: ClusterQueueV1Beta2SpecPreemptionReclaimWithinCohort.ANY,
          borrowWithinCohort: {
            policy: ClusterQueueV1Beta2SpecPreemptionBorrowWithinCohortPolicy.LOWER_PRIORITY,
            maxPriorityThreshold: lowest,
          },
        },
      },
    });
    new LocalQueueV1Beta2(scope, 'LocalQueue', {
      metadata: { name: team.name, namespace: team.namespaceName, labels: team.costLabels },
      spec: { clusterQueue: team.name },
    });
    return { clusterQueueName: team.name, localQueueName: team.name };
  }

  private warnIfQuotaUnreachable(team: GpuTeam, spotGpus: number, onDemandGpus: number, borrowing: number): void {
    // Each flavor can be used to its nominal quota plus its borrowing limit at the same time.
    const admissible = spotGpus + onDemandGpus + 2 * borrowing;
    if (admissible > team.maxGpus) {
      K8sWarnings.add(this, 'kueue-quota-exceeds-namespace-quota',
        `team "${team.name}": Kueue may admit up to ${admissible} GPUs (spot ${spotGpus} + on-demand ${onDemandGpus} nominal, ` +
        `plus ${borrowing} borrowed on each flavor) but the namespace ResourceQuota allows ${team.maxGpus}; pods of admitted ` +
        'work beyond it are refused. Raise the team\'s maxGpus or lower the Kueue quota.');
    }
    if (this.nodePools.length === 0) {
      return;
    }
    for (const [flavor, gpus, limitOf] of [
      [SPOT_FLAVOR, spotGpus, (p: GpuNodePool) => p.spotGpuLimit],
      [ON_DEMAND_FLAVOR, onDemandGpus, (p: GpuNodePool) => p.onDemandGpuLimit],
    ] as const) {
      const limits = this.nodePools.map(limitOf).filter((l): l is number => l !== undefined);
      const largest = limits.length > 0 ? Math.max(...limits) : 0;
      if (gpus > largest) {
        K8sWarnings.add(this, 'team-quota-exceeds-pools',
          `team "${team.name}": ${flavor} quota of ${gpus} GPUs is larger than every node pool's ${flavor} GPU limit ` +
          `(largest: ${largest}); work admitted on that quota stays pending. Raise a pool's gpuLimit or lower the quota.`);
      }
    }
  }
}
