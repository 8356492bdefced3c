import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { GpuTeam } from './gpu-team';
import { CAPACITY_TYPE_LABEL, NVIDIA_GPU_RESOURCE, POOL_LABEL } from './labels';
import type { CapacityType, KarpenterPool } from './node-pool-base';
import { throwIfProblems } from './private/errors';
import { gpuRequestProblems, pinnedPoolProblems } from './private/placement-rules';

/** Label that submits a workload to a Kueue LocalQueue. */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
/** Label that gives a workload a Kueue WorkloadPriorityClass. */
export const KUEUE_PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';

/**
 * Options of {@link TeamWorkload.place}: whose work it is and where it runs.
 */
export interface PlaceWorkloadOptions {
  /**
   * The team that runs the workload. The workload goes into the team's namespace (an error if it already sits
   * in another one) and it and its pods carry the team's cost labels, so they are attributed like the team's
   * namespace and pools.
   */
  readonly team: GpuTeam;

  /**
   * A pool to pin the workload to, for work Kueue does not queue (serving Deployments, StatefulSets): the
   * pods select the pool's nodes and tolerate its taint. The pool must be dedicated to the team or shared.
   *
   * Without a pool the workload is queued: it is submitted to the team's LocalQueue and Kueue places it on
   * one of the team's flavors (the team needs `GpuTeamQueues.addTeam` first). Jobs in team namespaces are
   * always queued (Kueue manages Jobs there whether labelled or not), so a Job takes no pool.
   *
   * @default - queued through the team's Kueue queue
   */
  readonly pool?: KarpenterPool;

  /**
   * With `pool`: pin the capacity type too (e.g. on-demand for latency-critical serving).
   *
   * @default - any capacity type the pool buys, spot first
   */
  readonly capacityType?: CapacityType;

  /**
   * Kueue WorkloadPriorityClass of a queued workload (e.g. `production`, `experiment`); one of the classes of
   * the team's `GpuTeamQueues`.
   *
   * @default - Kueue's default priority
   * @see https://kueue.sigs.k8s.io/docs/concepts/workload_priority_class/
   */
  readonly priorityClassName?: string;
}

/**
 * Options of {@link GpuWorkload.requestGpus}.
 */
export interface RequestGpusOptions extends PlaceWorkloadOptions {
  /**
   * `nvidia.com/gpu` the container requests (its limit; Kubernetes sets the request equal). At most the
   * team's `maxGpusPerContainer`.
   */
  readonly gpus: number;

  /**
   * Which container of the pod gets the GPUs.
   *
   * @default 0
   */
  readonly containerIndex?: number;
}

const PLACED = new WeakSet<kplus.Workload>();

/**
 * Puts a cdk8s-plus workload (Job, Deployment, StatefulSet) in a team's namespace and on the capacity the
 * team may use, without GPUs; see {@link GpuWorkload.requestGpus} for GPU work.
 */
export class TeamWorkload {
  /**
   * Place `workload` for `options.team`: its namespace and cost labels, and either the team's Kueue queue or
   * a pinned pool.
   */
  public static place(workload: kplus.Workload, options: PlaceWorkloadOptions): void {
    throwIfProblems(workload, 'invalid workload placement', placementProblems(workload, options, 'place', false));
    applyPlacement(workload, options);
  }

  private constructor() {}
}

/**
 * Puts a cdk8s-plus workload (Job, Deployment, StatefulSet) on GPUs, for a team.
 *
 * cdk8s-plus has no field for extended resources such as `nvidia.com/gpu`, and a JSON patch with a plain
 * number is silently dropped when the object is rendered. This method adds the limit in the form that
 * survives, tolerates the `nvidia.com/gpu=true:NoSchedule` taint of GPU nodes, puts the workload in the
 * team's namespace with its cost labels, and either submits it to the team's Kueue queue (Kueue then adds the
 * node selection and toleration of the pool it admits the workload on) or pins it to a pool the team may use.
 * Users never write the patch themselves, and cannot place work on another team's pool.
 *
 * @see https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
 * @example
 * const job = new kplus.Job(chart, 'Train', { containers: [{ image }] });
 * GpuWorkload.requestGpus(job, { gpus: 4, team: fraud, priorityClassName: 'production' });
 */
export class GpuWorkload {
  /**
   * Request GPUs for one container of `workload`, and place it for the team.
   */
  public static requestGpus(workload: kplus.Workload, options: RequestGpusOptions): void {
    const index = options.containerIndex ?? 0;
    const problems = gpuRequestProblems(options.team, options.gpus).map(p => `requestGpus: ${p}`);
    if (!Number.isInteger(index) || index < 0 || index >= workload.containers.length) {
      problems.push(`requestGpus: containerIndex (${index}) must point at one of the workload's ${workload.containers.length} container(s); ` +
        'add the container before requesting GPUs for it');
    }
    const queue = options.team?.queue;
    if (!options.pool && queue && !queue.pools.some(p => p.kind === 'gpu')) {
      problems.push(`requestGpus: team "${options.team.name}"'s queue has no GPU pool, so Kueue could never admit GPU work; ` +
        'give the team quota on a GPU pool in GpuTeamQueues.addTeam');
    }
    problems.push(...placementProblems(workload, options, 'requestGpus', true));
    throwIfProblems(workload, 'invalid GPU request', problems);

    // Quantity, not a number: the L1's toJson re-maps limits through Quantity and drops anything else.
    ApiObject.of(workload).addJsonPatch(JsonPatch.add(`/spec/template/spec/containers/${index}/resources/limits/nvidia.com~1gpu`,
      kplus.k8s.Quantity.fromNumber(options.gpus)));
    workload.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.is(NVIDIA_GPU_RESOURCE, 'true', { effect: kplus.TaintEffect.NO_SCHEDULE })));
    applyPlacement(workload, options);
  }

  private constructor() {}
}

function placementProblems(workload: kplus.Workload, options: PlaceWorkloadOptions, method: string, gpu: boolean): string[] {
  const problems: string[] = [];
  const team = options.team;
  if (!team) {
    return [`${method}: team is required: every workload runs for a team, in its namespace and on pools it may use`];
  }
  if (PLACED.has(workload)) {
    problems.push(`${method}: the workload is already placed; call requestGpus or place once per workload`);
  }
  const namespace = workload.metadata.namespace;
  if (namespace !== undefined && namespace !== team.namespaceName) {
    problems.push(`${method}: the workload is in namespace "${namespace}", but team "${team.name}" runs in namespace "${team.namespaceName}"; ` +
      'leave metadata.namespace out (it is set to the team\'s) or use the team\'s namespace');
  }
  const pool = options.pool;
  if (pool) {
    problems.push(...pinnedPoolProblems(team, pool, options.capacityType, gpu).map(p => `${method}: ${p}`));
    if (workload instanceof kplus.Job) {
      problems.push(`${method}: a Job in a team namespace is always managed by Kueue, so it must be queued; leave pool out ` +
        '(Kueue places it on one of the team\'s flavors)');
    }
    if (options.priorityClassName) {
      problems.push(`${method}: priorityClassName applies to queued work only; a workload pinned to a pool is not queued`);
    }
  } else {
    if (options.capacityType) {
      problems.push(`${method}: capacityType needs a pool; queued work gets its capacity type from the Kueue flavor that admits it`);
    }
    const queue = team.queue;
    if (!queue) {
      problems.push(`${method}: team "${team.name}" has no Kueue queue, so the workload would never be admitted; call ` +
        'GpuTeamQueues.addTeam(team, ...) first, or pin the workload to a pool (for work Kueue does not queue, such as serving)');
    } else if (options.priorityClassName !== undefined && !queue.priorityClassNames.includes(options.priorityClassName)) {
      problems.push(`${method}: priorityClassName ("${options.priorityClassName}") is not a priority class of the team's queue ` +
        `(${queue.priorityClassNames.join(', ')})`);
    }
  }
  return problems;
}

function applyPlacement(workload: kplus.Workload, options: PlaceWorkloadOptions): void {
  PLACED.add(workload);
  const team = options.team;
  if (workload.metadata.namespace === undefined) {
    ApiObject.of(workload).addJsonPatch(JsonPatch.add('/metadata/namespace', team.namespaceName));
  }
  for (const [key, value] of Object.entries(team.costLabels)) {
    workload.metadata.addLabel(key, value);
    workload.podMetadata.addLabel(key, value);
  }
  const pool = options.pool;
  if (pool) {
    // One call: each attract() adds a node selector term, and terms are ORed.
    const selector = { ...pool.nodeSelector, ...(options.capacityType ? { [CAPACITY_TYPE_LABEL]: options.capacityType } : {}) };
    workload.scheduling.attract(kplus.Node.labeled(...Object.entries(selector).map(([key, value]) => kplus.NodeLabelQuery.is(key, value))));
    const poolTaint = pool.taints.find(t => t.key === POOL_LABEL)!;
    const toleration = kplus.NodeTaintQuery.is(poolTaint.key, poolTaint.value, { effect: kplus.TaintEffect.NO_SCHEDULE });
    workload.scheduling.tolerate(kplus.Node.tainted(toleration));
    return;
  }
  workload.metadata.addLabel(KUEUE_QUEUE_LABEL, team.queue!.localQueueName);
  if (options.priorityClassName) {
    workload.metadata.addLabel(KUEUE_PRIORITY_LABEL, options.priorityClassName);
  }
}
