import { Duration, Size } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import { endpoint, fixture, MODEL } from './fixtures';
import { CapacitySize, DeploymentGuardrail, type ModelEndpointProps, ModelSource, ServingInstanceType } from '../../../constructs';

function build(props: Partial<ModelEndpointProps>): () => void {
  return () => endpoint(fixture(), props);
}

const SMALL = { memorySize: Size.gibibytes(2), maxConcurrency: 10 };

describe('ModelEndpoint rejects bad input at synth time', () => {
  test('errors name the construct path', () => {
    expect(build({ variants: [{ variantName: 'a', weight: -1 }] })).toThrow(/^S\/Endpoint: /);
  });

  test('a negative weight', () => {
    expect(build({ variants: [{ variantName: 'a', weight: -1 }, { variantName: 'b' }] }))
      .toThrow(/variants\[0\]\.weight \(-1\) must not be negative/);
  });

  test('all weights zero', () => {
    expect(build({ variants: [{ variantName: 'a', weight: 0 }, { variantName: 'b', weight: 0 }] }))
      .toThrow(/every production variant weight is 0 \(0, 0\)/);
  });

  test('autoscaling min above max', () => {
    expect(build({ variants: [{ variantName: 'a', autoScaling: { minCapacity: 3, maxCapacity: 2, invocationsPerInstance: 10 } }] }))
      .toThrow(/variants\[0\]\.autoScaling\.minCapacity \(3\) must not exceed maxCapacity \(2\); raise maxCapacity or lower minCapacity/);
  });

  test('an initial count outside the autoscaling range', () => {
    expect(build({ variants: [{ variantName: 'a', initialInstanceCount: 9, autoScaling: { minCapacity: 1, maxCapacity: 4, invocationsPerInstance: 10 } }] }))
      .toThrow(/initialInstanceCount \(9\) must be within autoScaling\.minCapacity \(1\) and maxCapacity \(4\)/);
  });

  test('a canary over 50% of the fleet', () => {
    expect(build({
      variants: [{ variantName: 'a', initialInstanceCount: 4 }],
      guardrail: DeploymentGuardrail.canary({ size: CapacitySize.percent(60), bakeTime: Duration.minutes(5) }),
    })).toThrow(/guardrail canary size \(60%\) is 60% of the smallest variant's fleet of 4 instance\(s\); SageMaker allows 0% to 50%/);
  });

  test('a canary of instances over half the fleet', () => {
    expect(build({
      variants: [{ variantName: 'a', initialInstanceCount: 4 }],
      guardrail: DeploymentGuardrail.canary({ size: CapacitySize.instances(3), bakeTime: Duration.minutes(5) }),
    })).toThrow(/guardrail canary size \(3 instance\(s\)\) is 75%/);
  });

  test('a canary on a fleet of fewer than 2 instances', () => {
    expect(build({ guardrail: DeploymentGuardrail.canary({ size: CapacitySize.instances(1), bakeTime: Duration.minutes(5) }) }))
      .toThrow(/guardrail canary needs at least 2 instances per variant \(the smallest fleet has 1\)/);
  });

  test('the canary check uses the autoscaling minimum when no initial count is given', () => {
    expect(build({
      variants: [{ variantName: 'a', autoScaling: { minCapacity: 1, maxCapacity: 10, invocationsPerInstance: 10 } }],
      guardrail: DeploymentGuardrail.canary({ size: CapacitySize.percent(10), bakeTime: Duration.minutes(5) }),
    })).toThrow(/smallest fleet has 1/);
  });

  test('a linear step outside 10-50%', () => {
    expect(build({
      variants: [{ variantName: 'a', initialInstanceCount: 2 }],
      guardrail: DeploymentGuardrail.linear({ step: CapacitySize.percent(5), interval: Duration.minutes(5) }),
    })).toThrow(/guardrail linear step \(5%\) .* SageMaker allows 10% to 50%/);
  });

  test('a rolling batch over 50%', () => {
    expect(build({
      variants: [{ variantName: 'a', initialInstanceCount: 2 }],
      guardrail: DeploymentGuardrail.rolling({ batchSize: CapacitySize.instances(2), wait: Duration.minutes(5) }),
    })).toThrow(/guardrail rolling batchSize \(2 instance\(s\)\) is 100%/);
  });

  test('an instance type that is not ml.*', () => {
    expect(build({ variants: [{ variantName: 'a', instanceType: ServingInstanceType.of('m5.large') }] }))
      .toThrow(/variants\[0\]\.instanceType \("m5\.large"\) is not a SageMaker instance type: they read ml\.<family>\.<size>/);
  });

  test('an instance type of an unknown family', () => {
    expect(build({ variants: [{ variantName: 'a', instanceType: ServingInstanceType.of('ml.x9z.large') }] }))
      .toThrow(/variants\[0\]\.instanceType \("ml\.x9z\.large"\) is of the family "x9z", which this library does not know.*known families: t2, /);
  });

  test('a GPU request on a serverless variant: a GPU instance type', () => {
    expect(build({ vpc: undefined, variants: [{ variantName: 'a', instanceType: ServingInstanceType.ML_G5_XLARGE, serverless: SMALL }] }))
      .toThrow(/variants\[0\]\.instanceType \(ml\.g5\.xlarge\) requests a GPU on a serverless variant: serverless endpoints run on CPU only/);
  });

  test('a GPU request on a serverless variant: GPU autoscaling', () => {
    expect(build({
      vpc: undefined,
      variants: [{ variantName: 'a', serverless: SMALL, autoScaling: { minCapacity: 1, maxCapacity: 2, invocationsPerInstance: 1, gpuUtilizationPercent: 50 } }],
    })).toThrow(/gpuUtilizationPercent \(50\) asks for GPUs on a serverless variant/);
  });

  test('GPU autoscaling on a CPU type', () => {
    expect(build({ variants: [{ variantName: 'a', autoScaling: { minCapacity: 1, maxCapacity: 2, invocationsPerInstance: 1, gpuUtilizationPercent: 50 } }] }))
      .toThrow(/gpuUtilizationPercent is set but variants\[0\]\.instanceType \(ml\.m5\.large\) has no GPU/);
  });

  test('serverless with a VPC, data capture, network isolation or several variants', () => {
    const f = () => endpoint(fixture(), {
      variants: [{ variantName: 'a', serverless: SMALL }, { variantName: 'b' }],
      dataCapture: {},
      networkIsolation: true,
    });
    expect(f).toThrow(/a serverless endpoint holds one variant, but 2 are given/);
    expect(f).toThrow(/vpc cannot be used with a serverless variant/);
    expect(f).toThrow(/dataCapture cannot be used with a serverless variant/);
    expect(f).toThrow(/networkIsolation \(true\) cannot be used with a serverless variant/);
  });

  test('serverless with a shadow variant', () => {
    expect(build({ vpc: undefined, variants: [{ variantName: 'a', serverless: SMALL }], shadowVariant: { variantName: 's' } }))
      .toThrow(/a serverless endpoint holds one variant, but 2 are given \(variants\[0\], shadowVariant\)/);
  });

  test('serverless memory and concurrency out of range', () => {
    const f = build({ vpc: undefined, variants: [{ variantName: 'a', serverless: { memorySize: Size.mebibytes(1500), maxConcurrency: 300, provisionedConcurrency: 400 } }] });
    expect(f).toThrow(/serverless\.memorySize \(1500 MiB\) must be 1 to 6 GiB in whole GiB/);
    expect(f).toThrow(/serverless\.maxConcurrency \(300\) must be a whole number from 1 to 200/);
    expect(f).toThrow(/serverless\.provisionedConcurrency \(400\) must be a whole number from 1 to maxConcurrency \(300\)/);
  });

  test('serverless with a guardrail or rollback alarms', () => {
    const fx = fixture();
    const alarm = cloudwatch.Alarm.fromAlarmName(fx.stack, 'A', 'a');
    expect(() => endpoint(fx, {
      vpc: undefined,
      variants: [{ variantName: 'a', serverless: SMALL }],
      guardrail: DeploymentGuardrail.linear({ step: CapacitySize.percent(20), interval: Duration.minutes(1) }),
      rollbackAlarms: [alarm],
    })).toThrow(/guardrail \(LINEAR\) cannot be used with a serverless variant[\s\S]*rollbackAlarms cannot be used/);
  });

  test('duplicate variant names, shadow included', () => {
    expect(build({ variants: [{ variantName: 'a' }, { variantName: 'a' }] }))
      .toThrow(/variants\[1\]\.variantName \("a"\) duplicates variants\[0\]\.variantName/);
    expect(build({ variants: [{ variantName: 'a' }], shadowVariant: { variantName: 'a' } }))
      .toThrow(/shadowVariant\.variantName \("a"\) duplicates variants\[0\]\.variantName/);
  });

  test('a bad variant name', () => {
    expect(build({ variants: [{ variantName: 'has_underscore' }] })).toThrow(/variants\[0\]\.variantName \("has_underscore"\) must be 1 to 63 letters/);
  });

  test('a shadow variant without a production one', () => {
    expect(build({ variants: [], shadowVariant: { variantName: 'shadow' } }))
      .toThrow(/variants is empty but shadowVariant \("shadow"\) is given: a shadow variant receives a copy of a production variant's traffic/);
  });

  test('a shadow variant with several production variants', () => {
    expect(build({ variants: [{ variantName: 'a' }, { variantName: 'b' }], shadowVariant: { variantName: 's' } }))
      .toThrow(/shadowVariant needs exactly one production variant \(got 2\)/);
  });

  test.each([-1, 101, 12.5])('data capture percentage %p outside 0-100', (pct) => {
    expect(build({ dataCapture: { samplingPercentage: pct } })).toThrow(/dataCapture\.samplingPercentage \(.+\) must be a whole number from 0 to 100/);
  });

  test('data capture of neither input nor output', () => {
    expect(build({ dataCapture: { captureInput: false, captureOutput: false } })).toThrow(/captures neither input nor output/);
  });

  test('a KMS key on an NVMe-only instance type', () => {
    const fx = fixture();
    const key = new kms.Key(fx.stack, 'K', { enableKeyRotation: true });
    expect(() => endpoint(fx, { volumeEncryptionKey: key, variants: [{ variantName: 'gpu', instanceType: ServingInstanceType.ML_G5_XLARGE }] }))
      .toThrow(/volumeEncryptionKey cannot be used with variants\[0\]\.instanceType \(ml\.g5\.xlarge\): that family has NVMe instance storage only/);
  });

  test('a KMS key with an NVMe-only shadow variant', () => {
    const fx = fixture();
    const key = new kms.Key(fx.stack, 'K', { enableKeyRotation: true });
    expect(() => endpoint(fx, { volumeEncryptionKey: key, shadowVariant: { variantName: 's', instanceType: ServingInstanceType.of('ml.m5d.large') } }))
      .toThrow(/shadowVariant\.instanceType \(ml\.m5d\.large\)/);
  });

  test('a model package from another model\'s group', () => {
    expect(build({ source: ModelSource.modelPackage('arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3') }))
      .toThrow(new RegExp(`source model package \\(".*"\\) belongs to the group "churn", not to the model's group "${MODEL}"`));
  });

  test('a model package of another group on one variant', () => {
    expect(build({ variants: [{ variantName: 'a', source: ModelSource.modelPackage('arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3') }] }))
      .toThrow(/variants\[0\]\.source model package/);
  });

  test('a model package that is not a versioned package ARN, and a bad version', () => {
    expect(build({ source: ModelSource.modelPackage(`arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/${MODEL}`) }))
      .toThrow(/must be the ARN of a versioned package/);
    expect(build({ source: ModelSource.modelPackage(0) })).toThrow(/model package version \(0\) must be a whole number of at least 1/);
  });

  test('a model that is not in the registry', () => {
    const fx = fixture();
    const other = { ...fx.registry.model(MODEL), name: 'unknown' };
    expect(() => endpoint(fx, { model: other })).toThrow(/modelName \("unknown"\) is not a model of this registry/);
  });

  test('bad image tags, digests and artifact keys', () => {
    expect(build({ source: ModelSource.imageTag('-bad tag') })).toThrow(/image tag \("-bad tag"\) is not a valid tag/);
    expect(build({ source: ModelSource.imageDigest('sha256:abc') })).toThrow(/image digest \("sha256:abc"\) must read sha256:<64 lowercase hex digits>/);
    expect(build({ source: ModelSource.imageTag('1', { artifactsKey: '../churn/model.tar.gz' }) })).toThrow(/artifactsKey \("\.\.\/churn\/model\.tar\.gz"\) must be a key below/);
  });

  test('a bad endpoint name', () => {
    expect(build({ endpointName: 'no spaces' })).toThrow(/endpointName \("no spaces"\) must be 1 to 63 letters/);
  });

  test('bad alarm settings', () => {
    expect(build({ alarms: { maxServerErrorRatePercent: 0, datapointsToAlarm: 4, evaluationPeriods: 3 } }))
      .toThrow(/alarms\.maxServerErrorRatePercent \(0\)[\s\S]*alarms\.datapointsToAlarm \(4\)/);
  });

  test('every problem is reported at once', () => {
    expect(build({ variants: [{ variantName: 'a', weight: -1 }, { variantName: 'a', instanceType: ServingInstanceType.of('c5.large') }] }))
      .toThrow(/invalid ModelEndpoint props:\n {2}- .*weight[\s\S]*instanceType[\s\S]*duplicates/);
  });
});
