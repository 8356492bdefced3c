import { Duration } from 'aws-cdk-lib';
import type { ModelPromotionConfig } from '../../constructs/platform';
// The serving capability only, not the library's barrel: `cdk synth` then loads what the example uses.
import { CapacitySize, DeploymentGuardrail, ServingInstanceType } from '../../constructs/serving';

/**
 * The fraud-scoring model's promotion from an approved package version to production (in stack `MlopsTraining`):
 * staging, a smoke test, a manual approval, production. Each stage is a stack of its own (`FraudScoringStaging`,
 * `FraudScoringProduction`) with an endpoint that serves the version given in its `ModelPackageArn` parameter:
 * the promotion deploys those templates with that parameter; `cdk deploy` does not (it has no default).
 */
export const FRAUD_SCORING_PROMOTION: ModelPromotionConfig = {
  id: 'FraudPromotion',
  // Staging: one instance, all at once.
  staging: {
    stack: { stackName: 'FraudScoringStaging', description: 'MLOps platform: fraud-scoring staging endpoint, deployed by its promotion (mlops-stack example)' },
    variants: [{ variantName: 'current', instanceType: ServingInstanceType.ML_C5_XLARGE }],
  },
  // Production: a canary rollout over an autoscaled fleet.
  production: {
    stack: { stackName: 'FraudScoringProduction', description: 'MLOps platform: fraud-scoring production endpoint, deployed by its promotion (mlops-stack example)' },
    variants: [{
      variantName: 'current',
      instanceType: ServingInstanceType.ML_C5_XLARGE,
      autoScaling: { minCapacity: 2, maxCapacity: 6, invocationsPerInstance: 600 },
    }],
    guardrail: DeploymentGuardrail.canary({ size: CapacitySize.instances(1), bakeTime: Duration.minutes(10) }),
  },
  smokeTest: { payload: '{"instances": [[0.1, 3, 7, 250.0]]}' },
  approvalEmails: ['ml-oncall@example.com'],
};
