import { Duration } from 'aws-cdk-lib';
import type { ModelEndpointConfig } from '../../constructs/platform';
// The serving capability only, not the library's barrel: `cdk synth` then loads what the example uses.
import { CapacitySize, DeploymentGuardrail, ModelSource, ServingInstanceType } from '../../constructs/serving';

/** The served version's training-data baseline, under the model's artifacts prefix. */
export const BASELINE_PREFIX = '1.4.0/baseline/';

/**
 * Real-time serving of the fraud team's scoring model on SageMaker (stack `MlopsServing`): a canary rollout with
 * auto-rollback, autoscaling that survives configuration updates, captured requests and an hourly data-quality
 * check whose violations are the retraining trigger. Billed to the fraud team, which owns the model.
 */
export const FRAUD_SCORING_ENDPOINT: ModelEndpointConfig = {
  source: ModelSource.imageTag('1.4.0', { artifactsKey: '1.4.0/model.tar.gz' }),
  variants: [{
    variantName: 'current',
    // Gradient-boosted trees: CPU serving is cheaper than a GPU at this model's latency.
    instanceType: ServingInstanceType.ML_C5_XLARGE,
    // A canary needs room: at least two instances, so one can take the new configuration first.
    autoScaling: { minCapacity: 2, maxCapacity: 6, invocationsPerInstance: 600 },
  }],
  guardrail: DeploymentGuardrail.canary({ size: CapacitySize.instances(1), bakeTime: Duration.minutes(10) }),
  dataCapture: { samplingPercentage: 20 },
  // The baseline comes from the training data of the served version, under the model's own prefix.
  dataQuality: { baselinePrefix: BASELINE_PREFIX },
};
