import * as blueprints from '@aws-quickstart/eks-blueprints';
import { App } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';

// The comparison stack of test/bench/synth.bench.ts: the closest EKS Blueprints equivalent of the GPU cluster
// example (same Kubernetes version, a private-subnet cluster with all control plane logs, an on-demand system
// node group, a GPU node group, Karpenter with Pod Identity and interruption handling, the NVIDIA GPU operator
// for the device plugin). The CDK CLI runs it as its app command.
async function main() {
  const app = new App();
  const clusterProvider = new blueprints.GenericClusterProvider({
    version: eks.KubernetesVersion.V1_35,
    clusterLogging: [
      eks.ClusterLoggingTypes.API, eks.ClusterLoggingTypes.AUDIT, eks.ClusterLoggingTypes.AUTHENTICATOR,
      eks.ClusterLoggingTypes.CONTROLLER_MANAGER, eks.ClusterLoggingTypes.SCHEDULER,
    ],
    managedNodeGroups: [
      {
        id: 'system',
        instanceTypes: [new ec2.InstanceType('m7i.large'), new ec2.InstanceType('m6i.large')],
        amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
        nodeGroupCapacityType: eks.CapacityType.ON_DEMAND,
        minSize: 2,
        desiredSize: 2,
        maxSize: 3,
      },
      {
        id: 'gpu',
        instanceTypes: [new ec2.InstanceType('g6.xlarge'), new ec2.InstanceType('g5.xlarge')],
        amiType: eks.NodegroupAmiType.AL2023_X86_64_NVIDIA,
        nodeGroupCapacityType: eks.CapacityType.SPOT,
        minSize: 0,
        desiredSize: 0,
        maxSize: 4,
      },
    ],
  });
  await blueprints.EksBlueprint.builder()
    .version(eks.KubernetesVersion.V1_35)
    .clusterProvider(clusterProvider)
    .addOns(
      new blueprints.addons.EksPodIdentityAgentAddOn(),
      new blueprints.addons.KarpenterV1AddOn({ interruptionHandling: true, podIdentity: true }),
      new blueprints.addons.GpuOperatorAddon({ values: { driver: { enabled: false } } }),
    )
    .buildAsync(app, 'BlueprintsGpuCluster');
  app.synth();
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
