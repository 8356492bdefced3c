import { Duration } from 'aws-cdk-lib';
import { TEAM_NAMESPACE_LABEL } from '../../k8s/labels';

/**
 * How Kueue treats team work, set in its controller configuration.
 *
 * @see https://kueue.sigs.k8s.io/docs/reference/kueue-config.v1beta2/
 */
export interface KueueSettings {
  /**
   * Hold Jobs in team namespaces that carry no `kueue.x-k8s.io/queue-name` label, so no team work bypasses
   * queueing, quota, fair sharing and preemption. Only namespaces labelled `mlops-stack.io/team-namespace:
   * "true"` (every `GpuTeam` namespace) are managed: system namespaces are untouched.
   *
   * @default true
   * @see https://kueue.sigs.k8s.io/docs/tasks/manage/enforce_job_management/
   */
  readonly manageJobsWithoutQueueName?: boolean;

  /**
   * How long an admitted workload may wait for all its pods to be ready. After it, Kueue evicts the workload,
   * releases its quota and requeues it: work admitted on a spot flavor that gets no spot capacity frees its
   * quota and may be admitted on an on-demand flavor. Long enough for a GPU node to boot and pull a CUDA image.
   *
   * @default Duration.minutes(15)
   * @see https://kueue.sigs.k8s.io/docs/tasks/manage/setup_wait_for_pods_ready/
   */
  readonly podsReadyTimeout?: Duration;

  /**
   * How many times a workload is requeued after a pods-ready timeout before Kueue deactivates it. Unset, it is
   * requeued forever (with backoff up to an hour), so a spot shortage never leaves work switched off.
   *
   * @default - no limit
   */
  readonly requeueLimit?: number;

  /**
   * Job frameworks Kueue manages. Pods, Deployments and StatefulSets are not managed, so serving placed with a
   * pool (not queued) starts without a queue.
   *
   * @default ['batch/job', 'kubeflow.org/mpijob', 'ray.io/rayjob', 'ray.io/raycluster', 'jobset.x-k8s.io/jobset',
   *   'trainer.kubeflow.org/trainjob', 'workload.codeflare.dev/appwrapper']
   */
  readonly frameworks?: string[];
}

const DEFAULT_FRAMEWORKS = [
  'batch/job', 'kubeflow.org/mpijob', 'ray.io/rayjob', 'ray.io/raycluster', 'jobset.x-k8s.io/jobset',
  'trainer.kubeflow.org/trainjob', 'workload.codeflare.dev/appwrapper',
];
// Serving frameworks: Kueue would gate their pods in team namespaces, but serving is placed on pools, not queued.
const UNQUEUED_FRAMEWORKS = ['pod', 'deployment', 'statefulset', 'leaderworkerset.x-k8s.io/leaderworkerset', 'ray.io/rayservice'];

/**
 * The Kueue controller configuration (config.kueue.x-k8s.io/v1beta2) for the chart's
 * `managerConfig.controllerManagerConfigYaml`, and any problems with the settings. The chart replaces its
 * whole default with this string, so the chart's own defaults (health, metrics, webhook, leader election,
 * controller concurrency, client rates) are repeated from Kueue 0.19's values.yaml.
 */
export function kueueConfiguration(settings: KueueSettings): { configuration: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const timeout = settings.podsReadyTimeout ?? Duration.minutes(15);
  const seconds = timeout.toSeconds();
  if (seconds < 60) {
    problems.push(`kueue.podsReadyTimeout (${seconds} s) must be at least one minute: a GPU node takes minutes to boot and pull an image`);
  }
  const limit = settings.requeueLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0 || limit > 2_147_483_647)) {
    problems.push(`kueue.requeueLimit (${limit}) must be a whole number, 0 or more`);
  }
  const frameworks = settings.frameworks ?? DEFAULT_FRAMEWORKS;
  if (frameworks.length === 0) {
    problems.push('kueue.frameworks must not be empty; leave it out for the batch frameworks');
  }
  const serving = frameworks.filter(f => UNQUEUED_FRAMEWORKS.includes(f));
  if (serving.length > 0 && (settings.manageJobsWithoutQueueName ?? true)) {
    problems.push(`kueue.frameworks (${serving.join(', ')}) would make Kueue hold every unlabelled pod of those kinds in team ` +
      'namespaces, including serving pinned to a pool; leave them out or set manageJobsWithoutQueueName to false');
  }
  const configuration: Record<string, unknown> = {
    apiVersion: 'config.kueue.x-k8s.io/v1beta2',
    kind: 'Configuration',
    health: { healthProbeBindAddress: ':8081' },
    metrics: { bindAddress: ':8443' },
    webhook: { port: 9443 },
    leaderElection: { leaderElect: true, resourceName: 'c1f6bfd2.kueue.x-k8s.io' },
    controller: {
      groupKindConcurrency: {
        'Job.batch': 5,
        'Pod': 5,
        'Workload.kueue.x-k8s.io': 10,
        'LocalQueue.kueue.x-k8s.io': 5,
        'ClusterQueue.kueue.x-k8s.io': 5,
        'ResourceFlavor.kueue.x-k8s.io': 1,
      },
    },
    clientConnection: { qps: 300, burst: 500 },
    manageJobsWithoutQueueName: settings.manageJobsWithoutQueueName ?? true,
    // Kueue reconciles (and its webhooks see) only team namespaces, whatever a Job's labels say.
    managedJobsNamespaceSelector: { matchLabels: { [TEAM_NAMESPACE_LABEL]: 'true' } },
    waitForPodsReady: {
      timeout: `${seconds}s`,
      recoveryTimeout: `${seconds}s`,
      blockAdmission: false,
      requeuingStrategy: {
        timestamp: 'Eviction',
        ...(limit !== undefined ? { backoffLimitCount: limit } : {}),
        backoffBaseSeconds: 60,
        backoffMaxSeconds: 3600,
      },
    },
    integrations: { frameworks },
  };
  return { configuration, problems };
}
