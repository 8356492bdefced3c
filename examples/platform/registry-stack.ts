import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ModelRegistry, TrackingServerSize } from '../../constructs';

/**
 * Props of the example {@link RegistryStack}.
 */
export interface RegistryStackProps extends StackProps {
  /**
   * Accounts that deploy the registry's models (the production account).
   *
   * @default ['111122223333'], the documentation placeholder account
   */
  readonly consumerAccounts?: string[];
}

/**
 * The model registry of the platform, in the shared-services account: two models, read by the production
 * account, with a managed MLflow tracking server for experiments.
 */
export class RegistryStack extends Stack {
  /** The registry; training and serving stacks take grants from it. */
  public readonly registry: ModelRegistry;

  constructor(scope: Construct, id: string, props: RegistryStackProps = {}) {
    super(scope, id, props);
    this.registry = new ModelRegistry(this, 'Registry', {
      models: [
        { name: 'fraud-scoring', description: 'Card-not-present fraud scoring (gradient-boosted trees)', team: 'fraud' },
        { name: 'churn-forecast', description: 'Subscriber churn forecast, retrained weekly', untaggedImagesToKeep: 5 },
      ],
      consumerAccounts: props.consumerAccounts ?? ['111122223333'],
      experimentTracking: {
        trackingServerName: 'mlops-platform-experiments',
        size: TrackingServerSize.SMALL,
        automaticModelRegistration: true,
      },
    });
    // What the consumer account's deployment needs to find the models.
    new CfnOutput(this, 'ArtifactBucketName', { value: this.registry.artifactBucket.bucketName });
    for (const model of this.registry.models) {
      new CfnOutput(this, `${model.name}ImageRepository`, { value: model.repository.repositoryUri });
    }
  }
}
