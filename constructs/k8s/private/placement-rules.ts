import type { GpuTeam } from '../gpu-team';
import type { CapacityType, KarpenterPool } from '../node-pool-base';
import { isPositiveInteger } from './k8s-values';

/** How a rule names what is being placed, for its messages. */
export interface PlacementWording {
  /** What runs on GPUs, e.g. `GPU work`. */
  readonly work: string;
  /** The pod the namespace LimitRange would refuse, e.g. `the pod`. */
  readonly pod: string;
}

const DEFAULT_WORDING: PlacementWording = { work: 'GPU work', pod: 'the pod' };

/** Problems with a GPU request of `gpus` per container for `team`. */
export function gpuRequestProblems(team: GpuTeam | undefined, gpus: number, wording: PlacementWording = DEFAULT_WORDING): string[] {
  if (!isPositiveInteger(gpus)) {
    return [`gpus (${gpus}) must be a whole number greater than 0`];
  }
  if (team && gpus > team.maxGpusPerContainer) {
    return [`gpus (${gpus}) is more than team "${team.name}" allows one container (maxGpusPerContainer ${team.maxGpusPerContainer}); ` +
      `${wording.pod} would be refused by the namespace LimitRange`];
  }
  return [];
}

/**
 * Problems with pinning `team`'s work to `pool`: a pool dedicated to another team, a capacity type the pool does
 * not buy, and (with `gpu`) a CPU pool for GPU work.
 */
export function pinnedPoolProblems(team: GpuTeam, pool: KarpenterPool, capacityType: CapacityType | undefined,
  gpu: boolean, wording: PlacementWording = DEFAULT_WORDING): string[] {
  const out: string[] = [];
  if (gpu && pool.kind !== 'gpu') {
    out.push(`pool "${pool.poolName}" is a CPU pool; ${wording.work} needs a GPU pool`);
  }
  if (!pool.tenancy.allows(team.name)) {
    out.push(`pool "${pool.poolName}" is ${pool.tenancy.describe()} and billed to "${pool.billedTo}"; team "${team.name}" ` +
      'may use its own pools and shared ones');
  }
  if (capacityType !== undefined && !pool.buys(capacityType)) {
    out.push(`capacityType ${capacityType} is not bought by pool "${pool.poolName}" (${pool.capacity.map(c => c.capacityType).join(', ')})`);
  }
  return out;
}
