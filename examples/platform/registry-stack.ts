import { CfnOutput } from 'aws-cdk-lib';
import type { MlopsPlatform, PlatformRegistryConfig } from '../../constructs/platform';
import { TrackingServerSize } from '../../constructs/registry';

/**
 * The model registry of the platform (stack `MlopsRegistry`), in the shared-services account: read by the
 * production account, with a managed MLflow tracking server for experiments. Its models come from the
 * platform's `models`.
 */
export const REGISTRY: PlatformRegistryConfig = {
  consumerAccounts: ['111122223333'],
  experimentTracking: {
    trackingServerName: 'mlops-platform-experiments',
    size: TrackingServerSize.SMALL,
    automaticModelRegistration: true,
  },
};

/** What the consumer account's deployment needs to find the models: outputs of the registry stack. */
export function addRegistryOutputs(platform: MlopsPlatform): void {
  const registry = platform.registry!;
  new CfnOutput(platform.registryStack!, 'ArtifactBucketName', { value: registry.artifactBucket.bucketName });
  for (const model of registry.models) {
    new CfnOutput(platform.registryStack!, `${model.name}ImageRepository`, { value: model.repository.repositoryUri });
  }
}
