import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NVIDIA_GPU_RESOURCE, RETAIN_ANNOTATION, TEAM_NAMESPACE_LABEL } from './labels';
import type { KarpenterPool } from './node-pool-base';
import { ALLOWED_POOL_LABEL_PREFIX, PoolTenancyPolicy } from './pool-tenancy-policy';
import { throwIfProblems } from './private/errors';
import { costLabelsOf, dnsLabelProblem, isPositiveInteger, quantityProblem, resolvedTags, INT32_MAX } from './private/k8s-values';
import { registerTeam, registryOf } from './private/tenancy-registry';
import { TagSchema, type CostTags } from '../../src/tags/tag-schema';

/**
 * Pod Security Standards levels.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export enum PodSecurityLevel {
  /** No restriction: for system namespaces, never for team work. */
  PRIVILEGED = 'privileged',
  /** Blocks known privilege escalations: privileged containers, host namespaces and ports, hostPath volumes. */
  BASELINE = 'baseline',
  /** Baseline plus hardening: non-root, no privilege escalation, dropped capabilities, a seccomp profile. */
  RESTRICTED = 'restricted',
}

/**
 * Pod Security admission of a team namespace.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export interface PodSecurityOptions {
  /**
   * Level whose violations are rejected.
   *
   * @default PodSecurityLevel.BASELINE
   */
  readonly enforce?: PodSecurityLevel;
  /**
   * Level whose violations are returned to the user as warnings.
   *
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly warn?: PodSecurityLevel;
  /**
   * Level whose violations are recorded in the audit log.
   *
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly audit?: PodSecurityLevel;
  /**
   * Version of the standards (`v1.35`), so a cluster upgrade does not tighten the policy under running work.
   *
   * @default - the cluster's own version (`latest`)
   */
  readonly version?: string;
}

/**
 * Requests or limits given to containers that set none.
 */
export interface ContainerResources {
  /** CPU as a Kubernetes quantity (`"500m"`, `"2"`). */
  readonly cpu: string;
  /** Memory as a Kubernetes quantity (`"1Gi"`). */
  readonly memory: string;
}

/**
 * Properties of a {@link GpuTeam}. Plain values only, so the chart synthesizes on its own.
 */
export interface GpuTeamProps {
  /**
   * The team's name: its namespace name and the value of its team tag, so a DNS-1123 label (`fraud`,
   * `recsys`). Reserved namespaces (`default`, `kube-*`, and those of Kueue, Karpenter and the device plugin)
   * are refused, and so is a name another team of the app has.
   *
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
   */
  readonly name: string;

  /**
   * Cost-attribution tags of the team, as labels on its namespace and objects. The schema's team key is the
   * team's `name` (a different value is an error); every other required key must be given (e.g. from
   * `CostAttribution.tagsOf(scope)` on the CDK side, whose team key may be left in when it equals `name`).
   */
  readonly costTags: CostTags;

  /**
   * The tag schema the tags follow.
   *
   * @default TagSchema.DEFAULT
   */
  readonly tagSchema?: TagSchema;

  /**
   * Most `nvidia.com/gpu` the team's pods may request at once (the namespace `ResourceQuota`). Kueue quotas
   * decide where within this ceiling work runs; this is the hard stop.
   *
   * @see https://kubernetes.io/docs/concepts/policy/resource-quotas/#resource-quota-for-extended-resources
   */
  readonly maxGpus: number;

  /**
   * Most CPU cores the team's pods may request at once.
   *
   * @default - 16 per GPU of `maxGpus`
   */
  readonly maxCpus?: number;

  /**
   * Most memory, in GiB, the team's pods may request at once.
   *
   * @default - 128 GiB per GPU of `maxGpus`
   */
  readonly maxMemoryGiB?: number;

  /**
   * Most `nvidia.com/gpu` one container may request (the namespace `LimitRange`); 8 is the most any single
   * instance offers.
   *
   * @default - the lower of `maxGpus` and 8
   * @see https://kubernetes.io/docs/concepts/policy/limit-range/
   */
  readonly maxGpusPerContainer?: number;

  /**
   * Requests given to containers that set none, so quota accounting and scheduling see every pod.
   *
   * @default { cpu: '500m', memory: '1Gi' }
   */
  readonly defaultContainerRequests?: ContainerResources;

  /**
   * Limits given to containers that set none. Off by default: a default limit below what a pod requests makes
   * the pod invalid, and limits on CPU throttle training for no gain.
   *
   * @default - no default limits
   */
  readonly defaultContainerLimits?: ContainerResources;

  /**
   * Pod Security admission of the namespace. Developers may create Jobs here, and a privileged or
   * host-network pod on a GPU node would reach the node's credentials: `baseline` stops that.
   *
   * @default - baseline enforced, restricted warned and audited
   */
  readonly podSecurity?: PodSecurityOptions;

  /**
   * Keep the namespace (and its volumes, secrets and running work) when the team leaves the chart, the chart
   * is renamed or the stack is deleted. `GpuCluster.addWorkloadChart` honours it.
   *
   * @default true
   */
  readonly retainOnDelete?: boolean;

  /**
   * Kubernetes groups bound to the team's role. On EKS, an access entry maps the team's IAM role to these
   * groups.
   *
   * @default - [`<name>-developers`]
   * @see https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
   */
  readonly rbacGroups?: string[];
}

/** What {@link GpuTeamQueues.addTeam} tells a team about its queue. */
export interface TeamQueueBinding {
  /** The LocalQueue in the team's namespace. */
  readonly localQueueName: string;
  /** The ClusterQueue behind it. */
  readonly clusterQueueName: string;
  /** Pools the queue's flavors place work on, in flavor order. */
  readonly pools: readonly KarpenterPool[];
  /** Workload priority classes the queue knows. */
  readonly priorityClassNames: readonly string[];
}

/** Namespaces that belong to the cluster itself, never to a team. */
const RESERVED_NAMESPACES = ['default', 'kueue-system', 'karpenter', 'nvidia-device-plugin', 'gpu-operator'];

/**
 * A team's place on the shared GPU cluster: a namespace labelled with the team's cost tags and guarded by
 * Pod Security admission, a `ResourceQuota` that caps GPUs (`requests.nvidia.com/gpu`), CPU and memory, a
 * `LimitRange` that gives containers default requests (so quota accounting works for pods that set none), and
 * a `Role` with its `RoleBinding` for the team's group.
 *
 * The role lets the team run batch work and serving in its namespace: Jobs and CronJobs, pods and their
 * logs, ConfigMaps, KServe InferenceServices, and read access to Kueue workloads and queues. It grants
 * nothing on Secrets, quotas, roles or the namespace itself.
 *
 * The namespace is retained by default when it leaves the chart or the stack (`retainOnDelete`).
 *
 * @see https://kubernetes.io/docs/concepts/policy/resource-quotas/
 */
export class GpuTeam extends Construct {
  /** The team's name, also its namespace name and team tag value. */
  public readonly name: string;
  /** The namespace name. */
  public readonly namespaceName: string;
  /** The GPU ceiling of the namespace. */
  public readonly maxGpus: number;
  /** Most GPUs one container may request. */
  public readonly maxGpusPerContainer: number;
  /** Labels on the team's objects, from its cost tags. */
  public readonly costLabels: Record<string, string>;
  /** The team's namespace. */
  public readonly namespace: kplus.Namespace;
  /** The team's role in its namespace. */
  public readonly role: kplus.Role;

  private queueBinding?: TeamQueueBinding;

  constructor(scope: Construct, id: string, props: GpuTeamProps) {
    super(scope, id);
    const schema = props.tagSchema ?? TagSchema.DEFAULT;
    const tags: CostTags = { ...props.costTags, [schema.teamKey]: props.name };
    const teams = registryOf(this).teams;
    const problems = validate(props, schema, tags);
    const clash = teams.get(props.name);
    if (clash) {
      problems.push(`name ("${props.name}") is already the team at ${clash.node.path}; each team has one GpuTeam (one namespace and quota)`);
    }
    throwIfProblems(this, 'invalid GpuTeam properties', problems);
    // The first team of an app brings the admission rule that holds every team namespace to its pools.
    if (teams.size === 0) {
      new PoolTenancyPolicy(Chart.of(this), 'PoolTenancyPolicy');
    }

    this.name = props.name;
    this.namespaceName = props.name;
    this.maxGpus = props.maxGpus;
    this.maxGpusPerContainer = props.maxGpusPerContainer ?? Math.min(props.maxGpus, 8);
    this.costLabels = costLabelsOf(schema, tags, this.node.path);
    const metadata = { namespace: this.namespaceName, labels: this.costLabels };

    const security = props.podSecurity ?? {};
    const psa = 'pod-security.kubernetes.io';
    const securityLabels: Record<string, string> = {
      [`${psa}/enforce`]: security.enforce ?? PodSecurityLevel.BASELINE,
      [`${psa}/warn`]: security.warn ?? PodSecurityLevel.RESTRICTED,
      [`${psa}/audit`]: security.audit ?? PodSecurityLevel.RESTRICTED,
    };
    if (security.version) {
      for (const mode of ['enforce', 'warn', 'audit']) {
        securityLabels[`${psa}/${mode}-version`] = security.version;
      }
    }
    this.namespace = new kplus.Namespace(this, 'Namespace', {
      metadata: {
        name: this.namespaceName,
        labels: { ...this.costLabels, ...securityLabels, [TEAM_NAMESPACE_LABEL]: 'true' },
        annotations: { [RETAIN_ANNOTATION]: String(props.retainOnDelete ?? true) },
      },
    });

    new kplus.k8s.KubeResourceQuota(this, 'ResourceQuota', {
      metadata: { ...metadata, name: 'gpu-quota' },
      spec: {
        hard: {
          // cdk8s-plus has no typed field for extended resources; Quantity keeps the value through toJson.
          [`requests.${NVIDIA_GPU_RESOURCE}`]: kplus.k8s.Quantity.fromNumber(props.maxGpus),
          'requests.cpu': kplus.k8s.Quantity.fromNumber(props.maxCpus ?? props.maxGpus * 16),
          'requests.memory': kplus.k8s.Quantity.fromString(`${props.maxMemoryGiB ?? props.maxGpus * 128}Gi`),
        },
      },
    });

    const requests = props.defaultContainerRequests ?? { cpu: '500m', memory: '1Gi' };
    const limits = props.defaultContainerLimits;
    new kplus.k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: { ...metadata, name: 'container-defaults' },
      spec: {
        limits: [{
          type: 'Container',
          defaultRequest: { cpu: kplus.k8s.Quantity.fromString(requests.cpu), memory: kplus.k8s.Quantity.fromString(requests.memory) },
          default: limits ? { cpu: kplus.k8s.Quantity.fromString(limits.cpu), memory: kplus.k8s.Quantity.fromString(limits.memory) } : undefined,
          max: { [NVIDIA_GPU_RESOURCE]: kplus.k8s.Quantity.fromNumber(this.maxGpusPerContainer) },
        }],
      },
    });

    this.role = new kplus.Role(this, 'Role', { metadata: { ...metadata, name: `${this.name}-developer` } });
    const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    const read = ['get', 'list', 'watch'];
    this.role.allow(all, kplus.ApiResource.JOBS, kplus.ApiResource.CRON_JOBS, kplus.ApiResource.CONFIG_MAPS,
      kplus.ApiResource.custom({ apiGroup: 'serving.kserve.io', resourceType: 'inferenceservices' }));
    this.role.allow([...read, 'delete'], kplus.ApiResource.PODS);
    this.role.allow(['get'], kplus.ApiResource.custom({ apiGroup: '', resourceType: 'pods/log' }));
    this.role.allow(read, kplus.ApiResource.EVENTS,
      kplus.ApiResource.custom({ apiGroup: 'kueue.x-k8s.io', resourceType: 'workloads' }),
      kplus.ApiResource.custom({ apiGroup: 'kueue.x-k8s.io', resourceType: 'localqueues' }));
    const groups = props.rbacGroups ?? [`${this.name}-developers`];
    const binding = new kplus.RoleBinding(this, 'RoleBinding', { metadata: { ...metadata, name: `${this.name}-developer` }, role: this.role });
    binding.addSubjects(...groups.map((g, i) => kplus.Group.fromName(this, `Group${i}`, g)));
    registerTeam(this);
  }

  /**
   * Let the team's pods use `poolName` (a namespace label the pool tenancy policy reads). Pools dedicated to the
   * team and shared pools of the app are added on their own; there is no need to call this.
   */
  public allowPool(poolName: string): void {
    this.namespace.metadata.addLabel(`${ALLOWED_POOL_LABEL_PREFIX}${poolName}`, 'allowed');
  }

  /** The team's Kueue queue, once `GpuTeamQueues.addTeam` gave it one. */
  public get queue(): TeamQueueBinding | undefined {
    return this.queueBinding;
  }

  /**
   * Record the team's queue. Called by `GpuTeamQueues.addTeam`; a team has one queue.
   *
   * @internal
   */
  public _bindQueue(binding: TeamQueueBinding): void {
    this.queueBinding = binding;
  }
}

function validate(props: GpuTeamProps, schema: TagSchema, tags: CostTags): string[] {
  const problems: string[] = [];
  const nameProblem = dnsLabelProblem('name', props.name);
  if (nameProblem) {
    problems.push(`${nameProblem}; it becomes the team's namespace name`);
  } else if (RESERVED_NAMESPACES.includes(props.name) || props.name.startsWith('kube-')) {
    problems.push(`name ("${props.name}") is a namespace of the cluster itself (reserved: ${RESERVED_NAMESPACES.join(', ')}, kube-*); ` +
      'a team there would get a quota in, and its developers Jobs in, a system namespace. Choose the team\'s own name');
  }
  const tagged = props.costTags[schema.teamKey];
  if (tagged !== undefined && tagged !== props.name) {
    problems.push(`costTags ${schema.teamKey} ("${tagged}") differs from the team's name ("${props.name}"): the team's objects ` +
      `would be attributed to "${tagged}". Leave ${schema.teamKey} out of costTags (it is the name) or set it to "${props.name}"`);
  }
  if (!isPositiveInteger(props.maxGpus) || props.maxGpus > INT32_MAX) {
    problems.push(`maxGpus (${props.maxGpus}) must be a whole number from 1 to ${INT32_MAX}; a team without GPUs needs no GpuTeam`);
  }
  for (const [prop, value] of [['maxCpus', props.maxCpus], ['maxMemoryGiB', props.maxMemoryGiB], ['maxGpusPerContainer', props.maxGpusPerContainer]] as const) {
    if (value !== undefined && (!isPositiveInteger(value) || value > INT32_MAX)) {
      problems.push(`${prop} (${value}) must be a whole number from 1 to ${INT32_MAX}`);
    }
  }
  if (props.maxGpusPerContainer !== undefined && props.maxGpusPerContainer > props.maxGpus) {
    problems.push(`maxGpusPerContainer (${props.maxGpusPerContainer}) must not exceed maxGpus (${props.maxGpus}); lower it or raise maxGpus`);
  }
  for (const [prop, resources] of [['defaultContainerRequests', props.defaultContainerRequests], ['defaultContainerLimits', props.defaultContainerLimits]] as const) {
    for (const key of ['cpu', 'memory'] as const) {
      const problem = resources && quantityProblem(`${prop}.${key}`, resources[key]);
      if (problem) {
        problems.push(problem);
      }
    }
  }
  const version = props.podSecurity?.version;
  if (version !== undefined && !/^(latest|v1\.[0-9]+)$/.test(version)) {
    problems.push(`podSecurity.version ("${version}") must be "latest" or a Kubernetes minor version such as "v1.35"`);
  }
  if (props.rbacGroups?.length === 0) {
    problems.push('rbacGroups must not be empty; leave it out for the default group or list the groups of the team\'s IAM role');
  }
  // A bad name is reported once, as a name, not again as the team tag derived from it.
  const checked = nameProblem ? Object.fromEntries(Object.entries(tags).filter(([k]) => k !== schema.teamKey)) : tags;
  for (const p of schema.problems(resolvedTags(checked))) {
    problems.push(`costTags: ${p.message}`);
  }
  const missing = schema.missingKeys(tags).filter(k => k !== schema.teamKey);
  if (missing.length > 0) {
    problems.push(`costTags lack required key(s) ${missing.join(', ')}; pass every required key, e.g. from CostAttribution.tagsOf(scope)`);
  }
  return problems;
}
