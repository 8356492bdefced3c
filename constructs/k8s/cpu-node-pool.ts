import type { Construct } from 'constructs';
import { CapacityStrategy, CapacityStrategyKind } from './capacity-strategy';
import { GpuAmi } from './gpu-node-pool';
import {
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator,
  type NodePoolSpecTemplateSpecRequirements,
} from './imports/karpenter-karpenter.sh';
import { CapacityType, KarpenterPool, volumeSizeProblems, type KarpenterPoolProps } from './node-pool-base';
import { isPositiveInteger } from './private/k8s-values';

/**
 * Properties of a {@link CpuNodePool}. Plain values only, so the chart synthesizes on its own.
 */
export interface CpuNodePoolProps extends KarpenterPoolProps {
  /**
   * EC2 instance categories (`c` compute, `m` general purpose, `r` memory).
   *
   * @default ['c', 'm', 'r']
   * @see https://karpenter.sh/docs/reference/instance-types/
   */
  readonly instanceCategories?: string[];

  /**
   * Oldest instance generation allowed (6 allows m6i, c7i, r8g ... and excludes m5).
   *
   * @default 6
   */
  readonly minInstanceGeneration?: number;

  /**
   * CPU architecture of the nodes (`amd64` or `arm64`); team images must be built for it.
   *
   * @default 'amd64'
   */
  readonly architecture?: 'amd64' | 'arm64';

  /**
   * Most vCPUs the pool may run at once (Karpenter stops launching at this limit).
   *
   * @default 256
   */
  readonly cpuLimit?: number;

  /**
   * Most memory the pool may run at once, in GiB.
   *
   * @default - 8 GiB per vCPU of `cpuLimit`
   */
  readonly memoryLimitGiB?: number;

  /**
   * AL2023 AMI release the nodes boot (the standard, non-accelerated variant).
   *
   * @default GpuAmi.DEFAULT_AL2023_VERSION
   */
  readonly amiVersion?: string;

  /**
   * Size of the encrypted gp3 root volume, in GiB.
   *
   * @default 100
   */
  readonly rootVolumeSizeGiB?: number;
}

/**
 * A Karpenter pool of CPU instances for the CPU-only work of teams (data preparation, evaluation, CPU
 * inference): spot first, on-demand when spot is short, scaling from zero. The cluster's system node group is
 * fixed in size and runs add-ons only; this pool is where CPU work grows.
 *
 * Like every pool of the library its nodes are tainted and labelled `mlops-stack.io/pool=<name>`, so only
 * work placed on it (through a team's Kueue flavor or a pinned workload) runs there. It is usually
 * `PoolTenancy.shared()`, billed to the platform team.
 */
export class CpuNodePool extends KarpenterPool {
  /** vCPU ceiling of the pool. */
  public readonly cpuLimit: number;
  /** Memory ceiling of the pool, in GiB. */
  public readonly memoryLimitGiB: number;

  constructor(scope: Construct, id: string, props: CpuNodePoolProps) {
    const strategy = props.capacityStrategy ?? CapacityStrategy.spotWithOnDemandFallback();
    const cpuLimit = props.cpuLimit ?? 256;
    const memoryLimitGiB = props.memoryLimitGiB ?? cpuLimit * 8;
    const categories = props.instanceCategories ?? ['c', 'm', 'r'];
    const generation = props.minInstanceGeneration ?? 6;
    const problems: string[] = [];
    if (categories.length === 0) {
      problems.push('instanceCategories must not be empty; leave it out for c, m and r');
    }
    const gpuCategories = categories.filter(c => ['g', 'p', 'inf', 'trn', 'dl', 'f', 'vt'].includes(c));
    if (gpuCategories.length > 0) {
      problems.push(`instanceCategories (${gpuCategories.join(', ')}) are accelerated categories; use GpuNodePool for GPU instances`);
    }
    for (const [prop, value] of [['cpuLimit', cpuLimit], ['memoryLimitGiB', memoryLimitGiB], ['minInstanceGeneration', generation]] as const) {
      if (!isPositiveInteger(value) || value > 2_147_483_647) {
        problems.push(`${prop} (${value}) must be a whole number from 1 to 2147483647`);
      }
    }
    if (strategy.kind === CapacityStrategyKind.WEIGHTED_SPOT_AND_ON_DEMAND && strategy.onDemandGpuLimit !== undefined) {
      problems.push('capacityStrategy onDemandGpuLimit applies to GPU pools only; leave it out for a CPU pool');
    }
    problems.push(...volumeSizeProblems('rootVolumeSizeGiB', props.rootVolumeSizeGiB));
    super(scope, id, props, {
      kind: 'cpu',
      ami: { family: 'al2023', version: props.amiVersion ?? GpuAmi.DEFAULT_AL2023_VERSION },
      imageVolumeSizeGiB: props.rootVolumeSizeGiB ?? 100,
      requirements: capacityTypes => cpuRequirements(categories, generation, props.architecture ?? 'amd64', capacityTypes),
      limits: () => ({ cpu: NodePoolSpecLimits.fromNumber(cpuLimit), memory: NodePoolSpecLimits.fromString(`${memoryLimitGiB}Gi`) }),
      extraTaints: [],
      extraLabels: {},
      defaultBudgets: [{ nodes: '10%' }],
      problems,
    });
    this.cpuLimit = cpuLimit;
    this.memoryLimitGiB = memoryLimitGiB;
  }
}

function cpuRequirements(categories: string[], generation: number, architecture: string,
  capacityTypes: CapacityType[]): NodePoolSpecTemplateSpecRequirements[] {
  return [
    {
      key: 'karpenter.k8s.aws/instance-category',
      operator: NodePoolSpecTemplateSpecRequirementsOperator.IN,
      values: categories,
      // Spot needs room to choose among capacity pools.
      minValues: capacityTypes.includes(CapacityType.SPOT) ? Math.min(2, categories.length) : undefined,
    },
    // Gt is exclusive: generation 6 and newer.
    { key: 'karpenter.k8s.aws/instance-generation', operator: NodePoolSpecTemplateSpecRequirementsOperator.GT, values: [String(generation - 1)] },
    { key: 'kubernetes.io/arch', operator: NodePoolSpecTemplateSpecRequirementsOperator.IN, values: [architecture] },
  ];
}
