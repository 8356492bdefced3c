import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { ModelRegistry } from '../../constructs/registry';
// The serving capability only, not the library's barrel: `cdk synth` then loads what this stack uses.
import { CapacitySize, DeploymentGuardrail, ModelEndpoint, ModelSource, ServingInstanceType } from '../../constructs/serving';

/**
 * Props of the example {@link EndpointStageStack}.
 */
export interface EndpointStageStackProps extends StackProps {
  /** The registry whose approved package versions the stage serves. */
  readonly registry: ModelRegistry;
  /** The VPC of the endpoint's containers. */
  readonly vpc: ec2.IVpc;
  /** Name of the endpoint, which the promotion's smoke test invokes. */
  readonly endpointName: string;
  /** Production: a canary rollout over an autoscaled fleet. Staging: one instance, all at once. */
  readonly production: boolean;
}

/**
 * One stage (staging or production) of the fraud-scoring model's promotion: an endpoint that serves the
 * approved package version given in the `ModelPackageArn` parameter. The promotion pipeline
 * (`ModelPromotion` in {@link TrainingStack}) deploys this stack's template with that parameter; `cdk deploy`
 * does not (the parameter has no default).
 */
export class EndpointStageStack extends Stack {
  /** The stage's endpoint. */
  public readonly endpoint: ModelEndpoint;

  constructor(scope: Construct, id: string, props: EndpointStageStackProps) {
    super(scope, id, props);
    this.endpoint = new ModelEndpoint(this, 'FraudScoring', {
      registry: props.registry,
      model: props.registry.model('fraud-scoring'),
      vpc: props.vpc,
      endpointName: props.endpointName,
      source: ModelSource.modelPackageParameter(this),
      variants: [{
        variantName: 'current',
        instanceType: ServingInstanceType.ML_C5_XLARGE,
        ...(props.production ? { autoScaling: { minCapacity: 2, maxCapacity: 6, invocationsPerInstance: 600 } } : {}),
      }],
      ...(props.production
        ? { guardrail: DeploymentGuardrail.canary({ size: CapacitySize.instances(1), bakeTime: Duration.minutes(10) }) }
        : {}),
    });
  }
}
