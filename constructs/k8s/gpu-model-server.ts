import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { GpuTeam } from './gpu-team';
import { GpuWorkload } from './gpu-workload';
import { K8sWarnings } from './k8s-warnings';
import { CapacityType, type KarpenterPool } from './node-pool-base';
import { throwIfProblems } from './private/errors';
import { INT32_MAX, isPositiveInteger, quantityProblem } from './private/k8s-values';

/** Open Inference Protocol (v2) readiness path, served by Triton, MLServer and KServe's runtimes. */
const READY_PATH = '/v2/health/ready';
/** Open Inference Protocol (v2) liveness path. */
const LIVE_PATH = '/v2/health/live';

/**
 * Properties of a {@link GpuModelServer}. Plain values (and cdk8s-plus probes and metrics) only, so the chart
 * synthesizes on its own.
 */
export interface GpuModelServerProps {
  /**
   * Name of the Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget: a DNS-1035 label (a
   * Service name), 1 to 63 lower-case letters, digits and "-", starting with a letter.
   *
   * @default - the construct id in lower case
   */
  readonly name?: string;

  /**
   * The team that serves the model: every object goes into its namespace and carries its cost labels, and so
   * do the server's pods.
   */
  readonly team: GpuTeam;

  /**
   * The GPU pool the server's pods run on: one dedicated to `team`, or a shared one (typically the platform's
   * serving pool). The pods select the pool's nodes and tolerate its taints, and no other pool's.
   */
  readonly pool: KarpenterPool;

  /**
   * Capacity type of the server's nodes; one the pool buys.
   *
   * @default - on-demand when the pool buys it (serving should not be reclaimed at two minutes' notice),
   * otherwise any type the pool buys
   */
  readonly capacityType?: CapacityType;

  /** Container image of the model server (which loads or contains the model). */
  readonly image: string;

  /**
   * Arguments of the container (e.g. the model location for a server that downloads it).
   *
   * @default - the image's own
   */
  readonly args?: string[];

  /**
   * Environment variables of the container.
   *
   * @default - none
   */
  readonly env?: Record<string, string>;

  /**
   * Port the server listens on (HTTP).
   *
   * @default 8080
   */
  readonly port?: number;

  /**
   * Port of the Service in front of the pods.
   *
   * @default 80
   */
  readonly servicePort?: number;

  /**
   * `nvidia.com/gpu` each pod requests; at most the team's `maxGpusPerContainer`.
   *
   * @default 1
   */
  readonly gpus?: number;

  /**
   * CPU each pod requests, as a Kubernetes quantity. No CPU limit is set: it would throttle pre- and
   * post-processing for no gain.
   *
   * @default '2'
   */
  readonly cpu?: string;

  /**
   * Memory each pod requests, and its limit (so one model's growth cannot evict its neighbours), as a
   * Kubernetes quantity.
   *
   * @default '8Gi'
   */
  readonly memory?: string;

  /**
   * Fewest replicas the HorizontalPodAutoscaler keeps.
   *
   * @default 1
   */
  readonly minReplicas?: number;

  /** Most replicas: a ceiling on the GPUs the model can take from the team's quota. */
  readonly maxReplicas: number;

  /**
   * What the HorizontalPodAutoscaler scales on. GPU utilization is not a built-in metric (it needs the DCGM
   * exporter and a custom metrics adapter), so the default is the CPU that pre- and post-processing use.
   *
   * @default - average CPU utilization of 70% of the request
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  readonly scalingMetrics?: kplus.Metric[];

  /**
   * Most pods a voluntary disruption (a Karpenter consolidation or drift, a node drain) may take down at
   * once. Not zero: a budget that never allows an eviction blocks every node replacement of the pool.
   *
   * @default 1
   * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-budgets
   */
  readonly maxUnavailable?: number;

  /**
   * When a pod gets traffic.
   *
   * @default - HTTP GET /v2/health/ready on `port` (Open Inference Protocol)
   * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
   */
  readonly readiness?: kplus.Probe;

  /**
   * When a pod is restarted.
   *
   * @default - HTTP GET /v2/health/live on `port` (Open Inference Protocol)
   */
  readonly liveness?: kplus.Probe;

  /**
   * How long a pod may take to load its model before liveness and readiness probes start.
   *
   * @default - HTTP GET /v2/health/live on `port` every 10 seconds, for up to 10 minutes
   */
  readonly startup?: kplus.Probe;

  /**
   * Name of the service account of the pods, e.g. one that may read the model from S3.
   *
   * @default - the namespace's default service account
   */
  readonly serviceAccountName?: string;
}

/**
 * A model server on GPUs for a team, for clusters without KServe: a cdk8s-plus `Deployment`, a `Service`, a
 * `HorizontalPodAutoscaler` and a `PodDisruptionBudget`, all in the team's namespace with its cost labels.
 *
 * The pods request `nvidia.com/gpu` and are pinned to one pool the team may use (its own or a shared one,
 * never another team's) through `GpuWorkload.requestGpus`, so they get the same node selection, tolerations
 * and checks as any other pinned GPU workload. They probe the Open Inference Protocol health paths by default
 * and give the model ten minutes to load. The root filesystem is read-only, with an empty directory on /tmp.
 *
 * @example
 * new GpuModelServer(chart, 'FraudScoring', {
 *   team: fraud, pool: servingPool, image: 'nvcr.io/nvidia/tritonserver:25.01-py3', maxReplicas: 4,
 * });
 */
export class GpuModelServer extends Construct {
  /** Name of the Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget. */
  public readonly name: string;
  /** Namespace of every object: the team's. */
  public readonly namespace: string;
  /** The capacity type the pods select, or undefined when any type the pool buys will do. */
  public readonly capacityType?: CapacityType;
  /** The Deployment of the server. */
  public readonly deployment: kplus.Deployment;
  /** The ClusterIP Service in front of the pods. */
  public readonly service: kplus.Service;
  /** The HorizontalPodAutoscaler of the Deployment. */
  public readonly autoscaler: kplus.HorizontalPodAutoscaler;
  /** The PodDisruptionBudget of the pods (cdk8s-plus has no L2 for it). */
  public readonly podDisruptionBudget: kplus.k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: GpuModelServerProps) {
    super(scope, id);
    const name = props.name ?? id.toLowerCase();
    const port = props.port ?? 8080;
    const servicePort = props.servicePort ?? 80;
    const minReplicas = props.minReplicas ?? 1;
    const maxUnavailable = props.maxUnavailable ?? 1;
    const cpu = props.cpu ?? '2';
    const memory = props.memory ?? '8Gi';
    throwIfProblems(this, 'invalid GpuModelServer properties',
      problems(props, { name, port, servicePort, minReplicas, maxUnavailable, cpu, memory }));

    const { team, pool } = props;
    const capacityType = props.capacityType ?? (pool?.buys(CapacityType.ON_DEMAND) ? CapacityType.ON_DEMAND : undefined);
    const metadata = { name, namespace: team.namespaceName, labels: { ...team.costLabels } };
    this.name = name;
    this.namespace = team.namespaceName;
    this.capacityType = capacityType;

    const tmp = kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp');
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata,
      serviceAccount: props.serviceAccountName ? kplus.ServiceAccount.fromServiceAccountName(this, 'ServiceAccount', props.serviceAccountName) : undefined,
      containers: [{
        name: 'server',
        image: props.image,
        args: props.args,
        envVariables: Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
        ports: [{ number: port, name: 'http' }],
        // Set below, as quantities: cdk8s-plus would otherwise add its own default requests and limits.
        resources: {},
        readiness: props.readiness ?? kplus.Probe.fromHttpGet(READY_PATH, { port }),
        liveness: props.liveness ?? kplus.Probe.fromHttpGet(LIVE_PATH, { port }),
        startup: props.startup ?? kplus.Probe.fromHttpGet(LIVE_PATH, { port, periodSeconds: Duration.seconds(10), failureThreshold: 60 }),
        volumeMounts: [{ path: '/tmp', volume: tmp }],
      }],
    });
    // Quantities, not strings or numbers: the L1's toJson re-maps resources through Quantity and drops the rest.
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/resources', {
      requests: { cpu: kplus.k8s.Quantity.fromString(cpu), memory: kplus.k8s.Quantity.fromString(memory) },
      limits: { memory: kplus.k8s.Quantity.fromString(memory) },
    }));
    // The GPU limit, toleration, namespace, cost labels and pool placement, with the tenancy checks.
    const gpus = props.gpus ?? 1;
    GpuWorkload.requestGpus(this.deployment, { gpus, team, pool, capacityType });
    if (props.maxReplicas * gpus > team.maxGpus) {
      K8sWarnings.add(this, 'serving-exceeds-team-gpu-quota',
        `maxReplicas (${props.maxReplicas}) x gpus (${gpus}) is more than team "${team.name}"'s GPU quota (maxGpus ${team.maxGpus}); ` +
        'the namespace ResourceQuota stops scaling out before maxReplicas. Lower maxReplicas or raise the team\'s maxGpus.');
    }

    this.service = new kplus.Service(this, 'Service', {
      metadata,
      selector: this.deployment,
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: servicePort, targetPort: port }],
    });
    this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
      metadata,
      target: this.deployment,
      minReplicas,
      maxReplicas: props.maxReplicas,
      metrics: props.scalingMetrics ?? [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
    });
    this.podDisruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata,
      spec: {
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(maxUnavailable),
        selector: { matchLabels: this.deployment.matchLabels },
        // A pod that never became ready (a model that fails to load) must not block a node drain.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}

// A Service name: DNS-1035 label.
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

interface Resolved {
  readonly name: string;
  readonly port: number;
  readonly servicePort: number;
  readonly minReplicas: number;
  readonly maxUnavailable: number;
  readonly cpu: string;
  readonly memory: string;
}

// Placement, tenancy and GPU checks are GpuWorkload.requestGpus's; these are the server's own.
function problems(props: GpuModelServerProps, r: Resolved): string[] {
  const out: string[] = [];
  if (!props.team) {
    out.push('team is required: every model server runs for a team, in its namespace and on pools it may use');
  }
  if (!props.pool) {
    out.push('pool is required: the GPU pool the server runs on (the team\'s own or a shared serving pool)');
  }
  if (r.name.length > 63 || !DNS_1035_LABEL.test(r.name)) {
    out.push(`name ("${r.name}") must be 1 to 63 lower-case letters, digits and "-", starting with a letter and ending with a letter ` +
      'or digit (it is the Service name); set name or use a lower-case construct id');
  }
  if (!props.image) {
    out.push('image is required: the container image of the model server');
  }
  for (const [prop, value] of [['port', r.port], ['servicePort', r.servicePort]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      out.push(`${prop} (${value}) must be a port number from 1 to 65535`);
    }
  }
  for (const [prop, value] of [['cpu', r.cpu], ['memory', r.memory]] as const) {
    const problem = quantityProblem(prop, value);
    if (problem) {
      out.push(problem);
    }
  }
  const max = props.maxReplicas;
  if (!isPositiveInteger(r.minReplicas) || r.minReplicas > INT32_MAX) {
    out.push(`minReplicas (${r.minReplicas}) must be a whole number from 1 to ${INT32_MAX}; a HorizontalPodAutoscaler does not scale to zero`);
  }
  if (!isPositiveInteger(max) || max > INT32_MAX) {
    out.push(`maxReplicas (${max}) must be a whole number from 1 to ${INT32_MAX}`);
  } else if (isPositiveInteger(r.minReplicas) && r.minReplicas > max) {
    out.push(`minReplicas (${r.minReplicas}) must not exceed maxReplicas (${max}); raise maxReplicas or lower minReplicas`);
  }
  if (!isPositiveInteger(r.maxUnavailable)) {
    out.push(`maxUnavailable (${r.maxUnavailable}) must be a whole number greater than 0: a budget that allows no eviction blocks ` +
      'every drain and consolidation of the pool\'s nodes');
  }
  return out;
}
