import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SHARED_POOLS } from './teams';
// The compute capability only, not the library's barrel: `cdk synth` then loads what this stack uses.
import { ClusterEndpoint, GpuCluster } from '../../constructs/compute';
import type { PlatformGpuClusterConfig } from '../../constructs/platform';

/**
 * The GPU cluster of the platform (stack `MlopsGpuCluster`): EKS with Karpenter, its interruption handling, the
 * NVIDIA device plugin and Kueue, the platform's shared pools, and (from the teams' configuration) each team's
 * pools, namespace and queue.
 */
export const GPU_CLUSTER: PlatformGpuClusterConfig = {
  // Private API endpoint: operators reach it over the VPN, CI from inside the VPC.
  endpoint: ClusterEndpoint.privateOnly(),
  ...SHARED_POOLS,
};

/**
 * The cluster stack on its own, with the platform's cluster settings and no charts: what the synth benchmark times
 * (test/bench/synth.bench.ts).
 */
export class GpuClusterStack extends Stack {
  /** The cluster. */
  public readonly gpuCluster: GpuCluster;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const { sharedPools: _shared, cpuPools: _cpu, queues: _queues, ...cluster } = GPU_CLUSTER;
    this.gpuCluster = new GpuCluster(this, 'GpuCluster', cluster);
  }
}
