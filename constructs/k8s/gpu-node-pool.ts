import { Duration } from 'cdk8s';
import type { Construct } from 'constructs';
import { CapacityStrategy, CapacityStrategyKind } from './capacity-strategy';
import {
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator,
  type NodePoolSpecTemplateSpecRequirements,
} from './imports/karpenter-karpenter.sh';
import { K8sWarnings } from './k8s-warnings';
import { NVIDIA_GPU_RESOURCE } from './labels';
import { CapacityType, DisruptionReason, KarpenterPool, volumeSizeProblems, type KarpenterPoolProps } from './node-pool-base';
import { nonGpuFamilyReason } from './private/gpu-families';
import { isPositiveInteger } from './private/k8s-values';

/**
 * The EKS-optimized NVIDIA AMI a {@link GpuNodePool} boots. Karpenter resolves the alias to the accelerated
 * (NVIDIA driver) variant for GPU instance types, so the driver comes with the AMI.
 *
 * The version is pinned by default: an alias of `latest` follows every AMI release, and each release drifts
 * (replaces) every node of the pool. Upgrade by changing the version, during a window the pool's disruption
 * budgets allow.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specamiselectorterms
 */
export class GpuAmi {
  /**
   * The Amazon EKS AMI release `GpuAmi.al2023()` pins by default: the newest release in the amazon-eks-ami
   * changelog when this version of the library was made (Kubernetes 1.30 to 1.36).
   *
   * @see https://github.com/awslabs/amazon-eks-ami/releases
   */
  public static readonly DEFAULT_AL2023_VERSION = 'v20260714';

  /**
   * The Bottlerocket release `GpuAmi.bottlerocket()` pins by default: the newest general release when this
   * version of the library was made.
   *
   * @see https://github.com/bottlerocket-os/bottlerocket/releases
   */
  public static readonly DEFAULT_BOTTLEROCKET_VERSION = 'v1.64.0';

  /**
   * Amazon Linux 2023 with the NVIDIA driver: one root volume holds the OS and container images.
   *
   * @param version AMI release (e.g. `v20260714`); `latest` follows every release and warns
   *   (`mlops-stack:ami-latest`)
   * @default GpuAmi.DEFAULT_AL2023_VERSION
   */
  public static al2023(version: string = GpuAmi.DEFAULT_AL2023_VERSION): GpuAmi {
    return new GpuAmi('al2023', version);
  }

  /**
   * Bottlerocket with the NVIDIA driver and its own device plugin: a small OS volume and a separate data
   * volume for container images.
   *
   * @param version Bottlerocket release (e.g. `v1.64.0`); `latest` follows every release and warns
   * @default GpuAmi.DEFAULT_BOTTLEROCKET_VERSION
   */
  public static bottlerocket(version: string = GpuAmi.DEFAULT_BOTTLEROCKET_VERSION): GpuAmi {
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
 * Properties of a {@link GpuNodePool}. Plain values only, so the chart synthesizes on its own.
 */
export interface GpuNodePoolProps extends KarpenterPoolProps {
  /**
   * EC2 instance families with NVIDIA GPUs, e.g. `['g5', 'g6', 'g6e']`, each once. List several of one GPU
   * class: spot capacity is found more often, and interrupted less, across more capacity pools. Keep GPU
   * models that teams must tell apart (an L4 and an H100) in separate pools: Kueue quota is per pool.
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
   * The NVIDIA AMI the nodes boot.
   *
   * @default GpuAmi.al2023() (a pinned release)
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
   * Disruption budgets.
   *
   * @default - at most 10% of the nodes at once, and no drift replacement (e.g. to a new AMI) from 08:00 to
   *   18:00 UTC, Monday to Friday, so long training runs are not restarted during working hours
   */
  readonly disruptionBudgets?: KarpenterPoolProps['disruptionBudgets'];
}

/**
 * A Karpenter `EC2NodeClass` and `NodePool` (or a weighted pair of them) for one class of NVIDIA GPUs.
 *
 * Nodes carry two `NoSchedule` taints, `nvidia.com/gpu=true` and `mlops-stack.io/pool=<name>`, and the label
 * `mlops-stack.io/pool=<name>`: only pods that request GPUs and tolerate this pool by name land here, so pools
 * never take each other's work. The pool is dedicated to a team or shared ({@link PoolTenancy}), boots the
 * AL2023 or Bottlerocket NVIDIA AMI at a pinned release, requires IMDSv2, encrypts every gp3 volume, and carries
 * the payer's cost tags as EC2 tags and as node labels. The pool scales to zero when idle.
 *
 * @see https://karpenter.sh/docs/concepts/nodepools/
 * @see https://karpenter.sh/docs/concepts/nodeclasses/
 */
export class GpuNodePool extends KarpenterPool {
  /** GPU ceiling for pods that may run on spot, or undefined when the pool never launches spot. */
  public readonly spotGpuLimit?: number;
  /** GPU ceiling for pods that may run on on-demand, or undefined when the pool never launches on-demand. */
  public readonly onDemandGpuLimit?: number;
  /** Most GPUs one node of the pool can have (8 for every NVIDIA instance type on EC2 today). */
  public readonly maxGpusPerNode: number = 8;
  /** The AMI the nodes boot. */
  public readonly ami: GpuAmi;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    const strategy = props.capacityStrategy ?? CapacityStrategy.spotWithOnDemandFallback();
    const families = props.instanceFamilies;
    const ami = props.ami ?? GpuAmi.al2023();
    const gpuLimit = props.gpuLimit;
    const onDemandLimit = strategy.kind === CapacityStrategyKind.WEIGHTED_SPOT_AND_ON_DEMAND ? strategy.onDemandGpuLimit ?? gpuLimit : gpuLimit;
    super(scope, id, props, {
      kind: 'gpu',
      ami,
      imageVolumeSizeGiB: props.imageVolumeSizeGiB ?? 200,
      requirements: capacityTypes => gpuRequirements(props, strategy, capacityTypes),
      limits: capacityTypes => ({
        [NVIDIA_GPU_RESOURCE]: NodePoolSpecLimits.fromNumber(capacityTypes.includes(CapacityType.SPOT) ? gpuLimit : onDemandLimit),
      }),
      extraTaints: [{ key: NVIDIA_GPU_RESOURCE, value: 'true', effect: 'NoSchedule' }],
      extraLabels: { 'nvidia.com/gpu.present': 'true' },
      defaultBudgets: [
        { nodes: '10%' },
        { nodes: '0', reasons: [DisruptionReason.DRIFTED], schedule: '0 8 * * 1-5', duration: Duration.hours(10) },
      ],
      problems: gpuProblems(props, strategy),
    });
    this.ami = ami;
    this.spotGpuLimit = strategy.kind === CapacityStrategyKind.ON_DEMAND_ONLY ? undefined : gpuLimit;
    this.onDemandGpuLimit = onDemandLimit;

    if (strategy.kind !== CapacityStrategyKind.ON_DEMAND_ONLY && families.length === 1 && (props.instanceSizes?.length ?? 2) < 2) {
      K8sWarnings.add(this, 'gpu-pool-narrow-spot',
        `instanceFamilies (${families[0]}) and instanceSizes (${props.instanceSizes?.join(', ')}) allow a single instance type for spot capacity; ` +
        'spot is then interrupted more often and runs out sooner. Add families (e.g. g5, g6, g6e) or sizes.');
    }
  }

  /** The GPU limit of the NodePool that buys `capacityType`, or undefined when the pool does not buy it. */
  public gpuLimitOf(capacityType: CapacityType): number | undefined {
    return capacityType === CapacityType.SPOT ? this.spotGpuLimit : this.onDemandGpuLimit;
  }
}

function gpuRequirements(props: GpuNodePoolProps, strategy: CapacityStrategy, capacityTypes: CapacityType[]): NodePoolSpecTemplateSpecRequirements[] {
  const families = props.instanceFamilies;
  // Spot needs room to choose: a launch must be able to pick among several families (Karpenter's minValues).
  const minValues = !capacityTypes.includes(CapacityType.SPOT) ? undefined
    : strategy.kind === CapacityStrategyKind.SPOT_WITH_ON_DEMAND_FALLBACK ? strategy.minInstanceFamilies ?? Math.min(2, families.length)
      : Math.min(2, families.length);
  const requirements: NodePoolSpecTemplateSpecRequirements[] = [
    { key: 'karpenter.k8s.aws/instance-family', operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: families, minValues },
  ];
  if (props.instanceSizes) {
    requirements.push({ key: 'karpenter.k8s.aws/instance-size', operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: props.instanceSizes });
  }
  // Belt and braces with the family list: a family that gains non-NVIDIA sizes cannot slip in.
  requirements.push({ key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: ['nvidia'] });
  return requirements;
}

function gpuProblems(props: GpuNodePoolProps, strategy: CapacityStrategy): string[] {
  const problems: string[] = [];
  const families = props.instanceFamilies ?? [];
  if (families.length === 0) {
    problems.push('instanceFamilies must not be empty; list the NVIDIA GPU families the pool may launch, e.g. [\'g5\', \'g6\', \'g6e\']');
  }
  for (const family of families) {
    const reason = nonGpuFamilyReason(family);
    if (reason) {
      problems.push(`instanceFamilies: "${family}" is not an NVIDIA GPU instance family (${reason}); use GPU families such as g5, g6, g6e, p4d, p5`);
    }
  }
  const repeated = [...new Set(families.filter((f, i) => families.indexOf(f) !== i))];
  if (repeated.length > 0) {
    problems.push(`instanceFamilies lists ${repeated.join(', ')} more than once; list each family once`);
  }
  const sizes = props.instanceSizes;
  if (sizes?.length === 0) {
    problems.push('instanceSizes must not be empty; leave it out to allow every size, or list sizes such as [\'xlarge\', \'2xlarge\']');
  }
  const repeatedSizes = [...new Set((sizes ?? []).filter((s, i) => sizes!.indexOf(s) !== i))];
  if (repeatedSizes.length > 0) {
    problems.push(`instanceSizes lists ${repeatedSizes.join(', ')} more than once; list each size once`);
  }
  if (!isPositiveInteger(props.gpuLimit) || props.gpuLimit > 2_147_483_647) {
    problems.push(`gpuLimit (${props.gpuLimit}) must be a whole number from 1 to 2147483647; a pool without GPUs cannot run GPU work`);
  }
  if (strategy.minInstanceFamilies !== undefined &&
      (!isPositiveInteger(strategy.minInstanceFamilies) || strategy.minInstanceFamilies > families.length)) {
    problems.push(`capacityStrategy minInstanceFamilies (${strategy.minInstanceFamilies}) must be a whole number from 1 to the number ` +
      `of instanceFamilies (${families.length}); add families or lower it`);
  }
  problems.push(...volumeSizeProblems('imageVolumeSizeGiB', props.imageVolumeSizeGiB));
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(props.ami?.version ?? 'latest')) {
    problems.push(`ami version ("${props.ami?.version}") must be "latest" or a release such as "v20260714" (lower-case letters, digits, "." and "-")`);
  }
  return problems;
}
