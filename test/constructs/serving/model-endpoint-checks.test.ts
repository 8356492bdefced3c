import { Duration, Size, Validations } from 'aws-cdk-lib';
import { endpoint, fixture, MODEL } from './fixtures';
import { CapacitySize, DeploymentGuardrail, ModelEndpoint, ModelSource, ServingInstanceType } from '../../../constructs';
import { cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';

/** A representative stack: a GPU endpoint with every option, a CPU endpoint with a shadow, a serverless endpoint. */
const result = synthWithNag(app => {
  const f = fixture(app);
  Validations.of(f.vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'The test fixture\'s VPC, not part of the endpoint; platform VPCs log their flows' });
  const gpu = endpoint(f, {
    endpointName: 'fraud-gpu',
    variants: [
      { variantName: 'current', instanceType: ServingInstanceType.ML_G5_XLARGE, weight: 9, autoScaling: { minCapacity: 2, maxCapacity: 8, invocationsPerInstance: 300, gpuUtilizationPercent: 70 } },
      { variantName: 'candidate', instanceType: ServingInstanceType.ML_G5_XLARGE, weight: 1, initialInstanceCount: 2, source: ModelSource.modelPackage(4) },
    ],
    guardrail: DeploymentGuardrail.canary({ size: CapacitySize.instances(1), bakeTime: Duration.minutes(10), terminationWait: Duration.minutes(5) }),
    dataCapture: { samplingPercentage: 20 },
  });
  gpu.monitorDataQuality({
    baselineStatisticsUri: 's3://baselines-bucket/fraud-scoring/statistics.json',
    baselineConstraintsUri: 's3://baselines-bucket/fraud-scoring/constraints.json',
  });
  endpoint(f, {
    variants: [{ variantName: 'primary', instanceType: ServingInstanceType.ML_C5_XLARGE, initialInstanceCount: 4 }],
    shadowVariant: { variantName: 'shadow', source: ModelSource.imageTag('2.0.0'), weight: 0.5 },
    guardrail: DeploymentGuardrail.rolling({ batchSize: CapacitySize.percent(25), wait: Duration.minutes(5) }),
  }, 'CpuEndpoint');
  new ModelEndpoint(f.stack, 'Serverless', {
    registry: f.registry,
    model: f.registry.model(MODEL),
    source: ModelSource.imageTag('1.4.0'),
    variants: [{ variantName: 'small', serverless: { memorySize: Size.gibibytes(2), maxConcurrency: 5 } }],
  });
});

test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cdk-nag: the acknowledgements also match in a stack of a known account and region, which the findings print as literals', () => {
  const concrete = synthWithNag(app => {
    const f = fixture(app, { account: '111122223333', region: 'eu-west-1' });
    Validations.of(f.vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'The test fixture\'s VPC, not part of the endpoint; platform VPCs log their flows' });
    endpoint(f, { endpointName: 'fraud-gpu', dataCapture: { samplingPercentage: 20 } });
  });
  expect(describeViolations(concrete.violations)).toBe('');
});

test('cfn-lint finds no error', () => {
  const lint = cfnLint(templatePaths(result.assembly!));
  expect(lint.errors).toEqual([]);
});
