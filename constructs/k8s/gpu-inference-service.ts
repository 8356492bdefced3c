import { Construct } from 'constructs';
import type { GpuTeam } from './gpu-team';
import {
  InferenceService,
  InferenceServiceSpecPredictorModelResourcesLimits,
  InferenceServiceSpecPredictorModelResourcesRequests,
} from './imports/kserve-serving.kserve.io';
import { K8sWarnings } from './k8s-warnings';
import { CAPACITY_TYPE_LABEL, NVIDIA_GPU_RESOURCE } from './labels';
import { CapacityType, type KarpenterPool } from './node-pool-base';
import { throwIfProblems } from './private/errors';
import { INT32_MAX, isPositiveInteger, quantityProblem } from './private/k8s-values';
import { gpuRequestProblems, pinnedPoolProblems } from './private/placement-rules';

/** Annotation that chooses how KServe deploys an InferenceService. */
export const KSERVE_DEPLOYMENT_MODE_ANNOTATION = 'serving.kserve.io/deploymentMode';

/**
 * How KServe runs an InferenceService's predictor. The values are the names KServe uses since it renamed its
 * modes; the older names `Serverless` and `RawDeployment` are still accepted by KServe and mean the same, but
 * some of its validation only recognizes the new names, so this library writes those.
 *
 * @see https://kserve.github.io/website/docs/concepts/architecture
 */
export enum KServeDeploymentMode {
  /**
   * Serverless mode (formerly `Serverless`): a Knative Service per predictor, scaled on requests, to zero when
   * idle, with revisions and canary rollouts. Needs Knative Serving with the `kubernetes.podspec-nodeselector`
   * and `kubernetes.podspec-tolerations` features enabled, or Knative refuses the predictor's node selection.
   *
   * @see https://knative.dev/docs/serving/configuration/feature-flags/
   */
  KNATIVE = 'Knative',
  /**
   * RawDeployment mode (formerly `RawDeployment`): a plain Deployment, Service and HorizontalPodAutoscaler.
   * No Knative needed, no scale to zero, and no canary: a new revision replaces the old one by rolling update.
   */
  STANDARD = 'Standard',
}

/**
 * Properties of a {@link GpuInferenceService}. Plain values only, so the chart synthesizes on its own.
 */
export interface GpuInferenceServiceProps {
  /**
   * Name of the InferenceService: a DNS-1123 label starting with a letter, of at most 53 characters (KServe
   * names the predictor `<name>-predictor`, which must fit a 63-character label).
   *
   * @default - the construct id in lower case
   */
  readonly name?: string;

  /**
   * The team that serves the model: the InferenceService goes into its namespace and carries its cost labels,
   * and so do the predictor pods.
   */
  readonly team: GpuTeam;

  /**
   * The GPU pool the predictor pods run on: one dedicated to `team`, or a shared one (typically the
   * platform's serving pool). The pods select the pool's nodes and tolerate its taints, and no other pool's.
   */
  readonly pool: KarpenterPool;

  /**
   * Capacity type of the predictor's nodes; one the pool buys.
   *
   * @default - on-demand when the pool buys it (serving should not be reclaimed at two minutes' notice),
   * otherwise any type the pool buys
   */
  readonly capacityType?: CapacityType;

  /**
   * Where the model is, as KServe's storage initializer reads it: `s3://bucket/prefix`, `gs://bucket/prefix`,
   * `pvc://claim/path`, `hf://org/model`, `oci://registry/repository:tag` or an `https://` URL. Credentials
   * come from `serviceAccountName` (for S3 on EKS, an IAM role for the service account or a pod identity).
   *
   * @see https://kserve.github.io/website/docs/model-serving/storage/overview
   */
  readonly storageUri: string;

  /**
   * The model's format (`sklearn`, `xgboost`, `pytorch`, `onnx`, `triton`, `huggingface`, ...): KServe picks a
   * serving runtime that supports it, unless `runtime` names one.
   *
   * @see https://kserve.github.io/website/docs/model-serving/predictive-inference/frameworks/overview
   */
  readonly modelFormat: string;

  /**
   * Version of the model format, when the runtimes distinguish them.
   *
   * @default - any version
   */
  readonly modelFormatVersion?: string;

  /**
   * Name of the `ServingRuntime` or `ClusterServingRuntime` to serve the model with.
   *
   * @default - KServe's choice among the runtimes that support `modelFormat`
   */
  readonly runtime?: string;

  /**
   * `nvidia.com/gpu` each predictor pod requests; at most the team's `maxGpusPerContainer`.
   *
   * @default 1
   */
  readonly gpus?: number;

  /**
   * CPU each predictor pod requests, as a Kubernetes quantity. No CPU limit is set: it would throttle
   * pre- and post-processing for no gain.
   *
   * @default '2'
   */
  readonly cpu?: string;

  /**
   * Memory each predictor pod requests, and its limit (so one model's growth cannot evict its neighbours),
   * as a Kubernetes quantity.
   *
   * @default '8Gi'
   */
  readonly memory?: string;

  /**
   * Fewest predictor replicas. 0 (scale to zero when idle) needs `KServeDeploymentMode.KNATIVE`.
   *
   * @default 1
   */
  readonly minReplicas?: number;

  /**
   * Most predictor replicas: a ceiling on the GPUs the model can take from the team's quota.
   */
  readonly maxReplicas: number;

  /**
   * How KServe deploys the predictor, written as the `serving.kserve.io/deploymentMode` annotation so the
   * cluster's default mode does not decide.
   *
   * @default KServeDeploymentMode.STANDARD
   */
  readonly deploymentMode?: KServeDeploymentMode;

  /**
   * Canary rollout: the percentage (1 to 99) of traffic the latest revision gets, the rest staying on the
   * previous ready revision; raise it to promote, remove it to roll out fully. Knative mode only: in Standard
   * (RawDeployment) mode KServe ignores it, so asking for it there is an error.
   *
   * @default - no canary: a new revision gets all traffic once it is ready
   * @see https://kserve.github.io/website/docs/model-serving/predictive-inference/rollout-strategies/canary
   */
  readonly canaryTrafficPercent?: number;

  /**
   * Service account of the predictor pods, which carries the credentials for `storageUri`.
   *
   * @default - the namespace's default service account
   */
  readonly serviceAccountName?: string;
}

/**
 * A KServe `InferenceService` that serves one model on GPUs for a team.
 *
 * The InferenceService goes into the team's namespace with its cost labels (on the object and, through the
 * predictor's `labels`, on every predictor pod). The predictor requests `nvidia.com/gpu`, selects the nodes of
 * one pool the team may use (its own or a shared one, never another team's) with the pool's `nodeSelector`,
 * and tolerates that pool's taints: the same placement `GpuWorkload.requestGpus({ pool })` gives a
 * Deployment. The deployment mode is always written as an annotation, and a canary is accepted in Knative
 * mode only.
 *
 * Needs the KServe CRDs and controller on the cluster; for clusters without KServe, see `GpuModelServer`.
 *
 * @see https://kserve.github.io/website/docs/model-serving/predictive-inference/frameworks/overview
 * @example
 * new GpuInferenceService(chart, 'FraudScoring', {
 *   team: fraud, pool: servingPool, storageUri: 's3://fraud-models/scoring/v3', modelFormat: 'xgboost', maxReplicas: 4,
 * });
 */
export class GpuInferenceService extends Construct {
  /** Name of the InferenceService. */
  public readonly name: string;
  /** Namespace of the InferenceService: the team's. */
  public readonly namespace: string;
  /** The deployment mode written in the annotation. */
  public readonly deploymentMode: KServeDeploymentMode;
  /** The capacity type the predictor pods select, or undefined when any type the pool buys will do. */
  public readonly capacityType?: CapacityType;
  /** The InferenceService object, as an escape hatch. */
  public readonly apiObject: InferenceService;

  constructor(scope: Construct, id: string, props: GpuInferenceServiceProps) {
    super(scope, id);
    const name = props.name ?? id.toLowerCase();
    const mode = props.deploymentMode ?? KServeDeploymentMode.STANDARD;
    const gpus = props.gpus ?? 1;
    const minReplicas = props.minReplicas ?? 1;
    const cpu = props.cpu ?? '2';
    const memory = props.memory ?? '8Gi';
    throwIfProblems(this, 'invalid GpuInferenceService properties', problems(props, { name, mode, gpus, minReplicas, cpu, memory }));

    const { team, pool } = props;
    const capacityType = props.capacityType ?? (pool.buys(CapacityType.ON_DEMAND) ? CapacityType.ON_DEMAND : undefined);
    this.name = name;
    this.namespace = team.namespaceName;
    this.deploymentMode = mode;
    this.capacityType = capacityType;

    if (props.maxReplicas * gpus > team.maxGpus) {
      K8sWarnings.add(this, 'serving-exceeds-team-gpu-quota',
        `maxReplicas (${props.maxReplicas}) x gpus (${gpus}) is more than team "${team.name}"'s GPU quota (maxGpus ${team.maxGpus}); ` +
        'the namespace ResourceQuota stops scaling out before maxReplicas. Lower maxReplicas or raise the team\'s maxGpus.');
    }

    this.apiObject = new InferenceService(this, 'Resource', {
      metadata: {
        name,
        namespace: team.namespaceName,
        labels: { ...team.costLabels },
        annotations: { [KSERVE_DEPLOYMENT_MODE_ANNOTATION]: mode },
      },
      spec: {
        predictor: {
          minReplicas,
          maxReplicas: props.maxReplicas,
          canaryTrafficPercent: props.canaryTrafficPercent,
          serviceAccountName: props.serviceAccountName,
          // KServe copies these to the predictor's pods (the Deployment or Knative revision it creates).
          labels: { ...team.costLabels },
          nodeSelector: { ...pool.nodeSelector, ...(capacityType ? { [CAPACITY_TYPE_LABEL]: capacityType } : {}) },
          tolerations: servingTolerations(pool),
          model: {
            modelFormat: { name: props.modelFormat, version: props.modelFormatVersion },
            runtime: props.runtime,
            storageUri: props.storageUri,
            resources: {
              requests: {
                cpu: InferenceServiceSpecPredictorModelResourcesRequests.fromString(cpu),
                memory: InferenceServiceSpecPredictorModelResourcesRequests.fromString(memory),
              },
              limits: {
                memory: InferenceServiceSpecPredictorModelResourcesLimits.fromString(memory),
                [NVIDIA_GPU_RESOURCE]: InferenceServiceSpecPredictorModelResourcesLimits.fromNumber(gpus),
              },
            },
          },
        },
      },
    });
  }
}

/** The GPU taint and the pool's own taint, each tolerated by key and value: never every taint. */
function servingTolerations(pool: KarpenterPool) {
  const taints = [{ key: NVIDIA_GPU_RESOURCE, value: 'true', effect: 'NoSchedule' }, ...pool.taints];
  const unique = taints.filter((t, i) => taints.findIndex(o => o.key === t.key && o.value === t.value && o.effect === t.effect) === i);
  return unique.map(t => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect }));
}

// KServe names: a DNS-1123 label that starts with a letter; `<name>-predictor` must still be a 63-character label.
const ISVC_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const ISVC_NAME_MAX = 63 - '-predictor'.length;
const STORAGE_URI = /^(s3|gs|pvc|hf|oci):\/\/[^/\s]+(\/\S*)?$|^https:\/\/[^/\s]+\/\S+$/;

interface Resolved {
  readonly name: string;
  readonly mode: KServeDeploymentMode;
  readonly gpus: number;
  readonly minReplicas: number;
  readonly cpu: string;
  readonly memory: string;
}

function problems(props: GpuInferenceServiceProps, r: Resolved): string[] {
  const out: string[] = [];
  if (r.name.length > ISVC_NAME_MAX || !ISVC_NAME.test(r.name)) {
    out.push(`name ("${r.name}") must be 1 to ${ISVC_NAME_MAX} lower-case letters, digits and "-", starting with a letter and ending ` +
      'with a letter or digit (KServe names the predictor "<name>-predictor"); set name or use a lower-case construct id');
  }
  if (!Object.values(KServeDeploymentMode).includes(r.mode)) {
    out.push(`deploymentMode ("${r.mode}") must be one of ${Object.values(KServeDeploymentMode).join(', ')}`);
  }
  out.push(...tenancyProblems(props, r.gpus));
  if (!STORAGE_URI.test(props.storageUri ?? '')) {
    out.push(`storageUri ("${props.storageUri}") must be a model location KServe's storage initializer reads: s3://<bucket>/<prefix>, ` +
      'gs://<bucket>/<prefix>, pvc://<claim>/<path>, hf://<org>/<model>, oci://<registry>/<repository> or an https:// URL to a file');
  }
  if (!props.modelFormat) {
    out.push('modelFormat is required (e.g. "sklearn", "pytorch", "huggingface"): KServe chooses the serving runtime by it');
  }
  for (const [prop, value] of [['cpu', r.cpu], ['memory', r.memory]] as const) {
    const problem = quantityProblem(prop, value);
    if (problem) {
      out.push(problem);
    }
  }
  const max = props.maxReplicas;
  if (!Number.isInteger(r.minReplicas) || r.minReplicas < 0 || r.minReplicas > INT32_MAX) {
    out.push(`minReplicas (${r.minReplicas}) must be a whole number from 0 to ${INT32_MAX}`);
  } else if (r.minReplicas === 0 && r.mode === KServeDeploymentMode.STANDARD) {
    out.push('minReplicas (0) needs deploymentMode KServeDeploymentMode.KNATIVE: only Knative scales a predictor to zero, and in ' +
      'Standard (RawDeployment) mode KServe keeps at least one replica. Set minReplicas to 1 or use Knative mode');
  }
  if (!isPositiveInteger(max) || max > INT32_MAX) {
    out.push(`maxReplicas (${max}) must be a whole number from 1 to ${INT32_MAX}`);
  } else if (Number.isInteger(r.minReplicas) && r.minReplicas > max) {
    out.push(`minReplicas (${r.minReplicas}) must not exceed maxReplicas (${max}); raise maxReplicas or lower minReplicas`);
  }
  const canary = props.canaryTrafficPercent;
  if (canary !== undefined) {
    if (!Number.isInteger(canary) || canary < 1 || canary > 99) {
      out.push(`canaryTrafficPercent (${canary}) must be a whole number from 1 to 99: the share of traffic the latest revision gets ` +
        'during the rollout; leave it out to roll out fully');
    }
    if (r.mode !== KServeDeploymentMode.KNATIVE) {
      out.push(`canaryTrafficPercent (${canary}) needs deploymentMode KServeDeploymentMode.KNATIVE (Serverless): in ${r.mode} ` +
        '(RawDeployment) mode KServe ignores it and sends all traffic to the new revision at once. Use Knative mode or leave ' +
        'canaryTrafficPercent out');
    }
  }
  return out;
}

// The checks GpuWorkload.requestGpus makes for a pinned Deployment, for an object that is not a cdk8s-plus workload.
function tenancyProblems(props: GpuInferenceServiceProps, gpus: number): string[] {
  const { team, pool, capacityType } = props;
  const wording = { work: 'a GPU predictor', pod: 'the predictor pod' };
  const out: string[] = [];
  if (!team) {
    out.push('team is required: every InferenceService runs for a team, in its namespace and on pools it may use');
  }
  if (!pool) {
    out.push('pool is required: the GPU pool the predictor runs on (the team\'s own or a shared serving pool)');
  }
  out.push(...gpuRequestProblems(team, gpus, wording));
  if (team && pool) {
    out.push(...pinnedPoolProblems(team, pool, capacityType, true, wording));
  }
  return out;
}
