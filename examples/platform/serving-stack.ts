import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { ModelRegistry } from '../../constructs/registry';
// The serving capability only, not the library's barrel: `cdk synth` then loads what this stack uses.
import { CapacitySize, type DataQualityMonitor, DeploymentGuardrail, ModelEndpoint, ModelSource, ServingInstanceType } from '../../constructs/serving';
import { baselineUris } from './training-stack';

/**
 * Props of the example {@link ServingStack}.
 */
export interface ServingStackProps extends StackProps {
  /** The registry that holds the served model. */
  readonly registry: ModelRegistry;
  /** The VPC the endpoint's containers and its monitoring jobs attach to (the GPU cluster's). */
  readonly vpc: ec2.IVpc;
}

/**
 * Real-time serving of the fraud team's scoring model on SageMaker: a canary rollout with auto-rollback,
 * autoscaling that survives configuration updates, captured requests and an hourly data-quality check whose
 * violations are the retraining trigger. Billed to the fraud team, which owns the model.
 */
export class ServingStack extends Stack {
  /** The fraud-scoring endpoint. */
  public readonly fraudScoring: ModelEndpoint;
  /** Its data-quality monitor, whose violations are the retraining trigger. */
  public readonly fraudDrift: DataQualityMonitor;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, props);
    const model = props.registry.model('fraud-scoring');
    this.fraudScoring = new ModelEndpoint(this, 'FraudScoring', {
      registry: props.registry,
      model,
      vpc: props.vpc,
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
    });
    // The baseline comes from the training data of the served version, under the model's own prefix.
    const baseline = baselineUris(props.registry, model.name, '1.4.0');
    this.fraudDrift = this.fraudScoring.monitorDataQuality({
      baselineStatisticsUri: baseline.statistics,
      baselineConstraintsUri: baseline.constraints,
    });
  }
}
