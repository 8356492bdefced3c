import type { KarpenterPool } from '../node-pool-base';

/**
 * NVIDIA GPUs (`nvidia.com/gpu` the device plugin advertises) of each size of the GPU families whose sizes this
 * library knows. A family that is missing (fractional-GPU g6f and gr6f, newer families) is not guessed: see
 * {@link maxGpusPerNodeOf}.
 *
 * @see https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html
 */
export const GPUS_PER_INSTANCE: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'g4dn': { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, 'metal': 8 },
  'g5': { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 },
  'g5g': { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 2, 'metal': 2 },
  'g6': { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 },
  'g6e': { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 },
  'gr6': { '4xlarge': 1, '8xlarge': 1 },
  'p3': { '2xlarge': 1, '8xlarge': 4, '16xlarge': 8 },
  'p3dn': { '24xlarge': 8 },
  'p4d': { '24xlarge': 8 },
  'p4de': { '24xlarge': 8 },
  'p5': { '4xlarge': 1, '48xlarge': 8 },
  'p5e': { '48xlarge': 8 },
  'p5en': { '48xlarge': 8 },
  'p6-b200': { '48xlarge': 8 },
  'p6-b300': { '48xlarge': 8 },
  'p6e-gb200': { '36xlarge': 4 },
};

/** Most GPUs any NVIDIA instance type on EC2 has: the bound for families this library has no sizes for. */
const EC2_MAX_GPUS_PER_INSTANCE = 8;

/** The most GPUs one node of a pool can have, and the instance types that have them. */
export interface PoolGpuCapacity {
  /** Most `nvidia.com/gpu` on one node the pool can launch. */
  readonly maxGpusPerNode: number;
  /** The instance types (`family.size`) with that many GPUs, or the families whose sizes are not known. */
  readonly largest: string[];
  /** Whether every family of the pool is in {@link GPUS_PER_INSTANCE} (otherwise the bound is EC2's). */
  readonly exact: boolean;
}

/**
 * The largest node a pool can launch, in GPUs, from the instance families and sizes its NodePools require.
 * A CPU pool has none; a family without known sizes counts as the largest any EC2 instance has.
 */
export function maxGpusPerNodeOf(pool: KarpenterPool): PoolGpuCapacity {
  if (pool.kind !== 'gpu') {
    return { maxGpusPerNode: 0, largest: [], exact: true };
  }
  const { families, sizes } = requiredFamiliesAndSizes(pool);
  let max = 0;
  let largest: string[] = [];
  let exact = true;
  const consider = (gpus: number, what: string) => {
    if (gpus > max) {
      max = gpus;
      largest = [what];
    } else if (gpus === max) {
      largest.push(what);
    }
  };
  for (const family of families) {
    const known = GPUS_PER_INSTANCE[family];
    if (!known) {
      exact = false;
      consider(EC2_MAX_GPUS_PER_INSTANCE, family);
      continue;
    }
    for (const [size, gpus] of Object.entries(known)) {
      if (sizes === undefined || sizes.includes(size)) {
        consider(gpus, `${family}.${size}`);
      }
    }
  }
  return { maxGpusPerNode: max, largest, exact };
}

// The NodePools of a pool all carry the same family and size requirements (see GpuNodePool); reading them from
// the synthesized objects keeps this in step with what Karpenter is told.
function requiredFamiliesAndSizes(pool: KarpenterPool): { families: string[]; sizes?: string[] } {
  const requirements: any[] = pool.node.findAll()
    .map(c => c as any)
    .filter(c => c.kind === 'NodePool' && typeof c.toJson === 'function')
    .flatMap(c => c.toJson().spec?.template?.spec?.requirements ?? []);
  const values = (key: string) => {
    const found = requirements.filter(r => r.key === key && r.operator === 'In').map(r => r.values as string[]);
    return found.length === 0 ? undefined : found[0];
  };
  return { families: values('karpenter.k8s.aws/instance-family') ?? [], sizes: values('karpenter.k8s.aws/instance-size') };
}
