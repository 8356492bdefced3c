import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NVIDIA_GPU_RESOURCE } from './gpu-node-pool';
import { throwIfProblems } from './private/errors';
import { costLabelsOf, dnsLabelProblem, isPositiveInteger, resolvedTags } from './private/k8s-values';
import { TagSchema, type CostTags } from '../../src/tags/tag-schema';

/**
 * Properties of a {@link GpuTeam}. Plain values only, so the chart synthesizes on its own.
 */
export interface GpuTeamProps {
  /**
   * The team's name: its namespace name, so a DNS-1123 label (`fraud`, `recsys`).
   *
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
   */
  readonly name: string;

  /**
   * Cost-attribution tags of the team, as labels on its namespace. The schema's team key defaults to `name`;
   * every other required key must be given (e.g. from `CostAttribution.tagsOf(scope)` on the CDK side).
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
   * Kubernetes groups bound to the team's role. On EKS, an access entry maps the team's IAM role to these
   * groups.
   *
   * @default - [`<name>-developers`]
   * @see https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
   */
  readonly rbacGroups?: string[];
}

/**
 * A team's place on the shared GPU cluster: a namespace labelled with the team's cost tags, a
 * `ResourceQuota` that caps GPUs (`requests.nvidia.com/gpu`), CPU and memory, a `LimitRange` that gives
 * containers default requests (so quota accounting works for pods that set none), and a `Role` with its
 * `RoleBinding` for the team's group.
 *
 * The role lets the team run batch work and serving in its namespace: Jobs and CronJobs, pods and their
 * logs, ConfigMaps, KServe InferenceServices, and read access to Kueue workloads and queues. It grants
 * nothing on Secrets, quotas, roles or the namespace itself.
 *
 * @see https://kubernetes.io/docs/concepts/policy/resource-quotas/
 */
export class GpuTeam extends Construct {
  /** The team's name, also its namespace name. */
  public readonly name: string;
  /** The namespace name. */
  public readonly namespaceName: string;
  /** The GPU ceiling of the namespace. */
  public readonly maxGpus: number;
  /** Labels on the team's objects, from its cost tags. */
  public readonly costLabels: Record<string, string>;
  /** The team's namespace. */
  public readonly namespace: kplus.Namespace;
  /** The team's role in its namespace. */
  public readonly role: kplus.Role;

  constructor(scope: Construct, id: string, props: GpuTeamProps) {
    super(scope, id);
    const schema = props.tagSchema ?? TagSchema.DEFAULT;
    const tags: CostTags = { [schema.teamKey]: props.name, ...props.costTags };
    const problems = validate(props, schema, tags);
    throwIfProblems(this, 'invalid GpuTeam properties', problems);

    this.name = props.name;
    this.namespaceName = props.name;
    this.maxGpus = props.maxGpus;
    this.costLabels = costLabelsOf(schema, tags, this.node.path);
    const metadata = { namespace: this.namespaceName, labels: this.costLabels };

    this.namespace = new kplus.Namespace(this, 'Namespace', { metadata: { name: this.namespaceName, labels: this.costLabels } });

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

    new kplus.k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: { ...metadata, name: 'container-defaults' },
      spec: {
        limits: [{
          type: 'Container',
          defaultRequest: { cpu: kplus.k8s.Quantity.fromString('500m'), memory: kplus.k8s.Quantity.fromString('1Gi') },
          default: { cpu: kplus.k8s.Quantity.fromNumber(2), memory: kplus.k8s.Quantity.fromString('4Gi') },
          max: { [NVIDIA_GPU_RESOURCE]: kplus.k8s.Quantity.fromNumber(props.maxGpusPerContainer ?? Math.min(props.maxGpus, 8)) },
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
  }
}

function validate(props: GpuTeamProps, schema: TagSchema, tags: CostTags): string[] {
  const problems: string[] = [];
  const nameProblem = dnsLabelProblem('name', props.name);
  if (nameProblem) {
    problems.push(`${nameProblem}; it becomes the team's namespace name`);
  }
  if (!isPositiveInteger(props.maxGpus)) {
    problems.push(`maxGpus (${props.maxGpus}) must be a whole number greater than 0; a team without GPUs needs no GpuTeam`);
  }
  for (const [prop, value] of [['maxCpus', props.maxCpus], ['maxMemoryGiB', props.maxMemoryGiB], ['maxGpusPerContainer', props.maxGpusPerContainer]] as const) {
    if (value !== undefined && !isPositiveInteger(value)) {
      problems.push(`${prop} (${value}) must be a whole number greater than 0`);
    }
  }
  if (props.maxGpusPerContainer !== undefined && props.maxGpusPerContainer > props.maxGpus) {
    problems.push(`maxGpusPerContainer (${props.maxGpusPerContainer}) must not exceed maxGpus (${props.maxGpus}); lower it or raise maxGpus`);
  }
  if (props.rbacGroups?.length === 0) {
    problems.push('rbacGroups must not be empty; leave it out for the default group or list the groups of the team\'s IAM role');
  }
  // A bad name is reported once, as a name, not again as the team tag derived from it.
  const checked = nameProblem && props.costTags[schema.teamKey] === undefined
    ? Object.fromEntries(Object.entries(tags).filter(([k]) => k !== schema.teamKey))
    : tags;
  for (const p of schema.problems(resolvedTags(checked))) {
    problems.push(`costTags: ${p.message}`);
  }
  const missing = schema.missingKeys(tags).filter(k => checked === tags || k !== schema.teamKey);
  if (missing.length > 0) {
    problems.push(`costTags lack required key(s) ${missing.join(', ')}; pass every required key, e.g. from CostAttribution.tagsOf(scope)`);
  }
  return problems;
}
