import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { NVIDIA_GPU_RESOURCE } from './gpu-node-pool';
import type { GpuTeam } from './gpu-team';
import { throwIfProblems } from './private/errors';
import { isPositiveInteger } from './private/k8s-values';

/** Label that submits a workload to a Kueue LocalQueue. */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
/** Label that gives a workload a Kueue WorkloadPriorityClass. */
export const KUEUE_PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';

/**
 * Options of {@link GpuWorkload.requestGpus}.
 */
export interface RequestGpusOptions {
  /** `nvidia.com/gpu` the container requests (its limit; Kubernetes sets the request equal). */
  readonly gpus: number;

  /**
   * Which container of the pod gets the GPUs.
   *
   * @default 0
   */
  readonly containerIndex?: number;

  /**
   * The team that runs the workload: its pods carry the team's cost labels, so they are attributed like the
   * team's namespace and node pool.
   *
   * @default - no cost labels are added
   */
  readonly team?: GpuTeam;

  /**
   * Kueue LocalQueue to submit the workload to (see `GpuTeamQueues.addTeam`).
   *
   * @default - not queued: the workload is scheduled as soon as it is created
   * @see https://kueue.sigs.k8s.io/docs/concepts/local_queue/
   */
  readonly localQueueName?: string;

  /**
   * Kueue WorkloadPriorityClass of the workload (e.g. `production`, `experiment`).
   *
   * @default - Kueue's default priority
   * @see https://kueue.sigs.k8s.io/docs/concepts/workload_priority_class/
   */
  readonly priorityClassName?: string;
}

/**
 * Puts a cdk8s-plus workload (Job, Deployment, StatefulSet) on GPUs.
 *
 * cdk8s-plus has no field for extended resources such as `nvidia.com/gpu`, and a JSON patch with a plain
 * number is silently dropped when the object is rendered. This method adds the limit in the form that
 * survives, tolerates the `nvidia.com/gpu=true:NoSchedule` taint of {@link GpuNodePool} nodes, and adds the
 * Kueue queue and priority labels and the team's cost labels, so users never write the patch themselves.
 *
 * @see https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
 * @example
 * const job = new kplus.Job(chart, 'Train', { metadata: { namespace: 'fraud' }, containers: [{ image }] });
 * GpuWorkload.requestGpus(job, { gpus: 4, team: fraud, localQueueName: 'fraud', priorityClassName: 'production' });
 */
export class GpuWorkload {
  /**
   * Request GPUs for one container of `workload`.
   */
  public static requestGpus(workload: kplus.Workload, options: RequestGpusOptions): void {
    const index = options.containerIndex ?? 0;
    const problems: string[] = [];
    if (!isPositiveInteger(options.gpus)) {
      problems.push(`requestGpus: gpus (${options.gpus}) must be a whole number greater than 0`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= workload.containers.length) {
      problems.push(`requestGpus: containerIndex (${index}) must point at one of the workload's ${workload.containers.length} container(s); ` +
        'add the container before requesting GPUs for it');
    }
    throwIfProblems(workload, 'invalid GPU request', problems);

    // Quantity, not a number: the L1's toJson re-maps limits through Quantity and drops anything else.
    ApiObject.of(workload).addJsonPatch(JsonPatch.add(`/spec/template/spec/containers/${index}/resources/limits/nvidia.com~1gpu`,
      kplus.k8s.Quantity.fromNumber(options.gpus)));
    workload.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.is(NVIDIA_GPU_RESOURCE, 'true', { effect: kplus.TaintEffect.NO_SCHEDULE })));
    for (const [key, value] of Object.entries(options.team?.costLabels ?? {})) {
      workload.metadata.addLabel(key, value);
      workload.podMetadata.addLabel(key, value);
    }
    if (options.localQueueName) {
      workload.metadata.addLabel(KUEUE_QUEUE_LABEL, options.localQueueName);
    }
    if (options.priorityClassName) {
      workload.metadata.addLabel(KUEUE_PRIORITY_LABEL, options.priorityClassName);
    }
  }

  private constructor() {}
}
