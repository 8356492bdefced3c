// Plain values only (cdk8s classes, no aws-cdk-lib): the platform and the cdk8s-only workloads charts share them.
import { CapacityStrategy, ConsolidationPolicy, GpuAmi } from '../../constructs/k8s';
import type { ClusterPoolsConfig, PlatformTeamConfig, TeamConfig } from '../../constructs/platform';

/** The platform team: it runs the shared services and the shared pools, and pays for them. */
export const PLATFORM_TEAM: PlatformTeamConfig = { name: 'ml-platform', budget: { monthlyLimitUsd: 30_000 }, financeName: 'ML Platform' };

/**
 * Two teams, each paying for its own GPU pool: `fraud` trains on L4 GPUs (g6) spot first with on-demand
 * fallback, `recsys` on A100s (p4d, p4de) with a weighted spot / on-demand pair. Both may also use the
 * platform's shared L40S pool (billed to the platform team) and the shared CPU pool.
 */
export const TEAMS: TeamConfig[] = [
  {
    name: 'fraud',
    budget: { monthlyLimitUsd: 20_000 },
    financeName: 'Fraud Detection',
    pools: [{
      name: 'fraud-training',
      instanceFamilies: ['g6'],
      instanceSizes: ['xlarge', '2xlarge', '4xlarge', '12xlarge'],
      gpuLimit: 16,
      quota: { spotGpus: 8, onDemandGpus: 4 },
    }],
    sharedPools: [{ pool: 'shared-training', spotGpus: 2, borrowingLimitGpus: 2 }],
    cpuQuota: { pool: 'cpu', spotCpus: 32 },
  },
  {
    name: 'recsys',
    budget: { monthlyLimitUsd: 45_000, forecastedThresholdsPercent: [110] },
    financeName: 'Recommendations',
    pools: [{
      name: 'recsys-training',
      instanceFamilies: ['p4d', 'p4de'],
      gpuLimit: 32,
      capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ onDemandGpuLimit: 16 }),
      ami: GpuAmi.bottlerocket(),
      imageVolumeSizeGiB: 300,
      quota: { spotGpus: 16, onDemandGpus: 8 },
    }],
    sharedPools: [{ pool: 'shared-training', spotGpus: 4, borrowingLimitGpus: 2 }],
    cpuQuota: { pool: 'cpu', spotCpus: 32 },
  },
];

/**
 * The platform's own pools, billed to the platform team: a shared L40S training pool both teams list after their
 * own, an on-demand serving pool, and the CPU pool.
 */
export const SHARED_POOLS: ClusterPoolsConfig = {
  sharedPools: [
    { name: 'shared-training', instanceFamilies: ['g6e'], instanceSizes: ['xlarge', '2xlarge', '4xlarge'], gpuLimit: 8 },
    {
      name: 'serving',
      instanceFamilies: ['g6'],
      instanceSizes: ['xlarge', '2xlarge'],
      gpuLimit: 8,
      capacityStrategy: CapacityStrategy.onDemandOnly(),
      consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED,
    },
  ],
  cpuPools: [{ name: 'cpu' }],
};
