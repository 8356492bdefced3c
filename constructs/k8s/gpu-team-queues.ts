import { Construct } from 'constructs';
import type { CpuNodePool } from './cpu-node-pool';
import type { GpuNodePool } from './gpu-node-pool';
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
import { CAPACITY_TYPE_LABEL, NVIDIA_GPU_RESOURCE, POOL_LABEL } from './labels';
import { CapacityType, type KarpenterPool } from './node-pool-base';
import { PoolTenancyKind } from './pool-tenancy';
import { throwIfProblems } from './private/errors';
import { costLabelsOf, dnsLabelProblem, INT32_MAX, resolvedTags } from './private/k8s-values';
import { TagSchema, type CostTags } from '../../src/tags/tag-schema';

/**
 * A Kueue `WorkloadPriorityClass`: workloads name it with the `kueue.x-k8s.io/priority-class` label.
 *
 * @see https://kueue.sigs.k8s.io/docs/concepts/workload_priority_class/
 */
export interface WorkloadPriority {
  /** Name of the class (a DNS-1123 label), unique among the classes. */
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
   * The Kueue cohort every team's ClusterQueue joins; queues in a cohort lend unused quota of shared pools
   * to each other.
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
   * Cost-attribution tags of whoever runs the shared objects (priority classes), as labels. Flavors carry the
   * labels of their pool.
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
 * A team's quota on one GPU pool, per capacity type. Each capacity type given becomes a Kueue flavor of the
 * team's ClusterQueue that places work on that pool and buys that capacity.
 */
export interface GpuPoolQuota {
  /** The pool: dedicated to the team or shared. */
  readonly pool: GpuNodePool;

  /**
   * GPUs the team is guaranteed on the pool's spot capacity (nominal quota of its spot flavor).
   *
   * @default - no spot flavor for this pool in the team's queue
   * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#resources
   */
  readonly spotGpus?: number;

  /**
   * GPUs the team is guaranteed on the pool's on-demand capacity (nominal quota of its on-demand flavor),
   * used when its spot quota is taken.
   *
   * @default - no on-demand flavor for this pool in the team's queue
   */
  readonly onDemandGpus?: number;

  /**
   * GPUs the team may borrow, per flavor, from the quota other teams leave unused on a shared pool. Borrowed
   * quota is reclaimed (by preemption) when its owner needs it. A dedicated pool has no other team to borrow
   * from, so only 0 is allowed there.
   *
   * @default - 0 on a dedicated pool; the larger of the two nominal quotas on a shared pool
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
 * A team's quota on the CPU pool, for its CPU-only work.
 */
export interface CpuPoolQuota {
  /** The CPU pool. */
  readonly pool: CpuNodePool;

  /**
   * vCPUs the team is guaranteed on the pool's spot capacity.
   *
   * @default - no spot flavor for this pool in the team's queue
   */
  readonly spotCpus?: number;

  /**
   * vCPUs the team is guaranteed on the pool's on-demand capacity.
   *
   * @default - no on-demand flavor for this pool in the team's queue
   */
  readonly onDemandCpus?: number;

  /**
   * GiB of memory quota per vCPU of quota.
   *
   * @default 8
   */
  readonly memoryGiBPerCpu?: number;

  /**
   * vCPUs the team may borrow, per flavor, from other teams' unused quota on a shared pool (0 on a dedicated
   * pool).
   *
   * @default - as for GPU pools
   */
  readonly borrowingLimitCpus?: number;
}

/**
 * Where a team's queued work may run: its quota per pool.
 */
export interface TeamQueueOptions {
  /**
   * Quota on GPU pools. The team's ClusterQueue lists the flavors of its dedicated pools first, then those of
   * shared pools, each pool in the order given and its spot flavor before its on-demand one; Kueue admits a
   * workload on the first flavor with room.
   */
  readonly gpuPools: GpuPoolQuota[];

  /**
   * Quota on the CPU pool, for work that requests no GPU.
   *
   * @default - the team's queued work must request GPUs
   */
  readonly cpuPool?: CpuPoolQuota;
}

/**
 * One flavor of a team's ClusterQueue: which pool and capacity type it places work on.
 */
export interface TeamFlavor {
  /** Name of the ResourceFlavor. */
  readonly flavorName: string;
  /** The pool its `nodeLabels` select. */
  readonly pool: KarpenterPool;
  /** The capacity type its `nodeLabels` select. */
  readonly capacityType: CapacityType;
}

/**
 * The queues {@link GpuTeamQueues.addTeam} created for a team.
 */
export interface TeamQueue {
  /** The team's ClusterQueue (cluster-scoped). */
  readonly clusterQueueName: string;
  /** The LocalQueue in the team's namespace: workloads set the `kueue.x-k8s.io/queue-name` label to it. */
  readonly localQueueName: string;
  /** The flavors of the ClusterQueue, in the order Kueue tries them. */
  readonly flavors: readonly TeamFlavor[];
}

interface FlavorPlan {
  readonly pool: KarpenterPool;
  readonly capacityType: CapacityType;
  readonly gpus: number;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly borrowGpus: number;
  readonly borrowCpus: number;
  readonly borrowMemoryGiB: number;
}

/**
 * Fair sharing of GPU quota between teams with Kueue, pool by pool.
 *
 * {@link addTeam} gives a team a ClusterQueue in the shared cohort and a LocalQueue in its namespace, with one
 * flavor per pool and capacity type it has quota on. Each flavor's `nodeLabels` select its pool
 * (`mlops-stack.io/pool`) and capacity type (`karpenter.sh/capacity-type`), its `tolerations` carry the
 * pool's taint (Kueue adds both to the pods it admits), and a GPU flavor lists the `nvidia.com/gpu` taint in
 * `nodeTaints`, so work that requests no GPU is never admitted on a GPU pool. A team's queue lists only its
 * own (dedicated) pools and shared pools: a pool dedicated to another team is an error. Quota is per pool, so
 * an L4 pool and an H100 pool are separate quotas.
 *
 * Flavor fungibility: a workload that does not fit a flavor's quota moves on to the next flavor; one that
 * would fit by borrowing borrows, and one that would need to preempt tries the next flavor first.
 *
 * **Quota fallback is not capacity fallback.** Kueue admits a workload against quota, then pins its pods to
 * the flavor's pool and capacity type. If EC2 has no spot capacity, the pods stay pending; with
 * `waitForPodsReady` (which `GpuCluster` configures) Kueue evicts and requeues the workload after the timeout,
 * releasing its quota. Re-admission starts again from the first flavor with room, so it reaches on-demand
 * quota once spot quota is taken; unqueued pods (e.g. serving) pinned to a `spotWithOnDemandFallback()` pool
 * get Karpenter's own spot-then-on-demand fallback.
 *
 * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#flavorfungibility
 * @see https://kueue.sigs.k8s.io/docs/concepts/resource_flavor/
 */
export class GpuTeamQueues extends Construct {
  /** The cohort every team's ClusterQueue joins. */
  public readonly cohortName: string;
  /** The priority classes, most important first. */
  public readonly priorities: readonly WorkloadPriority[];

  private readonly teams = new Set<string>();
  private readonly flavors = new Map<string, ResourceFlavorV1Beta2>();
  // Nominal GPUs per NodePool name across all teams, to warn when teams are promised more than a pool holds.
  private readonly committed = new Map<string, { pool: GpuNodePool; gpus: number }>();

  constructor(scope: Construct, id: string, props: GpuTeamQueuesProps = {}) {
    super(scope, id);
    this.cohortName = props.cohortName ?? 'gpu-teams';
    this.priorities = props.priorities ?? [
      { name: 'production', value: 1000, description: 'Production training and batch inference' },
      { name: 'experiment', value: 100, description: 'Experiments; preempted by production work' },
    ];
    const schema = props.tagSchema ?? TagSchema.DEFAULT;

    const problems: string[] = [];
    const cohortProblem = dnsLabelProblem('cohortName', this.cohortName);
    if (cohortProblem) {
      problems.push(cohortProblem);
    }
    if (this.priorities.length === 0) {
      problems.push('priorities must not be empty; leave it out for production/experiment or list the classes');
    }
    const seen = new Set<string>();
    this.priorities.forEach((p, i) => {
      const nameProblem = dnsLabelProblem(`priorities[${i}].name`, p.name);
      if (nameProblem) {
        problems.push(nameProblem);
      }
      if (seen.has(p.name)) {
        problems.push(`priorities[${i}].name ("${p.name}") is listed twice; each priority class needs its own name`);
      }
      seen.add(p.name);
      if (!Number.isInteger(p.value) || Math.abs(p.value) > INT32_MAX) {
        problems.push(`priorities[${i}].value (${p.value}) must be a whole number from -${INT32_MAX} to ${INT32_MAX}`);
      }
    });
    if (props.costTags) {
      problems.push(...schema.problems(resolvedTags(props.costTags)).map(p => `costTags: ${p.message}`));
    }
    throwIfProblems(this, 'invalid GpuTeamQueues properties', problems);
    const labels = props.costTags ? costLabelsOf(schema, props.costTags, this.node.path) : undefined;

    for (const p of this.priorities) {
      new WorkloadPriorityClassV1Beta2(this, `Priority-${p.name}`, {
        metadata: { name: p.name, labels },
        value: p.value,
        description: p.description,
      });
    }
  }

  /**
   * Give a team a ClusterQueue in the cohort, with a flavor per pool and capacity type it has quota on, and a
   * LocalQueue in its namespace. The team then knows its queue: `GpuWorkload.requestGpus(job, { team })` submits
   * to it.
   */
  public addTeam(team: GpuTeam, options: TeamQueueOptions): TeamQueue {
    const plans = this.plan(team, options);
    this.teams.add(team.name);
    this.warnIfQuotaUnreachable(team, plans);

    const flavorRefs: TeamFlavor[] = [];
    const flavorSpecs: ClusterQueueV1Beta2SpecResourceGroupsFlavors[] = plans.map(plan => {
      const flavorName = this.flavorFor(plan.pool, plan.capacityType);
      flavorRefs.push({ flavorName, pool: plan.pool, capacityType: plan.capacityType });
      return {
        name: flavorName,
        resources: [
          { name: 'cpu', nominalQuota: NominalQuota.fromNumber(plan.cpus), borrowingLimit: BorrowingLimit.fromNumber(plan.borrowCpus) },
          { name: 'memory', nominalQuota: NominalQuota.fromString(`${plan.memoryGiB}Gi`), borrowingLimit: BorrowingLimit.fromString(`${plan.borrowMemoryGiB}Gi`) },
          { name: NVIDIA_GPU_RESOURCE, nominalQuota: NominalQuota.fromNumber(plan.gpus), borrowingLimit: BorrowingLimit.fromNumber(plan.borrowGpus) },
        ],
      };
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
          // Order matters: Kueue tries flavors in this order.
          flavors: flavorSpecs,
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
    const pools = [...new Set(plans.map(p => p.pool))];
    team._bindQueue({
      localQueueName: team.name,
      clusterQueueName: team.name,
      pools,
      priorityClassNames: this.priorities.map(p => p.name),
    });
    return { clusterQueueName: team.name, localQueueName: team.name, flavors: flavorRefs };
  }

  /** The ResourceFlavor placing work on `pool`'s `capacityType` capacity, created on first use. */
  private flavorFor(pool: KarpenterPool, capacityType: CapacityType): string {
    const name = `${pool.poolName}-${capacityType}`;
    if (!this.flavors.has(name)) {
      const poolTaint = pool.taints.find(t => t.key === POOL_LABEL)!;
      const otherTaints = pool.taints.filter(t => t !== poolTaint);
      this.flavors.set(name, new ResourceFlavorV1Beta2(this, `Flavor-${name}`, {
        metadata: { name, labels: pool.costLabels },
        spec: {
          nodeLabels: { ...pool.nodeSelector, [CAPACITY_TYPE_LABEL]: capacityType },
          // The GPU taint is checked, not added: only pods that request GPUs (and so tolerate it) are admitted.
          nodeTaints: otherTaints.length > 0 ? otherTaints.map(t => ({ key: t.key, value: t.value, effect: t.effect })) : undefined,
          // The pool's own taint is added to admitted pods: admission to this flavor is what lets them on the pool.
          tolerations: [{ key: poolTaint.key, operator: 'Equal', value: poolTaint.value, effect: poolTaint.effect }],
        },
      }));
    }
    return name;
  }

  private plan(team: GpuTeam, options: TeamQueueOptions): FlavorPlan[] {
    const problems: string[] = [];
    const where = `addTeam(${team.name})`;
    if (this.teams.has(team.name)) {
      problems.push(`team "${team.name}" already has queues; call addTeam once per team`);
    }
    const gpuPools = options.gpuPools ?? [];
    if (gpuPools.length === 0 && !options.cpuPool) {
      problems.push(`${where}: gpuPools is empty and there is no cpuPool; give the team quota on at least one pool`);
    }
    const listed = new Set<KarpenterPool>();
    const dedicated: FlavorPlan[] = [];
    const shared: FlavorPlan[] = [];
    const check = (prop: string, value: number | undefined, min = 1) => {
      if (value !== undefined && (!Number.isInteger(value) || value < min || value > INT32_MAX)) {
        problems.push(`${where}: ${prop} (${value}) must be a whole number from ${min} to ${INT32_MAX}`);
      }
    };
    const poolProblems = (prop: string, pool: KarpenterPool, spot: number | undefined, onDemand: number | undefined, unit: string): boolean => {
      let ok = true;
      if (listed.has(pool)) {
        problems.push(`${where}: ${prop} lists pool "${pool.poolName}" twice; give its spot and on-demand quota in one entry`);
        ok = false;
      }
      listed.add(pool);
      if (!pool.tenancy.allows(team.name)) {
        problems.push(`${where}: ${prop}: pool "${pool.poolName}" is ${pool.tenancy.describe()} and billed to "${pool.billedTo}"; ` +
          `team "${team.name}" may use its own pools (PoolTenancy.dedicated('${team.name}')) and shared ones`);
        ok = false;
      }
      if (spot === undefined && onDemand === undefined) {
        problems.push(`${where}: ${prop} gives no quota on pool "${pool.poolName}"; set spot${unit} and/or onDemand${unit}`);
        ok = false;
      }
      for (const [ct, value] of [[CapacityType.SPOT, spot], [CapacityType.ON_DEMAND, onDemand]] as const) {
        if (value !== undefined && !pool.buys(ct)) {
          problems.push(`${where}: ${prop} gives ${ct} quota on pool "${pool.poolName}", which buys ${pool.capacity.map(c => c.capacityType).join(' and ')} ` +
            'only; work admitted there would never get a node');
          ok = false;
        }
      }
      return ok;
    };

    gpuPools.forEach((q, i) => {
      const prop = `gpuPools[${i}]`;
      check(`${prop}.spotGpus`, q.spotGpus);
      check(`${prop}.onDemandGpus`, q.onDemandGpus);
      check(`${prop}.borrowingLimitGpus`, q.borrowingLimitGpus, 0);
      check(`${prop}.cpusPerGpu`, q.cpusPerGpu);
      check(`${prop}.memoryGiBPerGpu`, q.memoryGiBPerGpu);
      if (q.pool.kind !== 'gpu') {
        problems.push(`${where}: ${prop}.pool "${q.pool.poolName}" is a CPU pool; give it as cpuPool`);
        return;
      }
      if (!poolProblems(prop, q.pool, q.spotGpus, q.onDemandGpus, 'Gpus')) {
        return;
      }
      const isShared = q.pool.tenancy.kind === PoolTenancyKind.SHARED;
      if (!isShared && (q.borrowingLimitGpus ?? 0) > 0) {
        problems.push(`${where}: ${prop}.borrowingLimitGpus (${q.borrowingLimitGpus}) must be 0 on pool "${q.pool.poolName}", which is ` +
          'dedicated: no other team has quota there to lend');
      }
      const borrow = q.borrowingLimitGpus ?? (isShared ? Math.max(q.spotGpus ?? 0, q.onDemandGpus ?? 0) : 0);
      const cpusPerGpu = q.cpusPerGpu ?? 16;
      const memoryPerGpu = q.memoryGiBPerGpu ?? 128;
      for (const [ct, gpus] of [[CapacityType.SPOT, q.spotGpus], [CapacityType.ON_DEMAND, q.onDemandGpus]] as const) {
        if (gpus !== undefined) {
          (isShared ? shared : dedicated).push({
            pool: q.pool,
            capacityType: ct,
            gpus,
            cpus: gpus * cpusPerGpu,
            memoryGiB: gpus * memoryPerGpu,
            borrowGpus: borrow,
            borrowCpus: borrow * cpusPerGpu,
            borrowMemoryGiB: borrow * memoryPerGpu,
          });
        }
      }
    });

    const cpu: FlavorPlan[] = [];
    const c = options.cpuPool;
    if (c) {
      check('cpuPool.spotCpus', c.spotCpus);
      check('cpuPool.onDemandCpus', c.onDemandCpus);
      check('cpuPool.memoryGiBPerCpu', c.memoryGiBPerCpu);
      check('cpuPool.borrowingLimitCpus', c.borrowingLimitCpus, 0);
      if (c.pool.kind !== 'cpu') {
        problems.push(`${where}: cpuPool.pool "${c.pool.poolName}" is a GPU pool; give it in gpuPools`);
      } else if (poolProblems('cpuPool', c.pool, c.spotCpus, c.onDemandCpus, 'Cpus')) {
        const isShared = c.pool.tenancy.kind === PoolTenancyKind.SHARED;
        if (!isShared && (c.borrowingLimitCpus ?? 0) > 0) {
          problems.push(`${where}: cpuPool.borrowingLimitCpus (${c.borrowingLimitCpus}) must be 0 on pool "${c.pool.poolName}", which is dedicated`);
        }
        const borrow = c.borrowingLimitCpus ?? (isShared ? Math.max(c.spotCpus ?? 0, c.onDemandCpus ?? 0) : 0);
        const memoryPerCpu = c.memoryGiBPerCpu ?? 8;
        for (const [ct, cpus] of [[CapacityType.SPOT, c.spotCpus], [CapacityType.ON_DEMAND, c.onDemandCpus]] as const) {
          if (cpus !== undefined) {
            cpu.push({
              pool: c.pool,
              capacityType: ct,
              gpus: 0,
              cpus,
              memoryGiB: cpus * memoryPerCpu,
              borrowGpus: 0,
              borrowCpus: borrow,
              borrowMemoryGiB: borrow * memoryPerCpu,
            });
          }
        }
      }
    }
    throwIfProblems(this, 'invalid team queue options', problems);
    return [...dedicated, ...shared, ...cpu];
  }

  private warnIfQuotaUnreachable(team: GpuTeam, plans: FlavorPlan[]): void {
    // Each flavor can be used to its nominal quota plus its borrowing limit at the same time.
    const admissible = plans.reduce((sum, p) => sum + p.gpus + p.borrowGpus, 0);
    if (admissible > team.maxGpus) {
      K8sWarnings.add(this, 'kueue-quota-exceeds-namespace-quota',
        `team "${team.name}": Kueue may admit up to ${admissible} GPUs (${plans.filter(p => p.gpus > 0)
          .map(p => `${p.pool.poolName} ${p.capacityType} ${p.gpus}+${p.borrowGpus} borrowed`).join(', ')}) but the namespace ` +
        `ResourceQuota allows ${team.maxGpus}; pods of admitted work beyond it are refused. Raise the team's maxGpus or lower the Kueue quota.`);
    }
    for (const plan of plans) {
      if (plan.pool.kind !== 'gpu' || plan.gpus === 0) {
        continue;
      }
      const pool = plan.pool as GpuNodePool;
      const limit = pool.gpuLimitOf(plan.capacityType)!;
      if (plan.gpus + plan.borrowGpus > limit) {
        K8sWarnings.add(this, 'team-quota-exceeds-pools',
          `team "${team.name}": ${plan.capacityType} quota of ${plan.gpus} GPUs (+${plan.borrowGpus} borrowed) on pool "${pool.poolName}" is more than ` +
          `the pool's ${plan.capacityType} GPU limit of ${limit}; work admitted on that quota stays pending. Raise the pool's gpuLimit or lower the quota.`);
      }
      const nodePoolName = pool.capacity.find(c => c.capacityType === plan.capacityType)!.nodePoolName;
      const total = (this.committed.get(nodePoolName)?.gpus ?? 0) + plan.gpus;
      this.committed.set(nodePoolName, { pool, gpus: total });
      if (total > limit && plan.gpus <= limit) {
        K8sWarnings.add(this, 'pool-quota-overcommitted',
          `NodePool "${nodePoolName}" holds at most ${limit} GPUs, but teams are now guaranteed ${total} nominal GPUs on it (team ` +
          `"${team.name}" adds ${plan.gpus}); nominal quota is a promise Karpenter cannot keep. Raise the pool's gpuLimit or lower the quotas.`);
      }
    }
  }
}
