import { Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { CostAttribution } from '../../constructs';
import { RegistryStack } from './registry-stack';

/**
 * The shared-services stack of the platform: what the platform team runs for every team.
 */
export class PlatformStack extends Stack {
  /** Where cost anomalies and budget alerts are published. */
  public readonly costAlerts: sns.ITopic;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'AlertsKey', {
      description: 'Encrypts the platform alert topics',
      enableKeyRotation: true,
    });
    this.costAlerts = new sns.Topic(this, 'CostAlerts', {
      displayName: 'MLOps platform cost alerts',
      masterKey: key,
      enforceSSL: true,
    });
  }
}

/**
 * Build the full example platform into `scope` (an App or a Stage): cost attribution for every resource,
 * then each stack. Env-agnostic, so it synthesizes with no AWS account or credentials.
 */
export function buildPlatform(scope: Construct): Stack[] {
  CostAttribution.apply(scope, {
    tags: { 'project': 'mlops-platform', 'cost-center': 'cc-4200', 'environment': 'prod' },
  });
  const platform = new PlatformStack(scope, 'MlopsPlatform', {
    description: 'MLOps platform: shared services (mlops-stack example)',
  });
  CostAttribution.apply(platform, { tags: { team: 'ml-platform' } });

  const registry = new RegistryStack(scope, 'MlopsRegistry', {
    description: 'MLOps platform: model registry (mlops-stack example)',
  });
  CostAttribution.apply(registry, { tags: { team: 'ml-platform' } });
  return [platform, registry];
}
