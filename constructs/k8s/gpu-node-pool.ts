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
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator,
  NodePoolSpecTemplateSpecTaintsEffect,
  type NodePoolSpecTemplateSpecRequirements,
} from './imports/karpenter-karpenter.sh';
import { K8sWarnings } from './k8s-warnings';
import { throwIfProblems } from './private/errors';
import { nonGpuFamilyReason } from './private/gpu-families';
import { costLabelsOf, dnsLabelProblem, goDuration, isPositiveInteger, resolvedTags } from './private/k8s-values';
import { TagSchema, type CostTags } from '../../src/tags/tag-schema';

/** The extended resource the NVIDIA device plugin advertises. */
export const NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';

/** Karpenter's well-known label for spot / on-demand capacity. */
export const CAPACITY_TYPE_LABEL = 'karpenter.sh/capacity-type';

/** Tag (on private subnets and the cluster security group) that EC2NodeClass selectors look for. */
export const KARPENTER_DISCOVERY_TAG = 'karpenter.sh/discovery';

/**
 * The EKS-optimized NVIDIA AMI a {@link GpuNodePool} boots. Karpenter resolves the alias to the accelerated
 * (NVIDIA driver) variant for GPU instance types, so the driver comes with the AMI.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specamiselectorterms
 */
export class GpuAmi {
  /**
   * Amazon Linux 2023 with the NVIDIA driver: one root volume holds the OS and container images.
   *
   * @param version AMI release (e.g. `v20251112`); pin one in production so nodes do not change under you.
   * @default 'latest'
   */
  public static al2023(version: string = 'latest'): GpuAmi {
    return new GpuAmi('al2023', version);
  }

  /**
   * Bottlerocket with the NVIDIA driver: a small OS volume and a separate data volume for container images.
   *
   * @param version Bottlerocket release (e.g. `1.50.0`); pin one in production.
   * @default 'latest'
   */
  public static bottlerocket(version: string = 'latest'): GpuAmi {
    return new GpuAmi('bottlerocket', version);
  }

  /** The `amiSelectorTerms` alias, `family@version`. */
  public readonly alias: string;

  private constructor(
    /** The Karpenter AMI family of the alias. */
    public readonly family: 'al2023' | 'bottlerocket',
    /** The AMI version of the alias. */
    public readonly version: string,
  ) {
    this.alias = `${family}@${version}`;
  }
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
  /** The node no longer matches its pool or node class. */
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
   * Cron schedule (UTC) at which the budget starts to apply; requires `duration`.
   *
   * @default - the budget always applies
   */
  readonly schedule?: string;

  /**
   * How long the budget applies after each `schedule` start; requires `schedule`.
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
 * Properties of a {@link GpuNodePool}. Plain values only, so the chart synthesizes on its own.
 */
export interface GpuNodePoolProps {
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
   * Cost-attribution tags of whoever pays for the pool's nodes, e.g. the owning team's. They become the
   * EC2NodeClass `tags`, which Karpenter puts on the instances, volumes and launch templates it creates, and
   * the same keys become labels on the nodes (see `TagSchema.toLabels`). Every required key of the schema
   * must be present; take them from `CostAttribution.tagsOf(scope)` on the CDK side.
   */
  readonly costTags: CostTags;

  /**
   * The tag schema the tags follow.
   *
   * @default TagSchema.DEFAULT
   */
  readonly tagSchema?: TagSchema;

  /**
   * Name of the EC2NodeClass and base name of the NodePool(s): a weighted pair adds `-spot` and `-on-demand`.
   *
   * @default - the construct id in lower case
   */
  readonly name?: string;

  /**
   * EC2 instance families with NVIDIA GPUs, e.g. `['g5', 'g6', 'g6e']`. List several: spot capacity is
   * found more often, and interrupted less, across more capacity pools.
   *
   * @see https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html
   */
  readonly instanceFamilies: string[];

  /**
   * Instance sizes allowed, e.g. `['xlarge', '2xlarge', '12xlarge']`.
   *
   * @default - every size of the families; pods' GPU requests select the size
   */
  readonly instanceSizes?: string[];

  /**
   * Most `nvidia.com/gpu` the pool may run at once (Karpenter stops launching at this limit). The pool scales
   * to zero when idle.
   *
   * @see https://karpenter.sh/docs/concepts/nodepools/#speclimits
   */
  readonly gpuLimit: number;

  /**
   * How the pool buys capacity.
   *
   * @default CapacityStrategy.spotWithOnDemandFallback()
   */
  readonly capacityStrategy?: CapacityStrategy;

  /**
   * The NVIDIA AMI the nodes boot.
   *
   * @default GpuAmi.al2023()
   */
  readonly ami?: GpuAmi;

  /**
   * Size of the volume that holds container images, in GiB (the root volume on AL2023, the data volume on
   * Bottlerocket). Training and inference images with CUDA are often 10-20 GB each.
   *
   * @default 200
   */
  readonly imageVolumeSizeGiB?: number;

  /**
   * KMS key (ID, ARN or alias) that encrypts the node volumes.
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
   * How long a node must be consolidatable before Karpenter acts: a short time gives GPUs back quickly, a
   * longer one keeps a node for the next job of a burst.
   *
   * @default Duration.minutes(10)
   */
  readonly consolidateAfter?: Duration;

  /**
   * Disruption budgets.
   *
   * @default - one budget of 10% of the nodes
   */
  readonly disruptionBudgets?: DisruptionBudget[];

  /**
   * Node lifetime before replacement, so nodes pick up new AMIs and patches.
   *
   * @default Duration.days(30)
   * @see https://karpenter.sh/docs/concepts/nodepools/#specexpireafter
   */
  readonly expireAfter?: Duration;

  /**
   * Longest a draining node waits for its pods (including those a PodDisruptionBudget protects) before it
   * is terminated; bounds how long a disrupted GPU node keeps billing.
   *
   * @default Duration.hours(2)
   * @see https://karpenter.sh/docs/concepts/nodepools/#specterminationgraceperiod
   */
  readonly terminationGracePeriod?: Duration;
}

const BUDGET_NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;

/**
 * A Karpenter `EC2NodeClass` and `NodePool` (or a weighted pair of them) for one class of NVIDIA GPUs.
 *
 * Nodes carry a `nvidia.com/gpu=true:NoSchedule` taint, so only pods that tolerate it land there, boot the
 * AL2023 or Bottlerocket NVIDIA AMI, require IMDSv2, encrypt every gp3 volume, and carry the cost tags as EC2
 * tags (billed to whoever owns the pool) and as node labels. The pool scales to zero when idle.
 *
 * @see https://karpenter.sh/docs/concepts/nodepools/
 * @see https://karpenter.sh/docs/concepts/nodeclasses/
 */
export class GpuNodePool extends Construct {
  /** Name of the EC2NodeClass. */
  public readonly nodeClassName: string;
  /** Names of the NodePool(s), in the order Karpenter tries them. */
  public readonly nodePoolNames: string[];
  /** GPU ceiling for pods that may run on spot, or undefined when the pool never launches spot. */
  public readonly spotGpuLimit?: number;
  /** GPU ceiling for pods that may run on on-demand, or undefined when the pool never launches on-demand. */
  public readonly onDemandGpuLimit?: number;
  /** The node labels derived from the cost tags. */
  public readonly costLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    const strategy = props.capacityStrategy ?? CapacityStrategy.spotWithOnDemandFallback();
    const schema = props.tagSchema ?? TagSchema.DEFAULT;
    const name = props.name ?? id.toLowerCase();
    const families = props.instanceFamilies;
    const problems = validate(props, strategy, schema, name);
    throwIfProblems(this, 'invalid GpuNodePool properties', problems);

    if (strategy.kind !== CapacityStrategyKind.ON_DEMAND_ONLY && families.length === 1 && (props.instanceSizes?.length ?? 2) < 2) {
      K8sWarnings.add(this, 'gpu-pool-narrow-spot',
        `instanceFamilies (${families[0]}) and instanceSizes (${props.instanceSizes?.join(', ')}) allow a single instance type for spot capacity; ` +
        'spot is then interrupted more often and runs out sooner. Add families (e.g. g5, g6, g6e) or sizes.');
    }

    this.costLabels = costLabelsOf(schema, props.costTags, this.node.path);
    this.nodeClassName = name;
    const ami = props.ami ?? GpuAmi.al2023();
    const discovery = props.discoveryTagValue ?? props.clusterName;

    new Ec2NodeClass(this, 'NodeClass', {
      metadata: { name, labels: this.costLabels },
      spec: {
        role: props.nodeRoleName,
        amiSelectorTerms: [{ alias: ami.alias }],
        subnetSelectorTerms: [{ tags: { [KARPENTER_DISCOVERY_TAG]: discovery } }],
        securityGroupSelectorTerms: [{ tags: { [KARPENTER_DISCOVERY_TAG]: discovery } }],
        blockDeviceMappings: blockDevices(ami, props.imageVolumeSizeGiB ?? 200, props.volumeKmsKeyId),
        metadataOptions: {
          httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
          httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
          httpPutResponseHopLimit: props.metadataHopLimit ?? 1,
        },
        // Karpenter copies these to every instance, volume and launch template it creates: the bill of the
        // pool's nodes goes to the owner of these tags.
        tags: { ...props.costTags },
      },
    });

    const gpuLimit = props.gpuLimit;
    switch (strategy.kind) {
      case CapacityStrategyKind.SPOT_WITH_ON_DEMAND_FALLBACK:
        this.nodePoolNames = [name];
        this.spotGpuLimit = gpuLimit;
        this.onDemandGpuLimit = gpuLimit;
        this.nodePool('NodePool', name, props, ['spot', 'on-demand'], gpuLimit,
          strategy.minInstanceFamilies ?? Math.min(2, families.length));
        break;
      case CapacityStrategyKind.WEIGHTED_SPOT_AND_ON_DEMAND:
        this.nodePoolNames = [`${name}-spot`, `${name}-on-demand`];
        this.spotGpuLimit = gpuLimit;
        this.onDemandGpuLimit = strategy.onDemandGpuLimit ?? gpuLimit;
        this.nodePool('SpotNodePool', `${name}-spot`, props, ['spot'], gpuLimit, Math.min(2, families.length), strategy.spotWeight);
        this.nodePool('OnDemandNodePool', `${name}-on-demand`, props, ['on-demand'], this.onDemandGpuLimit, undefined, strategy.onDemandWeight);
        break;
      case CapacityStrategyKind.ON_DEMAND_ONLY:
        this.nodePoolNames = [name];
        this.onDemandGpuLimit = gpuLimit;
        this.nodePool('NodePool', name, props, ['on-demand'], gpuLimit);
        break;
    }
  }

  private nodePool(id: string, name: string, props: GpuNodePoolProps, capacityTypes: string[], gpuLimit: number,
    minFamilies?: number, weight?: number): NodePool {
    const requirements: NodePoolSpecTemplateSpecRequirements[] = [
      {
        key: 'karpenter.k8s.aws/instance-family',
        operator: NodePoolSpecTemplateSpecRequirementsOperator.IN,
        values: props.instanceFamilies,
        minValues: minFamilies,
      },
      // Belt and braces with the family list: a family that gains non-NVIDIA sizes cannot slip in.
      { key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: ['nvidia'] },
      { key: CAPACITY_TYPE_LABEL, operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: capacityTypes },
      { key: 'kubernetes.io/os', operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: ['linux'] },
    ];
    if (props.instanceSizes) {
      requirements.splice(1, 0, { key: 'karpenter.k8s.aws/instance-size', operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: props.instanceSizes });
    }
    const budgets = props.disruptionBudgets ?? [{ nodes: '10%' }];
    return new NodePool(this, id, {
      metadata: { name, labels: this.costLabels },
      spec: {
        weight,
        limits: { [NVIDIA_GPU_RESOURCE]: NodePoolSpecLimits.fromNumber(gpuLimit) },
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
          metadata: { labels: { ...this.costLabels, 'nvidia.com/gpu.present': 'true' } },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: this.nodeClassName },
            requirements,
            taints: [{ key: NVIDIA_GPU_RESOURCE, value: 'true', effect: NodePoolSpecTemplateSpecTaintsEffect.NO_SCHEDULE }],
            expireAfter: goDuration(props.expireAfter ?? Duration.days(30)),
            terminationGracePeriod: goDuration(props.terminationGracePeriod ?? Duration.hours(2)),
          },
        },
      },
    });
  }
}

function validate(props: GpuNodePoolProps, strategy: CapacityStrategy, schema: TagSchema, name: string): string[] {
  const problems: string[] = [];
  const nameProblem = dnsLabelProblem('name', name);
  if (nameProblem) {
    problems.push(`${nameProblem}; set name or use a lower-case construct id`);
  }
  if (props.instanceFamilies.length === 0) {
    problems.push('instanceFamilies must not be empty; list the NVIDIA GPU families the pool may launch, e.g. [\'g5\', \'g6\', \'g6e\']');
  }
  for (const family of props.instanceFamilies) {
    const reason = nonGpuFamilyReason(family);
    if (reason) {
      problems.push(`instanceFamilies: "${family}" is not an NVIDIA GPU instance family (${reason}); use GPU families such as g5, g6, g6e, p4d, p5`);
    }
  }
  if (props.instanceSizes?.length === 0) {
    problems.push('instanceSizes must not be empty; leave it out to allow every size, or list sizes such as [\'xlarge\', \'2xlarge\']');
  }
  if (!isPositiveInteger(props.gpuLimit)) {
    problems.push(`gpuLimit (${props.gpuLimit}) must be a whole number greater than 0; a pool without GPUs cannot run GPU work`);
  }
  if (strategy.kind === CapacityStrategyKind.WEIGHTED_SPOT_AND_ON_DEMAND) {
    problems.push(...weightProblems(strategy));
  }
  if (strategy.minInstanceFamilies !== undefined &&
      (!isPositiveInteger(strategy.minInstanceFamilies) || strategy.minInstanceFamilies > props.instanceFamilies.length)) {
    problems.push(`capacityStrategy minInstanceFamilies (${strategy.minInstanceFamilies}) must be a whole number from 1 to the number ` +
      `of instanceFamilies (${props.instanceFamilies.length}); add families or lower it`);
  }
  const hop = props.metadataHopLimit;
  if (hop !== undefined && hop !== 1 && hop !== 2) {
    problems.push(`metadataHopLimit (${hop}) must be 1 (pods cannot reach instance metadata) or 2 (pods that call IMDS themselves)`);
  }
  if (props.imageVolumeSizeGiB !== undefined && !isPositiveInteger(props.imageVolumeSizeGiB)) {
    problems.push(`imageVolumeSizeGiB (${props.imageVolumeSizeGiB}) must be a whole number of GiB greater than 0`);
  }
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(props.ami?.version ?? 'latest')) {
    problems.push(`ami version ("${props.ami?.version}") must be "latest" or a release such as "v20251112" (lower-case letters, digits, "." and "-")`);
  }
  (props.disruptionBudgets ?? []).forEach((b, i) => {
    if (!BUDGET_NODES.test(b.nodes)) {
      problems.push(`disruptionBudgets[${i}].nodes ("${b.nodes}") must be a percentage from "0%" to "100%" or a node count such as "2"`);
    }
    if ((b.schedule === undefined) !== (b.duration === undefined)) {
      problems.push(`disruptionBudgets[${i}] sets ${b.schedule ? 'schedule' : 'duration'} without ${b.schedule ? 'duration' : 'schedule'}; give both or neither`);
    }
  });
  for (const p of schema.problems(resolvedTags(props.costTags))) {
    problems.push(`costTags: ${p.message}`);
  }
  const missing = schema.missingKeys(props.costTags);
  if (missing.length > 0) {
    problems.push(`costTags lack required key(s) ${missing.join(', ')}; the pool's instances would be unattributed in the bill. ` +
      'Pass every required key, e.g. from CostAttribution.tagsOf(scope)');
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

function blockDevices(ami: GpuAmi, imageGiB: number, kmsKeyId?: string): Ec2NodeClassSpecBlockDeviceMappings[] {
  const ebs = (sizeGiB: number) => ({
    volumeSize: `${sizeGiB}Gi`,
    volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
    encrypted: true,
    kmsKeyId,
    deleteOnTermination: true,
  });
  if (ami.family === 'bottlerocket') {
    // Bottlerocket keeps the OS on /dev/xvda and the kubelet root (images, ephemeral storage) on /dev/xvdb,
    // which is therefore the root volume Karpenter sizes ephemeral storage from.
    return [
      { deviceName: '/dev/xvda', ebs: ebs(10) },
      { deviceName: '/dev/xvdb', rootVolume: true, ebs: ebs(imageGiB) },
    ];
  }
  return [{ deviceName: '/dev/xvda', rootVolume: true, ebs: ebs(imageGiB) }];
}
