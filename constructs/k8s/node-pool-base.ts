import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CapacityStrategy, CapacityStrategyKind } from './capacity-strategy';
import {
  Ec2NodeClass,
  Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpTokens,
  type Ec2NodeClassSpecBlockDeviceMappings,
} from './imports/karpenter-karpenter.k8s.aws';
import {
  NodePool,
  NodePoolSpecDisruptionBudgetsReasons,
  NodePoolSpecDisruptionConsolidationPolicy,
  NodePoolSpecTemplateSpecRequirementsOperator,
  NodePoolSpecTemplateSpecTaintsEffect,
  type NodePoolSpecLimits,
  type NodePoolSpecTemplateSpecRequirements,
} from './imports/karpenter-karpenter.sh';
import { K8sWarnings } from './k8s-warnings';
import { AMI_FAMILY_LABEL, CAPACITY_TYPE_LABEL, POOL_LABEL } from './labels';
import { PoolTenancy, PoolTenancyKind } from './pool-tenancy';
import { isResolved, throwIfProblems } from './private/errors';
import { costLabelsOf, dnsLabelProblem, goDuration, isPositiveInteger, resolvedTags } from './private/k8s-values';
import { registerPool, registryOf } from './private/tenancy-registry';
import { TagSchema, type CostTags } from '../../src/tags/tag-schema';

/** Tag (on private subnets and the cluster security group) that EC2NodeClass selectors look for. */
export const KARPENTER_DISCOVERY_TAG = 'karpenter.sh/discovery';

/**
 * Karpenter capacity types a pool can buy.
 *
 * @see https://karpenter.sh/docs/concepts/scheduling/#capacity-type
 */
export enum CapacityType {
  /** EC2 spot: up to 90% cheaper, reclaimed with two minutes' notice. */
  SPOT = 'spot',
  /** EC2 on-demand. */
  ON_DEMAND = 'on-demand',
}

/** A node taint. */
export interface NodeTaint {
  /** Taint key. */
  readonly key: string;
  /** Taint value. */
  readonly value: string;
  /** Taint effect (`NoSchedule` for every taint this library sets). */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** One Karpenter NodePool of a pool, for one capacity type. */
export interface PoolCapacity {
  /** The capacity type the Kueue flavor of this entry selects. */
  readonly capacityType: CapacityType;
  /** Name of the Karpenter NodePool that launches it (a spot-with-fallback pool has one NodePool for both). */
  readonly nodePoolName: string;
}

/**
 * When Karpenter may consolidate nodes of a pool.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#consolidation
 */
export enum ConsolidationPolicy {
  /** Only nodes with no workload pods: running training jobs are never moved to save money. */
  WHEN_EMPTY = 'WhenEmpty',
  /** Also nodes whose pods fit elsewhere or on a cheaper node: cheaper, but restarts running pods. */
  WHEN_EMPTY_OR_UNDERUTILIZED = 'WhenEmptyOrUnderutilized',
}

/**
 * Why Karpenter disrupts a node, for scoping a {@link DisruptionBudget}.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#reasons
 */
export enum DisruptionReason {
  /** The node is underutilized and its pods fit elsewhere. */
  UNDERUTILIZED = 'Underutilized',
  /** The node has no workload pods. */
  EMPTY = 'Empty',
  /** The node no longer matches its pool or node class (e.g. a new AMI). */
  DRIFTED = 'Drifted',
}

/**
 * How many nodes of a pool Karpenter may disrupt at once, optionally only during a schedule.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#disruption-budgets
 */
export interface DisruptionBudget {
  /** A percentage of the pool's nodes (`"10%"`) or a node count (`"2"`); `"0"` blocks disruption. */
  readonly nodes: string;

  /**
   * Cron schedule (UTC, five fields such as `0 8 * * 1-5`, or a macro such as `@daily`) at which the budget
   * starts to apply; requires `duration`.
   *
   * @default - the budget always applies
   */
  readonly schedule?: string;

  /**
   * How long the budget applies after each `schedule` start, in whole minutes; requires `schedule`.
   *
   * @default - the budget always applies
   */
  readonly duration?: Duration;

  /**
   * Disruption reasons the budget limits.
   *
   * @default - all reasons
   */
  readonly reasons?: DisruptionReason[];
}

/**
 * Properties every Karpenter pool of this library takes. Plain values only, so the chart synthesizes on its own.
 */
export interface KarpenterPoolProps {
  /** Name of the EKS cluster the pool's nodes join. */
  readonly clusterName: string;

  /**
   * Name of the IAM role Karpenter gives the pool's nodes (Karpenter creates the instance profile).
   *
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specrole
   */
  readonly nodeRoleName: string;

  /**
   * Value of the `karpenter.sh/discovery` tag on the private subnets and the cluster security group that the
   * nodes use.
   *
   * @default - the cluster name
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specsubnetselectorterms
   */
  readonly discoveryTagValue?: string;

  /**
   * Who may run on the pool and who pays for it: `PoolTenancy.dedicated('fraud')` (one team, billed to it) or
   * `PoolTenancy.shared()` (every team that lists it, billed to the owner in `costTags`).
   */
  readonly tenancy: PoolTenancy;

  /**
   * Cost-attribution tags of whoever pays for the pool's nodes. They become the EC2NodeClass `tags`, which
   * Karpenter puts on the instances, volumes and launch templates it creates, and the same keys become labels
   * on the nodes (see `TagSchema.toLabels`). Every required key of the schema must be present, except the team
   * key of a dedicated pool, which defaults to the pool's team (a different value is an error).
   */
  readonly costTags: CostTags;

  /**
   * The tag schema the tags follow.
   *
   * @default TagSchema.DEFAULT
   */
  readonly tagSchema?: TagSchema;

  /**
   * Name of the pool: of its EC2NodeClass, the base name of its NodePool(s) (a weighted pair adds `-spot` and
   * `-on-demand`), and the value of the `mlops-stack.io/pool` node label and taint. Unique in the app.
   *
   * @default - the construct id in lower case
   */
  readonly name?: string;

  /**
   * How the pool buys capacity.
   *
   * @default CapacityStrategy.spotWithOnDemandFallback()
   */
  readonly capacityStrategy?: CapacityStrategy;

  /**
   * KMS key (ID, ARN or alias) that encrypts the node volumes. The node role and Karpenter's controller need
   * grants on it: pass the same key to `GpuCluster` as `nodeVolumeEncryptionKey`.
   *
   * @default - the account's default EBS encryption key; volumes are always encrypted
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specblockdevicemappings
   */
  readonly volumeKmsKeyId?: string;

  /**
   * IMDSv2 hop limit: 1 keeps pods from reaching the node's instance metadata (and its role); 2 is needed
   * only by pods that must call IMDS themselves. IMDSv2 is always required.
   *
   * @default 1
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specmetadataoptions
   */
  readonly metadataHopLimit?: number;

  /**
   * When Karpenter may consolidate nodes.
   *
   * @default ConsolidationPolicy.WHEN_EMPTY
   */
  readonly consolidationPolicy?: ConsolidationPolicy;

  /**
   * How long a node must be consolidatable before Karpenter acts: a short time gives capacity back quickly, a
   * longer one keeps a node for the next job of a burst.
   *
   * @default Duration.minutes(10)
   */
  readonly consolidateAfter?: Duration;

  /**
   * Disruption budgets.
   *
   * @default - see each pool type
   */
  readonly disruptionBudgets?: DisruptionBudget[];

  /**
   * Node lifetime before replacement, so nodes pick up new AMIs and patches. Must be longer than zero.
   *
   * @default Duration.days(30)
   * @see https://karpenter.sh/docs/concepts/nodepools/#specexpireafter
   */
  readonly expireAfter?: Duration;

  /**
   * Longest a draining node waits for its pods (including those a PodDisruptionBudget protects) before it
   * is terminated; bounds how long a disrupted node keeps billing.
   *
   * @default Duration.hours(2)
   * @see https://karpenter.sh/docs/concepts/nodepools/#specterminationgraceperiod
   */
  readonly terminationGracePeriod?: Duration;
}

/** What a pool type hands to {@link KarpenterPool} to build its objects. */
export interface KarpenterPoolSpec {
  /** `gpu` or `cpu`: shown in messages and used by Kueue flavors. */
  readonly kind: 'gpu' | 'cpu';
  /** AMI family and version of the `amiSelectorTerms` alias. */
  readonly ami: { readonly family: 'al2023' | 'bottlerocket'; readonly version: string };
  /** Size of the volume holding container images, in GiB. */
  readonly imageVolumeSizeGiB: number;
  /**
   * Requirements of one NodePool beyond capacity type and OS (instance families, sizes, categories), given the
   * capacity types it buys.
   */
  readonly requirements: (capacityTypes: CapacityType[]) => NodePoolSpecTemplateSpecRequirements[];
  /** Limits of one NodePool of the pool, given its capacity types. */
  readonly limits: (capacityTypes: CapacityType[]) => Record<string, NodePoolSpecLimits>;
  /** Taints beyond the pool taint (e.g. the GPU taint). */
  readonly extraTaints: NodeTaint[];
  /** Node labels beyond the cost, pool and AMI-family labels. */
  readonly extraLabels: Record<string, string>;
  /** Disruption budgets when the user gives none. */
  readonly defaultBudgets: DisruptionBudget[];
  /** Problems with the pool type's own props, reported with the shared ones. */
  readonly problems: string[];
}

/** Largest gp3 volume EBS creates, in GiB (16 TiB). */
export const MAX_GP3_VOLUME_GIB = 16_384;

const BUDGET_NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;
// One cron field: `*` (or `?`), a number, a name, a range, a list or a step of them (robfig/cron's standard
// parser, which Karpenter uses).
const CRON_FIELD = /^([*?]|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?(,([*?]|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?)*$/;
const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];


/**
 * What every node pool of this library does: a Karpenter `EC2NodeClass` and one or two `NodePool`s, nodes
 * labelled and tainted with the pool's name, IMDSv2 required, encrypted gp3 volumes, and the cost tags of the
 * pool's payer on every instance and volume.
 *
 * Use {@link GpuNodePool} or {@link CpuNodePool}.
 */
export abstract class KarpenterPool extends Construct {
  /** Name of the pool: of its EC2NodeClass and the value of its `mlops-stack.io/pool` label and taint. */
  public readonly poolName: string;
  /** Name of the EC2NodeClass. */
  public readonly nodeClassName: string;
  /** Names of the NodePool(s), in the order Karpenter tries them. */
  public readonly nodePoolNames: string[];
  /** Who may run on the pool. */
  public readonly tenancy: PoolTenancy;
  /** The team the pool's instances are billed to (the team tag of its cost tags). */
  public readonly billedTo: string;
  /** The node labels derived from the cost tags. */
  public readonly costLabels: Record<string, string>;
  /** Labels that select this pool's nodes (the pool label); Kueue flavors and pinned workloads use them. */
  public readonly nodeSelector: Record<string, string>;
  /** Every taint of the pool's nodes: a pod must tolerate all of them. */
  public readonly taints: NodeTaint[];
  /** The capacity types the pool buys, spot first, each with the NodePool that launches it. */
  public readonly capacity: PoolCapacity[];
  /** `gpu` or `cpu`. */
  public readonly kind: 'gpu' | 'cpu';

  protected constructor(scope: Construct, id: string, props: KarpenterPoolProps, spec: KarpenterPoolSpec) {
    super(scope, id);
    const strategy = props.capacityStrategy ?? CapacityStrategy.spotWithOnDemandFallback();
    const schema = props.tagSchema ?? TagSchema.DEFAULT;
    const name = props.name ?? id.toLowerCase();
    const tenancy = props.tenancy;
    const tags = tenancy?.kind === PoolTenancyKind.DEDICATED && props.costTags[schema.teamKey] === undefined && tenancy.team
      ? { ...props.costTags, [schema.teamKey]: tenancy.team }
      : props.costTags;
    const problems = [...sharedProblems(props, strategy, schema, name, tags), ...spec.problems];
    // Pool names are taints, labels and flavor names: two pools of one app must not share one.
    const pools = registryOf(this).pools;
    const clash = pools.get(name);
    if (clash) {
      problems.push(`name ("${name}") is already the name of the pool at ${clash.node.path}; pool names are node labels, taints ` +
        'and Kueue flavor names, so they must be unique in the app');
    }
    const nodePoolNames = nodePoolNamesOf(name, strategy);
    for (const other of pools.values()) {
      const shared = other.nodePoolNames.filter(n => nodePoolNames.includes(n));
      if (shared.length > 0 && other.poolName !== name) {
        problems.push(`NodePool name(s) ${shared.join(', ')} of this pool are also NodePools of ${other.node.path}; rename one of the pools`);
      }
    }
    throwIfProblems(this, `invalid ${this.constructor.name} properties`, problems);

    if (spec.ami.version === 'latest') {
      K8sWarnings.add(this, 'ami-latest',
        `the ${spec.ami.family}@latest AMI alias follows every AMI release, so each release drifts and replaces every node ` +
        'of the pool; pin a release (e.g. GpuAmi.al2023(\'v20260714\')) and upgrade it deliberately.');
    }

    this.kind = spec.kind;
    this.poolName = name;
    this.nodeClassName = name;
    this.nodePoolNames = nodePoolNames;
    this.tenancy = tenancy;
    this.billedTo = tags[schema.teamKey];
    this.costLabels = costLabelsOf(schema, tags, this.node.path);
    this.nodeSelector = { [POOL_LABEL]: name };
    this.taints = [...spec.extraTaints, { key: POOL_LABEL, value: name, effect: 'NoSchedule' }];
    const discovery = props.discoveryTagValue ?? props.clusterName;

    new Ec2NodeClass(this, 'NodeClass', {
      metadata: { name, labels: this.costLabels },
      spec: {
        role: props.nodeRoleName,
        amiSelectorTerms: [{ alias: `${spec.ami.family}@${spec.ami.version}` }],
        subnetSelectorTerms: [{ tags: { [KARPENTER_DISCOVERY_TAG]: discovery } }],
        securityGroupSelectorTerms: [{ tags: { [KARPENTER_DISCOVERY_TAG]: discovery } }],
        blockDeviceMappings: blockDevices(spec.ami.family, spec.imageVolumeSizeGiB, props.volumeKmsKeyId),
        metadataOptions: {
          httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
          httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
          httpPutResponseHopLimit: props.metadataHopLimit ?? 1,
        },
        // Karpenter copies these to every instance, volume and launch template it creates: the bill of the
        // pool's nodes goes to the owner of these tags.
        tags: { ...tags },
      },
    });

    const labels = { ...this.costLabels, ...spec.extraLabels, [POOL_LABEL]: name, [AMI_FAMILY_LABEL]: spec.ami.family };
    const build = (nodePoolId: string, nodePoolName: string, capacityTypes: CapacityType[], weight?: number) =>
      this.nodePool(nodePoolId, nodePoolName, props, spec, labels, capacityTypes, weight);
    switch (strategy.kind) {
      case CapacityStrategyKind.SPOT_WITH_ON_DEMAND_FALLBACK:
        build('NodePool', name, [CapacityType.SPOT, CapacityType.ON_DEMAND]);
        this.capacity = [{ capacityType: CapacityType.SPOT, nodePoolName: name }, { capacityType: CapacityType.ON_DEMAND, nodePoolName: name }];
        break;
      case CapacityStrategyKind.WEIGHTED_SPOT_AND_ON_DEMAND:
        build('SpotNodePool', `${name}-spot`, [CapacityType.SPOT], strategy.spotWeight);
        build('OnDemandNodePool', `${name}-on-demand`, [CapacityType.ON_DEMAND], strategy.onDemandWeight);
        this.capacity = [
          { capacityType: CapacityType.SPOT, nodePoolName: `${name}-spot` },
          { capacityType: CapacityType.ON_DEMAND, nodePoolName: `${name}-on-demand` },
        ];
        break;
      case CapacityStrategyKind.ON_DEMAND_ONLY:
        build('NodePool', name, [CapacityType.ON_DEMAND]);
        this.capacity = [{ capacityType: CapacityType.ON_DEMAND, nodePoolName: name }];
        break;
    }
    registerPool(this);
  }

  /** Whether the pool buys `capacityType`. */
  public buys(capacityType: CapacityType): boolean {
    return this.capacity.some(c => c.capacityType === capacityType);
  }

  private nodePool(id: string, name: string, props: KarpenterPoolProps, spec: KarpenterPoolSpec, labels: Record<string, string>,
    capacityTypes: CapacityType[], weight?: number): NodePool {
    const requirements: NodePoolSpecTemplateSpecRequirements[] = [
      ...spec.requirements(capacityTypes),
      { key: CAPACITY_TYPE_LABEL, operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: capacityTypes },
      { key: 'kubernetes.io/os', operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: ['linux'] },
    ];
    const budgets = props.disruptionBudgets ?? spec.defaultBudgets;
    return new NodePool(this, id, {
      metadata: { name, labels: this.costLabels },
      spec: {
        weight,
        limits: spec.limits(capacityTypes),
        disruption: {
          consolidationPolicy: (props.consolidationPolicy ?? ConsolidationPolicy.WHEN_EMPTY) as unknown as NodePoolSpecDisruptionConsolidationPolicy,
          consolidateAfter: goDuration(props.consolidateAfter ?? Duration.minutes(10)),
          budgets: budgets.map(b => ({
            nodes: b.nodes,
            schedule: b.schedule,
            duration: b.duration ? goDuration(b.duration) : undefined,
            reasons: b.reasons?.map(r => r as unknown as NodePoolSpecDisruptionBudgetsReasons),
          })),
        },
        template: {
          metadata: { labels },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: this.nodeClassName },
            requirements,
            taints: this.taints.map(t => ({ key: t.key, value: t.value, effect: t.effect as unknown as NodePoolSpecTemplateSpecTaintsEffect })),
            expireAfter: goDuration(props.expireAfter ?? Duration.days(30)),
            terminationGracePeriod: goDuration(props.terminationGracePeriod ?? Duration.hours(2)),
          },
        },
      },
    });
  }
}

function nodePoolNamesOf(name: string, strategy: CapacityStrategy): string[] {
  return strategy.kind === CapacityStrategyKind.WEIGHTED_SPOT_AND_ON_DEMAND ? [`${name}-spot`, `${name}-on-demand`] : [name];
}

/** Whether `schedule` is a cron expression Karpenter's budget schedule accepts. */
export function isCronSchedule(schedule: string): boolean {
  if (CRON_MACROS.includes(schedule)) {
    return true;
  }
  const fields = schedule.trim().split(/\s+/);
  return fields.length === 5 && fields.every(f => CRON_FIELD.test(f));
}

function sharedProblems(props: KarpenterPoolProps, strategy: CapacityStrategy, schema: TagSchema, name: string, tags: CostTags): string[] {
  const problems: string[] = [...clusterProblems(props)];
  const nameProblem = dnsLabelProblem('name', name);
  if (nameProblem) {
    problems.push(`${nameProblem}; set name or use a lower-case construct id`);
  }
  if (!props.tenancy) {
    problems.push('tenancy is required: PoolTenancy.dedicated(\'<team>\') for one team\'s pool (billed to it) or PoolTenancy.shared() ' +
      'for a pool every team may list (billed to the owner in costTags)');
  } else if (props.tenancy.kind === PoolTenancyKind.DEDICATED) {
    const team = props.tenancy.team ?? '';
    const teamProblem = dnsLabelProblem('tenancy team', team);
    if (teamProblem) {
      problems.push(`${teamProblem}; it is the name of a GpuTeam`);
    }
    const tagged = props.costTags[schema.teamKey];
    if (tagged !== undefined && tagged !== team) {
      problems.push(`costTags ${schema.teamKey} ("${tagged}") differs from the team the pool is dedicated to ("${team}"): the team's ` +
        `nodes would be billed to "${tagged}". Leave ${schema.teamKey} out of costTags (it defaults to "${team}") or set it to "${team}"`);
    }
  }
  if (strategy.kind === CapacityStrategyKind.WEIGHTED_SPOT_AND_ON_DEMAND) {
    problems.push(...weightProblems(strategy));
  }
  const hop = props.metadataHopLimit;
  if (hop !== undefined && hop !== 1 && hop !== 2) {
    problems.push(`metadataHopLimit (${hop}) must be 1 (pods cannot reach instance metadata) or 2 (pods that call IMDS themselves)`);
  }
  if (props.expireAfter !== undefined && props.expireAfter.toSeconds() < 1) {
    problems.push(`expireAfter (${goDuration(props.expireAfter)}) must be longer than zero: Karpenter would replace every node as soon as it starts`);
  }
  (props.disruptionBudgets ?? []).forEach((b, i) => {
    if (!BUDGET_NODES.test(b.nodes)) {
      problems.push(`disruptionBudgets[${i}].nodes ("${b.nodes}") must be a percentage from "0%" to "100%" or a node count such as "2"`);
    }
    if ((b.schedule === undefined) !== (b.duration === undefined)) {
      problems.push(`disruptionBudgets[${i}] sets ${b.schedule ? 'schedule' : 'duration'} without ${b.schedule ? 'duration' : 'schedule'}; give both or neither`);
    }
    if (b.schedule !== undefined && !isCronSchedule(b.schedule)) {
      problems.push(`disruptionBudgets[${i}].schedule ("${b.schedule}") must be a cron expression of five fields (minute hour ` +
        `day-of-month month day-of-week, e.g. "0 8 * * 1-5") or one of ${CRON_MACROS.join(', ')}`);
    }
    const seconds = b.duration?.toSeconds();
    if (seconds !== undefined && (seconds < 60 || seconds % 60 !== 0)) {
      problems.push(`disruptionBudgets[${i}].duration (${goDuration(b.duration!)}) must be a whole number of minutes, at least one: ` +
        'Karpenter accepts only hours and minutes');
    }
  });
  for (const p of schema.problems(resolvedTags(tags))) {
    problems.push(`costTags: ${p.message}`);
  }
  const missing = schema.missingKeys(tags);
  if (missing.length > 0) {
    problems.push(`costTags lack required key(s) ${missing.join(', ')}; the pool's instances would be unattributed in the bill. ` +
      'Pass every required key, e.g. from CostAttribution.tagsOf(scope)');
  }
  return problems;
}

// EKS cluster names; IAM role names; EC2 tag values (the discovery tag's).
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const TAG_VALUE_MAX = 256;

/**
 * Problems with the facts of the cluster the pool's nodes join. Karpenter's CRD refuses an empty role or an empty
 * discovery tag value only in its CEL rules, which the API server evaluates at apply time; a name that is not a
 * role name applies and then leaves the node class unready. Values that are CDK tokens are known only at deploy
 * time and are not checked.
 */
function clusterProblems(props: KarpenterPoolProps): string[] {
  const problems: string[] = [];
  const clusterName = props.clusterName ?? '';
  if (isResolved(clusterName) && !CLUSTER_NAME.test(clusterName)) {
    problems.push(`clusterName ("${clusterName}") must be an EKS cluster name: 1 to 100 letters, digits, "-" and "_", ` +
      'starting with a letter or digit');
  }
  const role = props.nodeRoleName ?? '';
  if (isResolved(role) && !IAM_ROLE_NAME.test(role)) {
    problems.push(`nodeRoleName ("${role}") must be the name of an IAM role: 1 to 64 letters, digits and + = , . @ _ - ` +
      '(e.g. "KarpenterNodeRole-mlops"); a role ARN or a path is not a name');
  }
  const discovery = props.discoveryTagValue;
  if (discovery !== undefined && isResolved(discovery) && (discovery.trim().length === 0 || discovery.length > TAG_VALUE_MAX)) {
    problems.push(`discoveryTagValue ("${discovery}") must be 1 to ${TAG_VALUE_MAX} characters, not blank: it is the value of the ` +
      `${KARPENTER_DISCOVERY_TAG} tag that selects the nodes' subnets and security groups; leave it out to use clusterName`);
  }
  return problems;
}

function weightProblems(strategy: CapacityStrategy): string[] {
  const problems: string[] = [];
  const spot = strategy.spotWeight!;
  const onDemand = strategy.onDemandWeight!;
  for (const [prop, w] of [['spotWeight', spot], ['onDemandWeight', onDemand]] as const) {
    if (!Number.isInteger(w) || w < 1 || w > 100) {
      problems.push(`capacityStrategy ${prop} (${w}) must be a whole number from 1 to 100`);
    }
  }
  if (spot <= onDemand) {
    problems.push(`capacityStrategy spotWeight (${spot}) must be greater than onDemandWeight (${onDemand}); with overlapping weights ` +
      'Karpenter may pick the on-demand pool first. Raise spotWeight or lower onDemandWeight');
  }
  if (strategy.onDemandGpuLimit !== undefined && !isPositiveInteger(strategy.onDemandGpuLimit)) {
    problems.push(`capacityStrategy onDemandGpuLimit (${strategy.onDemandGpuLimit}) must be a whole number greater than 0`);
  }
  return problems;
}

/** Problems with an image volume size: a whole number of GiB within what gp3 allows. */
export function volumeSizeProblems(prop: string, sizeGiB: number | undefined): string[] {
  if (sizeGiB !== undefined && (!isPositiveInteger(sizeGiB) || sizeGiB > MAX_GP3_VOLUME_GIB)) {
    return [`${prop} (${sizeGiB}) must be a whole number of GiB from 1 to ${MAX_GP3_VOLUME_GIB} (16 TiB, the largest gp3 volume)`];
  }
  return [];
}

function blockDevices(family: 'al2023' | 'bottlerocket', imageGiB: number, kmsKeyId?: string): Ec2NodeClassSpecBlockDeviceMappings[] {
  const ebs = (sizeGiB: number) => ({
    volumeSize: `${sizeGiB}Gi`,
    volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
    encrypted: true,
    kmsKeyId,
    deleteOnTermination: true,
  });
  if (family === 'bottlerocket') {
    // Bottlerocket keeps the OS on /dev/xvda and the kubelet root (images, ephemeral storage) on /dev/xvdb,
    // which is therefore the root volume Karpenter sizes ephemeral storage from.
    return [
      { deviceName: '/dev/xvda', ebs: ebs(10) },
      { deviceName: '/dev/xvdb', rootVolume: true, ebs: ebs(imageGiB) },
    ];
  }
  return [{ deviceName: '/dev/xvda', rootVolume: true, ebs: ebs(imageGiB) }];
}
