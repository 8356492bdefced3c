import { ApiObject, Chart, type Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GpuNodePool } from './gpu-node-pool';
import type { GpuTeam } from './gpu-team';
import { GpuWorkload } from './gpu-workload';
import { K8sWarnings } from './k8s-warnings';
import { CAPACITY_TYPE_LABEL } from './labels';
import { CapacityType, type KarpenterPool } from './node-pool-base';
import { isResolved, throwIfProblems } from './private/errors';
import { maxGpusPerNodeOf } from './private/gpu-instances';
import { INT32_MAX, dnsLabelProblem, isPositiveInteger, quantityProblem } from './private/k8s-values';
import { gpuRequestProblems, pinnedPoolProblems } from './private/placement-rules';

/** Pod annotation the Job controller sets to the pod's completion index in an Indexed Job. */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/** Pod label naming the {@link DistributedTrainingJob} a pod belongs to; its headless Service selects by it. */
export const DISTRIBUTED_TRAINING_JOB_LABEL = 'mlops-stack.io/distributed-training-job';

/** Environment variable names the job sets itself; `env` may not set them. */
export const DISTRIBUTED_TRAINING_ENV = [
  'MASTER_ADDR', 'MASTER_PORT', 'NNODES', 'NPROC_PER_NODE', 'NODE_RANK', 'WORLD_SIZE', 'CHECKPOINT_URI',
  'PET_MASTER_ADDR', 'PET_MASTER_PORT', 'PET_NNODES', 'PET_NPROC_PER_NODE', 'PET_NODE_RANK',
] as const;

/**
 * Where a training job writes its checkpoints, and the service account whose pod identity may. Plain values:
 * `TrainingPodIdentity.checkpoints` (in `constructs/compute`) gives them for a registry model.
 */
export interface TrainingCheckpoints {
  /** Name of the S3 bucket (the model registry's artifact bucket). */
  readonly bucketName: string;

  /**
   * Key prefix of the model's checkpoints in the bucket, ending in `/`, e.g. `models/fraud-scoring/checkpoints/`.
   * Each job writes under `<prefix><job name>/`.
   */
  readonly prefix: string;

  /**
   * Kubernetes service account of the pods, in the team's namespace: the one an EKS Pod Identity association
   * gives read and write on `prefix` (and nothing else). The first job of a chart that names it creates it.
   */
  readonly serviceAccountName: string;
}

/**
 * Properties of a {@link DistributedTrainingJob}. Plain values only, so the chart synthesizes on its own.
 */
export interface DistributedTrainingJobProps {
  /**
   * Name of the Job and of its headless Service: a DNS-1035 label short enough that the pod hostname
   * `<name>-<index>` of the last node still fits 63 characters.
   *
   * @default - the construct id in lower case
   */
  readonly name?: string;

  /** The team that trains: the job goes into its namespace and queue and carries its cost labels. */
  readonly team: GpuTeam;

  /**
   * The GPU pool the nodes come from: one the team may use (its own or a shared one) and has Kueue quota on.
   * The job is still queued (Kueue admits all its pods at once); its pods select this pool, so Kueue admits it
   * only on this pool's flavors.
   */
  readonly pool: KarpenterPool;

  /**
   * Capacity type of every node; one the pool buys. Without it Kueue may admit the job on spot, where one
   * interruption restarts every rank (the job warns `mlops-stack:distributed-training-on-spot`).
   *
   * @default - any type the team's quota on the pool allows, spot first
   */
  readonly capacityType?: CapacityType;

  /** Container image with the training code and `torchrun`. */
  readonly image: string;

  /**
   * Command of the container, e.g. `['torchrun', 'train.py']`: torchrun reads its settings from the `PET_*`
   * variables the job sets, so no launcher flags are needed.
   *
   * @default - the image's entrypoint
   */
  readonly command?: string[];

  /**
   * Arguments of the container.
   *
   * @default - the image's own
   */
  readonly args?: string[];

  /**
   * More environment variables; not one of {@link DISTRIBUTED_TRAINING_ENV}.
   *
   * @default - none
   */
  readonly env?: Record<string, string>;

  /**
   * Number of nodes (pods, one torchrun agent each): the Job's `completions` and `parallelism`.
   */
  readonly nodes: number;

  /**
   * `nvidia.com/gpu` each pod requests, and torchrun's processes per node: at most what the pool's largest
   * instance type has and the team's `maxGpusPerContainer`.
   */
  readonly gpusPerNode: number;

  /**
   * CPU each pod requests, as a Kubernetes quantity. No CPU limit: it would throttle data loading.
   *
   * @default - 4 per GPU
   */
  readonly cpuPerNode?: string;

  /**
   * Memory each pod requests and is limited to, as a Kubernetes quantity. It includes the shared memory.
   *
   * @default - 32Gi per GPU
   */
  readonly memoryPerNode?: string;

  /**
   * Size of the memory-backed `/dev/shm` in GiB: PyTorch data loader workers and NCCL use shared memory, and
   * the container runtime's default of 64 MiB makes them fail. Counts against `memoryPerNode`.
   *
   * @default 8
   */
  readonly sharedMemoryGiB?: number;

  /**
   * Port of the rendezvous on the pod of node 0.
   *
   * @default 29500
   */
  readonly masterPort?: number;

  /**
   * Retries of each node's pod (`backoffLimitPerIndex`). Once one node has used them up the job fails
   * (`maxFailedIndexes` 0): the other ranks cannot train without it. Pods evicted by a disruption (spot
   * reclaim, node drain, preemption) are replaced without counting.
   *
   * @default 3
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#backoff-limit-per-index
   */
  readonly backoffLimitPerIndex?: number;

  /**
   * Longest the job may run once started (`activeDeadlineSeconds`), a ceiling on what a hung job costs.
   *
   * @default - no limit
   */
  readonly maxDuration?: Duration;

  /**
   * Kueue WorkloadPriorityClass; one of the team's queue.
   *
   * @default - Kueue's default priority
   */
  readonly priorityClassName?: string;

  /** Where checkpoints go and the service account that may write them. */
  readonly checkpoints: TrainingCheckpoints;

  /**
   * Security context of the training container. The default refuses to run as root, and many training images
   * (NVIDIA's NGC PyTorch images among them) default to root: give them a `user` (e.g. 1000) here.
   *
   * @default - cdk8s-plus' defaults: not root, no privilege escalation, read-only root filesystem (with
   *   writable `/tmp` and `/dev/shm`)
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
   */
  readonly securityContext?: kplus.ContainerSecurityContextProps;
}

/**
 * A multi-node GPU training job for PyTorch's `torchrun`, with no operator: an Indexed `Job` whose
 * `completions` and `parallelism` are the node count, and a headless `Service` that gives each pod the DNS
 * name `<job>-<index>.<job>`, so node 0 is the rendezvous (`MASTER_ADDR`).
 *
 * The Job is created suspended and labelled with the team's Kueue queue: Kueue admits it as one workload, all
 * `nodes` pods at once or none, on the team's quota on `pool` (the pods select that pool). Each pod requests
 * `gpusPerNode` GPUs through `GpuWorkload.requestGpus` (GPU limit, GPU toleration, namespace, cost labels, the
 * tenancy checks), gets a memory-backed `/dev/shm`, and runs as the checkpoint service account. The torchrun
 * contract is in the environment, with the node rank from the completion index through the downward API.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode
 * @see https://kueue.sigs.k8s.io/docs/tasks/run/jobs/
 * @example
 * new DistributedTrainingJob(chart, 'FraudPretrain', {
 *   team: fraud, pool: fraudPool, image, command: ['torchrun', 'train.py'], nodes: 4, gpusPerNode: 4,
 *   checkpoints: identity.checkpoints,
 * });
 */
export class DistributedTrainingJob extends Construct {
  /** Name of the Job and of its headless Service. */
  public readonly name: string;
  /** Namespace of the job: the team's. */
  public readonly namespace: string;
  /** Number of nodes (pods). */
  public readonly nodes: number;
  /** GPUs of each pod, and torchrun processes per node. */
  public readonly gpusPerNode: number;
  /** `MASTER_ADDR`: the DNS name of node 0's pod, `<job>-0.<service>`. */
  public readonly masterAddress: string;
  /** `MASTER_PORT`. */
  public readonly masterPort: number;
  /** `CHECKPOINT_URI`: `s3://<bucket>/<prefix><job>/`. */
  public readonly checkpointUri: string;
  /** The Indexed Job. */
  public readonly job: kplus.Job;
  /** The headless Service that gives the pods their DNS names. */
  public readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: DistributedTrainingJobProps) {
    super(scope, id);
    const name = props.name ?? id.toLowerCase();
    const gpus = props.gpusPerNode;
    const resolved: Resolved = {
      name,
      cpu: props.cpuPerNode ?? String(4 * (isPositiveInteger(gpus) ? gpus : 1)),
      memory: props.memoryPerNode ?? `${32 * (isPositiveInteger(gpus) ? gpus : 1)}Gi`,
      sharedMemoryGiB: props.sharedMemoryGiB ?? 8,
      masterPort: props.masterPort ?? 29500,
      backoffLimitPerIndex: props.backoffLimitPerIndex ?? 3,
    };
    throwIfProblems(this, 'invalid DistributedTrainingJob properties', problems(props, resolved));

    const { team, pool, nodes, checkpoints } = props;
    this.name = name;
    this.namespace = team.namespaceName;
    this.nodes = nodes;
    this.gpusPerNode = gpus;
    this.masterPort = resolved.masterPort;
    this.masterAddress = `${name}-0.${name}`;
    this.checkpointUri = `s3://${checkpoints.bucketName}/${checkpoints.prefix}${name}/`;
    const metadata = { name, namespace: team.namespaceName, labels: { ...team.costLabels } };

    if (props.capacityType === undefined && pool.buys(CapacityType.SPOT) && nodes > 1) {
      K8sWarnings.add(this, 'distributed-training-on-spot',
        `the job may be admitted on pool "${pool.poolName}"'s spot capacity, where reclaiming any one of its ${nodes} nodes restarts ` +
        'every rank from the last checkpoint. Set capacityType to CapacityType.ON_DEMAND for long runs, or checkpoint often.');
    }

    const shm = kplus.Volume.fromEmptyDir(this, 'SharedMemory', 'dshm', {
      medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.gibibytes(resolved.sharedMemoryGiB),
    });
    const tmp = kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp');
    const rank = kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_ANNOTATION, { key: JOB_COMPLETION_INDEX_ANNOTATION });
    const value = (v: string | number) => kplus.EnvValue.fromValue(String(v));
    const contract: Record<string, kplus.EnvValue> = {
      MASTER_ADDR: value(this.masterAddress),
      MASTER_PORT: value(this.masterPort),
      NNODES: value(nodes),
      NPROC_PER_NODE: value(gpus),
      NODE_RANK: rank,
      WORLD_SIZE: value(nodes * gpus),
      CHECKPOINT_URI: value(this.checkpointUri),
      // torchrun reads each of its options from PET_<OPTION>, so `torchrun train.py` needs no flags.
      PET_MASTER_ADDR: value(this.masterAddress),
      PET_MASTER_PORT: value(this.masterPort),
      PET_NNODES: value(nodes),
      PET_NPROC_PER_NODE: value(gpus),
      PET_NODE_RANK: rank,
    };

    this.job = new kplus.Job(this, 'Job', {
      metadata,
      serviceAccount: this.serviceAccount(checkpoints.serviceAccountName, team),
      // The EKS Pod Identity credentials are fetched with the pod's service account token. The account has no
      // Kubernetes RBAC binding, so the token reaches nothing in the cluster.
      automountServiceAccountToken: true,
      activeDeadline: props.maxDuration,
      containers: [{
        name: 'trainer',
        image: props.image,
        command: props.command,
        args: props.args,
        envVariables: {
          ...Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
          ...contract,
        },
        ports: [{ number: this.masterPort, name: 'rendezvous' }],
        // Set below, as quantities: cdk8s-plus would otherwise add its own default requests and limits.
        resources: {},
        volumeMounts: [{ path: '/dev/shm', volume: shm }, { path: '/tmp', volume: tmp }],
        securityContext: props.securityContext,
      }],
    });
    this.job.podMetadata.addLabel(DISTRIBUTED_TRAINING_JOB_LABEL, name);
    const job = ApiObject.of(this.job);
    // Quantities, not strings: the L1's toJson re-maps resources through Quantity and drops the rest.
    job.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/resources', {
      requests: { cpu: kplus.k8s.Quantity.fromString(resolved.cpu), memory: kplus.k8s.Quantity.fromString(resolved.memory) },
      limits: { memory: kplus.k8s.Quantity.fromString(resolved.memory) },
    }));
    // cdk8s-plus' Job has none of these fields.
    job.addJsonPatch(
      JsonPatch.add('/spec/completionMode', 'Indexed'),
      JsonPatch.add('/spec/completions', nodes),
      // Kueue sizes the workload's pod set from parallelism: every node is admitted, or none.
      JsonPatch.add('/spec/parallelism', nodes),
      // Kueue starts a Job by unsuspending it once admitted; created running, it would start before admission.
      JsonPatch.add('/spec/suspend', true),
      JsonPatch.add('/spec/backoffLimitPerIndex', resolved.backoffLimitPerIndex),
      JsonPatch.add('/spec/maxFailedIndexes', 0),
      JsonPatch.add('/spec/podFailurePolicy', {
        rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
      }),
      JsonPatch.add('/spec/template/spec/subdomain', name),
    );
    GpuWorkload.requestGpus(this.job, { gpus, team, priorityClassName: props.priorityClassName });
    // Queued work is placed by Kueue; selecting the pool (and capacity type) leaves it only this pool's flavors.
    const selector = { ...pool.nodeSelector, ...(props.capacityType ? { [CAPACITY_TYPE_LABEL]: props.capacityType } : {}) };
    this.job.scheduling.attract(kplus.Node.labeled(...Object.entries(selector).map(([k, v]) => kplus.NodeLabelQuery.is(k, v))));

    this.service = new kplus.Service(this, 'Service', {
      metadata,
      clusterIP: 'None',
      // Ranks resolve node 0 while it is still starting; its DNS record must not wait for readiness.
      publishNotReadyAddresses: true,
      ports: [{ name: 'rendezvous', port: this.masterPort, targetPort: this.masterPort }],
    });
    this.service.selectLabel(DISTRIBUTED_TRAINING_JOB_LABEL, name);
  }

  // One ServiceAccount object per name and namespace in a chart, however many jobs use it.
  private serviceAccount(saName: string, team: GpuTeam): kplus.IServiceAccount {
    const chart = Chart.of(this);
    const existing = chart.node.findAll().find((c): c is kplus.ServiceAccount =>
      c instanceof kplus.ServiceAccount && c.name === saName && c.metadata.namespace === team.namespaceName);
    return existing ?? new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: saName, namespace: team.namespaceName, labels: { ...team.costLabels } },
    });
  }
}

// A Service name: DNS-1035 label.
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// S3 bucket names (general purpose): 3 to 63 lower-case letters, digits, "." and "-".
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Largest `completions` the API server accepts for a Job with backoffLimitPerIndex.
const MAX_INDEXED_COMPLETIONS = 100_000;

interface Resolved {
  readonly name: string;
  readonly cpu: string;
  readonly memory: string;
  readonly sharedMemoryGiB: number;
  readonly masterPort: number;
  readonly backoffLimitPerIndex: number;
}

function problems(props: DistributedTrainingJobProps, r: Resolved): string[] {
  const out: string[] = [];
  const { team, pool, nodes, gpusPerNode: gpus } = props;
  if (!team) {
    out.push('team is required: every training job runs for a team, in its namespace, queue and pools');
  }
  if (!pool) {
    out.push('pool is required: the GPU pool the job\'s nodes come from (one the team has Kueue quota on)');
  }
  const validNodes = isPositiveInteger(nodes) && nodes <= MAX_INDEXED_COMPLETIONS;
  if (!validNodes) {
    out.push(`nodes (${nodes}) must be a whole number from 1 to ${MAX_INDEXED_COMPLETIONS}: the number of pods (torchrun agents) ` +
      'of the job');
  }
  const lastHost = `${r.name}-${validNodes ? nodes - 1 : 0}`;
  if (r.name.length > 63 || !DNS_1035_LABEL.test(r.name) || lastHost.length > 63) {
    out.push(`name ("${r.name}") must be lower-case letters, digits and "-", starting with a letter and ending with a letter or digit, ` +
      `and short enough that the last pod's hostname "${lastHost}" fits 63 characters; set name or use a shorter lower-case construct id`);
  }
  if (!props.image) {
    out.push('image is required: the container image with the training code and torchrun');
  }
  if (!isPositiveInteger(gpus)) {
    out.push(`gpusPerNode (${gpus}) must be a whole number greater than 0: distributed training here is GPU training`);
  } else if (team) {
    out.push(...gpuRequestProblems(team, gpus, { work: 'distributed training', pod: 'each node\'s pod' })
      .map(p => p.replace(/^gpus /, 'gpusPerNode ')));
  }
  if (team && pool) {
    out.push(...pinnedPoolProblems(team, pool, props.capacityType, true, { work: 'distributed training', pod: 'each node\'s pod' }));
    out.push(...queueProblems(team, pool));
  }
  if (pool && pool.kind === 'gpu' && isPositiveInteger(gpus)) {
    const capacity = maxGpusPerNodeOf(pool);
    if (gpus > capacity.maxGpusPerNode) {
      out.push(`gpusPerNode (${gpus}) is more than any node of pool "${pool.poolName}" has: at most ${capacity.maxGpusPerNode} ` +
        `(${capacity.largest.join(', ')}${capacity.exact ? '' : ', the most any EC2 instance has'}); allowed: 1 to ${capacity.maxGpusPerNode}. ` +
        'Lower gpusPerNode and raise nodes, or use a pool with larger instance types');
    }
  }
  if (team && validNodes && isPositiveInteger(gpus) && nodes * gpus > team.maxGpus) {
    out.push(`nodes (${nodes}) x gpusPerNode (${gpus}) = ${nodes * gpus} GPUs is more than team "${team.name}"'s GPU quota ` +
      `(maxGpus ${team.maxGpus}): the namespace ResourceQuota would refuse some pods and the others would wait forever. Lower nodes ` +
      'or gpusPerNode, or raise the team\'s maxGpus');
  }
  if (pool && validNodes && isPositiveInteger(gpus)) {
    const limits = pool instanceof GpuNodePool ? [CapacityType.SPOT, CapacityType.ON_DEMAND]
      .filter(c => (props.capacityType ?? c) === c)
      .map(c => pool.gpuLimitOf(c))
      .filter((l): l is number => l !== undefined) : [];
    // Across the capacity types the job may get: all nodes come from one flavor, so one of them must hold it.
    const limit = limits.length > 0 ? Math.max(...limits) : undefined;
    if (limit !== undefined && nodes * gpus > limit) {
      out.push(`nodes (${nodes}) x gpusPerNode (${gpus}) = ${nodes * gpus} GPUs is more than pool "${pool.poolName}" may launch ` +
        `(gpuLimit ${limit}${props.capacityType ? ` for ${props.capacityType}` : ''}): Karpenter would stop short of the job's nodes. ` +
        'Lower nodes or raise the pool\'s gpuLimit');
    }
  }
  for (const [prop, value] of [['cpuPerNode', r.cpu], ['memoryPerNode', r.memory]] as const) {
    const problem = quantityProblem(prop, value);
    if (problem) {
      out.push(problem);
    }
  }
  if (!isPositiveInteger(r.sharedMemoryGiB)) {
    out.push(`sharedMemoryGiB (${r.sharedMemoryGiB}) must be a whole number of GiB greater than 0`);
  }
  if (!Number.isInteger(r.masterPort) || r.masterPort < 1 || r.masterPort > 65535) {
    out.push(`masterPort (${r.masterPort}) must be a port number from 1 to 65535`);
  }
  if (!Number.isInteger(r.backoffLimitPerIndex) || r.backoffLimitPerIndex < 0 || r.backoffLimitPerIndex > INT32_MAX) {
    out.push(`backoffLimitPerIndex (${r.backoffLimitPerIndex}) must be a whole number from 0 to ${INT32_MAX}`);
  }
  const reserved = Object.keys(props.env ?? {}).filter(k => (DISTRIBUTED_TRAINING_ENV as readonly string[]).includes(k));
  if (reserved.length > 0) {
    out.push(`env sets ${reserved.join(', ')}, which the job sets itself (the torchrun contract); remove them from env`);
  }
  out.push(...checkpointProblems(props.checkpoints));
  return out;
}

function queueProblems(team: GpuTeam, pool: KarpenterPool): string[] {
  const queue = team.queue;
  if (!queue) {
    return [`team "${team.name}" has no Kueue queue, so the job would never be admitted; call GpuTeamQueues.addTeam(team, ...) ` +
      `with quota on pool "${pool.poolName}" first`];
  }
  if (!queue.pools.includes(pool)) {
    return [`pool "${pool.poolName}" is not a pool of team "${team.name}"'s queue (${queue.pools.map(p => p.poolName).join(', ')}), so ` +
      'Kueue would never admit the job; give the team quota on it in GpuTeamQueues.addTeam or choose one of those pools'];
  }
  return [];
}

function checkpointProblems(checkpoints: TrainingCheckpoints | undefined): string[] {
  if (!checkpoints) {
    return ['checkpoints is required: the bucket, prefix and service account the job checkpoints with (e.g. TrainingPodIdentity.checkpoints)'];
  }
  const out: string[] = [];
  const { bucketName, prefix, serviceAccountName } = checkpoints;
  if (isResolved(bucketName ?? '') && !BUCKET_NAME.test(bucketName ?? '')) {
    out.push(`checkpoints.bucketName ("${bucketName}") must be an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-"`);
  }
  if (isResolved(prefix ?? '') && (!prefix || prefix.startsWith('/') || !prefix.endsWith('/') || prefix.includes('//'))) {
    out.push(`checkpoints.prefix ("${prefix}") must be an S3 key prefix ending in "/" that does not start with "/", e.g. ` +
      '"models/fraud-scoring/checkpoints/"');
  }
  const saProblem = dnsLabelProblem('checkpoints.serviceAccountName', serviceAccountName ?? '');
  if (saProblem) {
    out.push(saProblem);
  }
  return out;
}
