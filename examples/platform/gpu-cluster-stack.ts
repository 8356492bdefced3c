import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
// The compute capability only, not the library's barrel: `cdk synth` then loads what this stack uses.
import { ClusterEndpoint, GpuCluster } from '../../constructs/compute';

/**
 * The GPU compute stack of the platform: an EKS cluster with Karpenter, its interruption handling, the NVIDIA
 * device plugin and Kueue. Node pools and team queues (cdk8s charts) are applied with
 * `gpuCluster.addWorkloadChart(id, chart)`.
 */
export class GpuClusterStack extends Stack {
  /** The cluster, for charts that need its name, node role or discovery tag. */
  public readonly gpuCluster: GpuCluster;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.gpuCluster = new GpuCluster(this, 'GpuCluster', {
      // Private API endpoint: operators reach it over the VPN, CI from inside the VPC.
      endpoint: ClusterEndpoint.privateOnly(),
    });
  }
}
