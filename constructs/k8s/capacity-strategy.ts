/**
 * Options of {@link CapacityStrategy.spotWithOnDemandFallback}.
 */
export interface SpotWithOnDemandFallbackOptions {
  /**
   * Least number of distinct instance families a launch request must be able to choose from (Karpenter's
   * `minValues`). More families give the spot allocation strategy more capacity pools to draw from, so
   * interruptions are rarer and fallback to on-demand is needed less often.
   *
   * @default - 2, or 1 when the pool has a single family
   * @see https://karpenter.sh/docs/concepts/nodepools/#min-values
   */
  readonly minInstanceFamilies?: number;
}

/**
 * Options of {@link CapacityStrategy.weightedSpotAndOnDemand}.
 */
export interface WeightedSpotAndOnDemandOptions {
  /**
   * Karpenter weight of the spot pool (1-100); higher is tried first. Must be greater than `onDemandWeight`.
   *
   * @default 100
   * @see https://karpenter.sh/docs/concepts/scheduling/#weighted-nodepools
   */
  readonly spotWeight?: number;

  /**
   * Karpenter weight of the on-demand fallback pool (1-100). Must be lower than `spotWeight`.
   *
   * @default 10
   */
  readonly onDemandWeight?: number;

  /**
   * `nvidia.com/gpu` limit of the on-demand pool, so the expensive fallback has its own ceiling.
   *
   * @default - the pool's `gpuLimit`
   * @see https://karpenter.sh/docs/concepts/nodepools/#speclimits
   */
  readonly onDemandGpuLimit?: number;
}

/** Which kind of capacity strategy a {@link CapacityStrategy} is. */
export enum CapacityStrategyKind {
  /** One pool allowing spot and on-demand; Karpenter tries reserved, then spot, then on-demand. */
  SPOT_WITH_ON_DEMAND_FALLBACK = 'spot-with-on-demand-fallback',
  /** Two pools sharing one node class: spot (higher weight) and on-demand (lower weight, own limit). */
  WEIGHTED_SPOT_AND_ON_DEMAND = 'weighted-spot-and-on-demand',
  /** One on-demand pool, for work that must never be interrupted. */
  ON_DEMAND_ONLY = 'on-demand-only',
}

/**
 * How a {@link GpuNodePool} buys capacity.
 *
 * Karpenter launches the cheapest option a pool allows, in the order reserved > spot > on-demand, so a pool
 * that allows spot and on-demand falls back to on-demand when EC2 has no spot capacity for its instance
 * types. A weighted pair does the same across two pools, which gives the fallback its own limit and its own
 * name in metrics and bills.
 *
 * @see https://karpenter.sh/docs/concepts/scheduling/#fallback
 */
export class CapacityStrategy {
  /**
   * Spot first, on-demand when spot is unavailable, in one pool. Karpenter's price-capacity-optimized spot
   * allocation needs room to choose, so the pool requires a minimum number of instance families per launch.
   */
  public static spotWithOnDemandFallback(options: SpotWithOnDemandFallbackOptions = {}): CapacityStrategy {
    return new CapacityStrategy(CapacityStrategyKind.SPOT_WITH_ON_DEMAND_FALLBACK, options.minInstanceFamilies);
  }

  /**
   * A spot pool tried first and an on-demand pool as fallback, each with its own limits: for teams that need
   * to cap or see on-demand spend separately.
   */
  public static weightedSpotAndOnDemand(options: WeightedSpotAndOnDemandOptions = {}): CapacityStrategy {
    return new CapacityStrategy(CapacityStrategyKind.WEIGHTED_SPOT_AND_ON_DEMAND, undefined,
      options.spotWeight ?? 100, options.onDemandWeight ?? 10, options.onDemandGpuLimit);
  }

  /** On-demand only: for work that must never be interrupted by a spot reclaim. */
  public static onDemandOnly(): CapacityStrategy {
    return new CapacityStrategy(CapacityStrategyKind.ON_DEMAND_ONLY);
  }

  private constructor(
    /** Which strategy this is. */
    public readonly kind: CapacityStrategyKind,
    /** Least number of instance families per launch (spot with fallback only). */
    public readonly minInstanceFamilies?: number,
    /** Weight of the spot pool (weighted pair only). */
    public readonly spotWeight?: number,
    /** Weight of the on-demand pool (weighted pair only). */
    public readonly onDemandWeight?: number,
    /** GPU limit of the on-demand pool (weighted pair only). */
    public readonly onDemandGpuLimit?: number,
  ) {}
}
