import { App, type CfnElement, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { endpoint, fixture, MODEL, TAGS } from './fixtures';
import {
  CapacitySize, DeploymentGuardrail, ModelEndpoint, ModelSource, ServingInstanceType,
} from '../../../constructs';

function id(stack: Stack, c: { node: { defaultChild?: unknown } } | CfnElement): string {
  const el = ('logicalId' in c ? c : c.node.defaultChild) as CfnElement;
  return stack.getLogicalId(el);
}

function resourcesOf(stack: Stack, type: string): any[] {
  return Object.values(Template.fromStack(stack).findResources(type));
}

function onlyResource(stack: Stack, type: string): any {
  const found = resourcesOf(stack, type);
  expect(found).toHaveLength(1);
  return found[0];
}

/** Statements of the endpoint's execution role policy. */
function roleStatements(stack: Stack, e: ModelEndpoint): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: id(stack, e.role) }] },
  });
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

function tagsOf(resource: any): Record<string, string> {
  return Object.fromEntries(((resource.Properties.Tags ?? []) as { Key: string; Value: string }[]).map(t => [t.Key, t.Value]));
}

const GPU_SCALING = { minCapacity: 2, maxCapacity: 6, invocationsPerInstance: 300 };

describe('ModelEndpoint model', () => {
  test('serves an image of the model\'s repository by tag with artifacts under the model\'s prefix', () => {
    const f = fixture();
    endpoint(f);
    const repo = id(f.stack, f.registry.model(MODEL).repository);
    const model = onlyResource(f.stack, 'AWS::SageMaker::Model');
    expect(model.Properties.PrimaryContainer.ModelDataUrl).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: id(f.stack, f.registry.artifactBucket) }, `/models/${MODEL}/1.4.0/model.tar.gz`]],
    });
    const image = JSON.stringify(model.Properties.PrimaryContainer.Image);
    expect(image).toContain(`{"Ref":"${repo}"}`);
    expect(image).toMatch(/":1\.4\.0"\]\]\}$/);
  });

  test('serves an image by digest', () => {
    const f = fixture();
    const digest = `sha256:${'a'.repeat(64)}`;
    endpoint(f, { source: ModelSource.imageDigest(digest) });
    const model = onlyResource(f.stack, 'AWS::SageMaker::Model');
    expect(JSON.stringify(model.Properties.PrimaryContainer.Image)).toContain(`@${digest}`);
    expect(model.Properties.PrimaryContainer.ModelDataUrl).toBeUndefined();
  });

  test('serves a version of the model\'s package group by ModelPackageName', () => {
    const f = fixture();
    endpoint(f, { source: ModelSource.modelPackage(7) });
    const model = onlyResource(f.stack, 'AWS::SageMaker::Model');
    expect(Object.keys(model.Properties.PrimaryContainer)).toEqual(['ModelPackageName']);
    expect(JSON.stringify(model.Properties.PrimaryContainer.ModelPackageName)).toContain(`model-package/${MODEL}/7`);
  });

  test('accepts the ARN of a version of the model\'s own group', () => {
    const f = fixture();
    const arn = `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${MODEL}/3`;
    endpoint(f, { source: ModelSource.modelPackage(arn) });
    expect(onlyResource(f.stack, 'AWS::SageMaker::Model').Properties.PrimaryContainer.ModelPackageName).toBe(arn);
  });

  test('isolates the network and attaches to the private subnets with its own security group', () => {
    const f = fixture();
    const e = endpoint(f);
    const model = onlyResource(f.stack, 'AWS::SageMaker::Model');
    expect(model.Properties.EnableNetworkIsolation).toBe(true);
    expect(model.Properties.VpcConfig).toEqual({
      Subnets: f.vpc.privateSubnets.map(s => ({ Ref: id(f.stack, s) })),
      SecurityGroupIds: [{ 'Fn::GetAtt': [id(f.stack, e.securityGroups[0] as ec2.SecurityGroup), 'GroupId'] }],
    });
    const sg = Template.fromStack(f.stack).toJSON().Resources[id(f.stack, e.securityGroups[0] as ec2.SecurityGroup)];
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    expect(sg.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);
  });

  test('uses security groups it is given and creates none', () => {
    const f = fixture();
    const sg = new ec2.SecurityGroup(f.stack, 'Given', { vpc: f.vpc });
    endpoint(f, { securityGroups: [sg] });
    expect(onlyResource(f.stack, 'AWS::SageMaker::Model').Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [id(f.stack, sg), 'GroupId'] }]);
    expect(resourcesOf(f.stack, 'AWS::EC2::SecurityGroup')).toHaveLength(1);
  });

  test('network isolation can be turned off', () => {
    const f = fixture();
    endpoint(f, { networkIsolation: false });
    expect(onlyResource(f.stack, 'AWS::SageMaker::Model').Properties.EnableNetworkIsolation).toBe(false);
  });

  test('warns when an instance-based endpoint has no VPC', () => {
    const f = fixture();
    endpoint(f, { vpc: undefined });
    Annotations.fromStack(f.stack).hasWarning('/S/Endpoint', Match.stringLikeRegexp('no vpc'));
    expect(onlyResource(f.stack, 'AWS::SageMaker::Model').Properties.VpcConfig).toBeUndefined();
  });

  test('a variant with its own source gets its own model', () => {
    const f = fixture();
    endpoint(f, {
      variants: [
        { variantName: 'current', weight: 9 },
        { variantName: 'candidate', weight: 1, source: ModelSource.imageTag('1.5.0', { artifactsKey: '1.5.0/model.tar.gz' }) },
      ],
    });
    const models = resourcesOf(f.stack, 'AWS::SageMaker::Model');
    expect(models).toHaveLength(2);
    const config = onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig');
    const [a, b] = config.Properties.ProductionVariants;
    expect(a).toMatchObject({ VariantName: 'current', InitialVariantWeight: 9 });
    expect(b).toMatchObject({ VariantName: 'candidate', InitialVariantWeight: 1 });
    expect(a.ModelName).not.toEqual(b.ModelName);
  });
});

describe('ModelEndpoint execution role', () => {
  test('is assumed by SageMaker and has no managed policy', () => {
    const f = fixture();
    const e = endpoint(f);
    const role = Template.fromStack(f.stack).toJSON().Resources[id(f.stack, e.role)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' } },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('reads only this model\'s artifacts and pulls only its repository', () => {
    const f = fixture();
    const e = endpoint(f);
    const statements = roleStatements(f.stack, e);
    const bucket = id(f.stack, f.registry.artifactBucket);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/models/${MODEL}/*`]] },
    }));
    const pulls = statements.filter(s => JSON.stringify(s.Action).includes('ecr:BatchGetImage'));
    expect(pulls).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [id(f.stack, f.registry.model(MODEL).repository), 'Arn'] } })]);
    const text = JSON.stringify(statements);
    expect(text).not.toContain(id(f.stack, f.registry.model('churn').repository));
    expect(text).not.toContain('models/churn');
    // Nothing grants s3:* or sagemaker:*.
    expect(text).not.toMatch(/"s3:\*"|"sagemaker:\*"|"\*:\*"/);
  });

  test('writes logs of this endpoint only, and metrics in SageMaker namespaces only', () => {
    const f = fixture();
    const e = endpoint(f, { endpointName: 'fraud-live' });
    const statements = roleStatements(f.stack, e);
    const logs = statements.find(s => JSON.stringify(s.Action).includes('logs:PutLogEvents'));
    expect(JSON.stringify(logs.Resource)).toContain(':log-group:/aws/sagemaker/Endpoints/fraud-live');
    expect(JSON.stringify(logs.Resource)).not.toMatch(/log-group:\*/);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'AWS/SageMaker'] } },
    }));
  });

  test('creates network interfaces only in the chosen subnets and security groups', () => {
    const f = fixture();
    const e = endpoint(f);
    const create = roleStatements(f.stack, e).find(s => s.Action === 'ec2:CreateNetworkInterface');
    const text = JSON.stringify(create.Resource);
    for (const subnet of f.vpc.privateSubnets) {
      expect(text).toContain(id(f.stack, subnet));
    }
    for (const subnet of f.vpc.publicSubnets) {
      expect(text).not.toContain(id(f.stack, subnet));
    }
    expect(text).toContain(':security-group/');
  });

  test('has no VPC permissions without a VPC', () => {
    const f = fixture();
    const e = endpoint(f, { vpc: undefined });
    expect(JSON.stringify(roleStatements(f.stack, e))).not.toContain('ec2:');
  });
});

describe('ModelEndpoint endpoint config', () => {
  test('defaults to one variant "primary" on one ml.m5.large, weight 1', () => {
    const f = fixture();
    const e = endpoint(f);
    expect(onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig').Properties.ProductionVariants).toEqual([{
      VariantName: 'primary',
      ModelName: { 'Fn::GetAtt': [id(f.stack, e.model), 'ModelName'] },
      InitialVariantWeight: 1,
      InstanceType: 'ml.m5.large',
      InitialInstanceCount: 1,
    }]);
  });

  test('encrypts the EBS volume with the registry key by default', () => {
    const f = fixture();
    endpoint(f);
    expect(onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig').Properties.KmsKeyId).toEqual({
      'Fn::GetAtt': [id(f.stack, f.registry.encryptionKey as kms.Key), 'Arn'],
    });
  });

  test('encrypts the volume with a key it is given', () => {
    const f = fixture();
    const key = new kms.Key(f.stack, 'VolumeKey', { enableKeyRotation: true });
    endpoint(f, { volumeEncryptionKey: key, variants: [{ variantName: 'primary', instanceType: ServingInstanceType.ML_INF2_XLARGE }] });
    expect(onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig').Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(f.stack, key), 'Arn'] });
  });

  test.each(['ml.g5.xlarge', 'ml.g4dn.2xlarge', 'ml.p4d.24xlarge', 'ml.m5d.large', 'ml.c5d.xlarge', 'ml.r5d.large', 'ml.g6.xlarge', 'ml.p5.48xlarge'])(
    'omits KmsKeyId on the NVMe-only type %s', (type) => {
      const f = fixture();
      endpoint(f, { variants: [{ variantName: 'primary', instanceType: ServingInstanceType.of(type) }] });
      expect(onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig').Properties.KmsKeyId).toBeUndefined();
    });

  test('adds a shadow variant', () => {
    const f = fixture();
    endpoint(f, {
      shadowVariant: { variantName: 'shadow', weight: 0.5, source: ModelSource.imageTag('2.0.0'), instanceType: ServingInstanceType.ML_C5_XLARGE },
    });
    const config = onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig');
    expect(config.Properties.ShadowProductionVariants).toEqual([expect.objectContaining({
      VariantName: 'shadow', InitialVariantWeight: 0.5, InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 1,
    })]);
    expect(config.Properties.ProductionVariants).toHaveLength(1);
  });

  test('captures input and output to the registry bucket under a per-endpoint prefix, encrypted with the registry key', () => {
    const f = fixture();
    const e = endpoint(f, { endpointName: 'fraud-live', dataCapture: { samplingPercentage: 20 } });
    expect(e.dataCapturePrefix).toBe('data-capture/fraud-live/');
    expect(onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig').Properties.DataCaptureConfig).toEqual({
      EnableCapture: true,
      InitialSamplingPercentage: 20,
      DestinationS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: id(f.stack, f.registry.artifactBucket) }, '/data-capture/fraud-live/']] },
      KmsKeyId: { 'Fn::GetAtt': [id(f.stack, f.registry.encryptionKey as kms.Key), 'Arn'] },
      CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
    });
  });

  test('captures output only, with content types', () => {
    const f = fixture();
    endpoint(f, { dataCapture: { captureInput: false, jsonContentTypes: ['application/json'] } });
    const capture = onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig').Properties.DataCaptureConfig;
    expect(capture.CaptureOptions).toEqual([{ CaptureMode: 'Output' }]);
    expect(capture.CaptureContentTypeHeader).toEqual({ JsonContentTypes: ['application/json'] });
  });

  test('lets the role write the capture prefix only, and use the key through S3 only', () => {
    const f = fixture();
    const e = endpoint(f, { endpointName: 'fraud-live', dataCapture: {} });
    const statements = roleStatements(f.stack, e);
    const puts = statements.filter(s => JSON.stringify(s.Action).includes('s3:PutObject'));
    expect(puts).toEqual([expect.objectContaining({
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(f.stack, f.registry.artifactBucket), 'Arn'] }, '/data-capture/fraud-live/*']] },
    })]);
    const encrypt = statements.find(s => JSON.stringify(s.Action).includes('kms:GenerateDataKey'));
    expect(encrypt.Condition.StringEquals['kms:ViaService']).toBeDefined();
  });

  test('has no capture and no write permission by default', () => {
    const f = fixture();
    const e = endpoint(f);
    expect(onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig').Properties.DataCaptureConfig).toBeUndefined();
    expect(JSON.stringify(roleStatements(f.stack, e))).not.toContain('s3:PutObject');
  });
});

describe('ModelEndpoint deployment guardrails', () => {
  function deploymentConfig(f: ReturnType<typeof fixture>): any {
    return onlyResource(f.stack, 'AWS::SageMaker::Endpoint').Properties.DeploymentConfig;
  }

  test('defaults to blue/green all at once with rollback on the created alarms', () => {
    const f = fixture();
    const e = endpoint(f);
    expect(deploymentConfig(f)).toEqual({
      BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE' }, TerminationWaitInSeconds: 0 },
      AutoRollbackConfiguration: { Alarms: e.alarms.map(a => ({ AlarmName: { Ref: id(f.stack, a) } })) },
    });
  });

  test('canary by percent with bake time, termination wait and maximum execution time', () => {
    const f = fixture();
    endpoint(f, {
      variants: [{ variantName: 'primary', initialInstanceCount: 4 }],
      guardrail: DeploymentGuardrail.canary({
        size: CapacitySize.percent(25),
        bakeTime: Duration.minutes(10),
        terminationWait: Duration.minutes(5),
        maximumExecutionTimeout: Duration.hours(1),
      }),
    });
    expect(deploymentConfig(f).BlueGreenUpdatePolicy).toEqual({
      TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 600 },
      TerminationWaitInSeconds: 300,
      MaximumExecutionTimeoutInSeconds: 3600,
    });
  });

  test('canary by instance count', () => {
    const f = fixture();
    endpoint(f, {
      variants: [{ variantName: 'primary', initialInstanceCount: 2 }],
      guardrail: DeploymentGuardrail.canary({ size: CapacitySize.instances(1), bakeTime: Duration.minutes(5) }),
    });
    expect(deploymentConfig(f).BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize).toEqual({ Type: 'INSTANCE_COUNT', Value: 1 });
  });

  test('linear steps with an interval', () => {
    const f = fixture();
    endpoint(f, {
      variants: [{ variantName: 'primary', initialInstanceCount: 4 }],
      guardrail: DeploymentGuardrail.linear({ step: CapacitySize.percent(25), interval: Duration.minutes(3) }),
    });
    expect(deploymentConfig(f).BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toEqual({
      Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 180,
    });
  });

  test('rolling update with batch size, wait and rollback batch size', () => {
    const f = fixture();
    endpoint(f, {
      variants: [{ variantName: 'primary', instanceType: ServingInstanceType.ML_G5_2XLARGE, initialInstanceCount: 10 }],
      guardrail: DeploymentGuardrail.rolling({
        batchSize: CapacitySize.instances(2),
        wait: Duration.minutes(5),
        rollbackBatchSize: CapacitySize.percent(100),
        maximumExecutionTimeout: Duration.hours(2),
      }),
    });
    const config = deploymentConfig(f);
    expect(config.BlueGreenUpdatePolicy).toBeUndefined();
    expect(config.RollingUpdatePolicy).toEqual({
      MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 2 },
      WaitIntervalInSeconds: 300,
      RollbackMaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 100 },
      MaximumExecutionTimeoutInSeconds: 7200,
    });
  });

  test('user alarms, given or added later, roll back too', () => {
    const f = fixture();
    const business = new cloudwatch.Alarm(f.stack, 'Business', {
      metric: new cloudwatch.Metric({ namespace: 'Fraud', metricName: 'Chargebacks' }), threshold: 10, evaluationPeriods: 1,
    });
    const later = cloudwatch.Alarm.fromAlarmName(f.stack, 'Later', 'payments-latency');
    const e = endpoint(f, { rollbackAlarms: [business] });
    e.addRollbackAlarm(later);
    const alarms = deploymentConfig(f).AutoRollbackConfiguration.Alarms;
    expect(alarms).toHaveLength(4);
    expect(alarms).toContainEqual({ AlarmName: { Ref: id(f.stack, business) } });
    expect(alarms).toContainEqual({ AlarmName: 'payments-latency' });
  });

  test('more than 10 rollback alarms fail at synth', () => {
    const f = fixture();
    const e = endpoint(f);
    for (let i = 0; i < 9; i++) {
      e.addRollbackAlarm(cloudwatch.Alarm.fromAlarmName(f.stack, `A${i}`, `alarm-${i}`));
    }
    expect(() => Template.fromStack(f.stack)).toThrow(/11 rollback alarms, more than the 10/);
  });
});

describe('ModelEndpoint alarms', () => {
  test('alarm on the 5XX error rate of each variant, with the threshold given', () => {
    const f = fixture();
    endpoint(f, {
      endpointName: 'fraud-live',
      variants: [{ variantName: 'a' }, { variantName: 'b' }],
      alarms: { maxServerErrorRatePercent: 2, evaluationPeriods: 5, datapointsToAlarm: 3 },
    });
    const rates = resourcesOf(f.stack, 'AWS::CloudWatch::Alarm').filter(a => a.Properties.Metrics);
    expect(rates).toHaveLength(2);
    for (const [i, variant] of ['a', 'b'].entries()) {
      expect(rates[i].Properties).toMatchObject({
        Threshold: 2, EvaluationPeriods: 5, DatapointsToAlarm: 3, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
      });
      const metrics = rates[i].Properties.Metrics;
      expect(metrics[0].Expression).toBe('IF(invocations > 0, 100 * errors / invocations, 0)');
      expect(metrics.find((m: any) => m.Id === 'errors').MetricStat.Metric).toEqual({
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: [{ Name: 'EndpointName', Value: 'fraud-live' }, { Name: 'VariantName', Value: variant }],
      });
    }
  });

  test('alarm on p99 model latency in microseconds', () => {
    const f = fixture();
    endpoint(f, { alarms: { maxModelLatencyP99: Duration.millis(250) } });
    Template.fromStack(f.stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelLatency', Namespace: 'AWS/SageMaker', ExtendedStatistic: 'p99', Threshold: 250000, Period: 60,
    });
  });
});

describe('ModelEndpoint autoscaling', () => {
  test('target tracking on invocations per instance through the service-linked role', () => {
    const f = fixture();
    const e = endpoint(f, {
      endpointName: 'fraud-live',
      variants: [{ variantName: 'primary', autoScaling: { minCapacity: 2, maxCapacity: 8, invocationsPerInstance: 600, scaleInCooldown: Duration.minutes(10) } }],
    });
    const target = onlyResource(f.stack, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(target.Properties).toMatchObject({
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ResourceId: 'endpoint/fraud-live/variant/primary',
      MinCapacity: 2,
      MaxCapacity: 8,
    });
    // No RoleARN: Application Auto Scaling uses its service-linked role.
    expect(target.Properties.RoleARN).toBeUndefined();
    expect(target.DependsOn).toEqual([id(f.stack, e.endpoint)]);
    expect(onlyResource(f.stack, 'AWS::ApplicationAutoScaling::ScalingPolicy').Properties).toMatchObject({
      PolicyName: 'primary-invocations-per-instance',
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: { Ref: Object.keys(Template.fromStack(f.stack).findResources('AWS::ApplicationAutoScaling::ScalableTarget'))[0] },
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 600, ScaleInCooldown: 600, ScaleOutCooldown: 60 },
    });
    const role = resourcesOf(f.stack, 'AWS::IAM::Role').filter(r => JSON.stringify(r).includes('application-autoscaling'));
    expect(role).toEqual([]);
    // Starts at minCapacity.
    expect(onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig').Properties.ProductionVariants[0].InitialInstanceCount).toBe(2);
  });

  test('the invocations policy has the target and cooldowns', () => {
    const f = fixture();
    endpoint(f, { variants: [{ variantName: 'primary', autoScaling: { minCapacity: 1, maxCapacity: 3, invocationsPerInstance: 50 } }] });
    expect(onlyResource(f.stack, 'AWS::ApplicationAutoScaling::ScalingPolicy').Properties.TargetTrackingScalingPolicyConfiguration).toEqual({
      TargetValue: 50,
      PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      ScaleInCooldown: 300,
      ScaleOutCooldown: 60,
    });
  });

  test('adds a GPU utilization target on GPU types', () => {
    const f = fixture();
    endpoint(f, {
      endpointName: 'fraud-live',
      variants: [{ variantName: 'gpu', instanceType: ServingInstanceType.ML_G5_XLARGE, autoScaling: { ...GPU_SCALING, gpuUtilizationPercent: 70 } }],
    });
    Template.fromStack(f.stack).hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyName: 'gpu-gpu-utilization',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        CustomizedMetricSpecification: {
          Namespace: '/aws/sagemaker/Endpoints',
          MetricName: 'GPUUtilization',
          Statistic: 'Average',
          Dimensions: [{ Name: 'EndpointName', Value: 'fraud-live' }, { Name: 'VariantName', Value: 'gpu' }],
        },
      },
    });
    expect(resourcesOf(f.stack, 'AWS::ApplicationAutoScaling::ScalingPolicy')).toHaveLength(2);
  });

  test('autoscaled counts survive configuration updates: variant properties retained except weights and capture', () => {
    // A config update (new image) creates a new EndpointConfig and UpdateEndpoint. With RetainAllVariantProperties,
    // SageMaker keeps each variant's current DesiredInstanceCount (what autoscaling set) instead of resetting it to
    // the new config's InitialInstanceCount; weights and data capture still come from the new config.
    const build = (tag: string) => {
      const f = fixture();
      endpoint(f, { source: ModelSource.imageTag(tag), variants: [{ variantName: 'primary', autoScaling: GPU_SCALING }] });
      return f;
    };
    const before = build('1.4.0');
    const after = build('1.5.0');
    const config = (f: ReturnType<typeof fixture>) => onlyResource(f.stack, 'AWS::SageMaker::Model').Properties.PrimaryContainer.Image;
    expect(config(after)).not.toEqual(config(before));
    for (const f of [before, after]) {
      const e = onlyResource(f.stack, 'AWS::SageMaker::Endpoint').Properties;
      expect(e.RetainAllVariantProperties).toBe(true);
      expect(e.ExcludeRetainedVariantProperties).toEqual([{ VariantPropertyType: 'DesiredWeight' }, { VariantPropertyType: 'DataCaptureConfig' }]);
      expect(e.ExcludeRetainedVariantProperties).not.toContainEqual({ VariantPropertyType: 'DesiredInstanceCount' });
    }
  });

  test('fixed-size endpoints do not retain variant properties, so a new instance count applies', () => {
    const f = fixture();
    endpoint(f);
    const e = onlyResource(f.stack, 'AWS::SageMaker::Endpoint').Properties;
    expect(e.RetainAllVariantProperties).toBeUndefined();
    expect(resourcesOf(f.stack, 'AWS::ApplicationAutoScaling::ScalableTarget')).toHaveLength(0);
  });
});

describe('ModelEndpoint serverless', () => {
  test('renders the serverless config without instances, VPC, isolation, volume key or guardrail', () => {
    const f = fixture();
    endpoint(f, {
      vpc: undefined,
      variants: [{ variantName: 'small', serverless: { memorySize: Size.gibibytes(2), maxConcurrency: 20, provisionedConcurrency: 2 } }],
    });
    const config = onlyResource(f.stack, 'AWS::SageMaker::EndpointConfig').Properties;
    expect(config.ProductionVariants).toEqual([expect.objectContaining({
      VariantName: 'small', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20, ProvisionedConcurrency: 2 },
    })]);
    expect(config.ProductionVariants[0].InstanceType).toBeUndefined();
    expect(config.KmsKeyId).toBeUndefined();
    const model = onlyResource(f.stack, 'AWS::SageMaker::Model').Properties;
    expect(model.EnableNetworkIsolation).toBe(false);
    expect(model.VpcConfig).toBeUndefined();
    expect(onlyResource(f.stack, 'AWS::SageMaker::Endpoint').Properties.DeploymentConfig).toBeUndefined();
    expect(resourcesOf(f.stack, 'AWS::CloudWatch::Alarm')).toHaveLength(0);
    Annotations.fromStack(f.stack).hasNoWarning('/S/Endpoint', Match.stringLikeRegexp('no vpc'));
  });
});

describe('ModelEndpoint grants and metrics', () => {
  test('grantInvoke allows invoking this endpoint only', () => {
    const f = fixture();
    const e = endpoint(f, { endpointName: 'Fraud-Live' });
    const caller = new iam.Role(f.stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    e.grantInvoke(caller);
    const policy = Object.values(Template.fromStack(f.stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(f.stack, caller) }] } }))[0] as any;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':endpoint/fraud-live']] },
    }]);
  });

  test('an imported endpoint grants and measures the same way', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'S');
    const e = ModelEndpoint.fromEndpointAttributes(stack, 'Imported', { endpointName: 'other' });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    e.grantInvoke(caller);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'] })] },
    });
    expect(stack.resolve(e.metricInvocations().dimensions)).toEqual({ EndpointName: 'other', VariantName: 'AllTraffic' });
  });

  test.each([
    ['metricInvocations', 'AWS/SageMaker', 'Invocations', 'Sum'],
    ['metricInvocation4xxErrors', 'AWS/SageMaker', 'Invocation4XXErrors', 'Sum'],
    ['metricInvocation5xxErrors', 'AWS/SageMaker', 'Invocation5XXErrors', 'Sum'],
    ['metricModelLatency', 'AWS/SageMaker', 'ModelLatency', 'p99'],
    ['metricCpuUtilization', '/aws/sagemaker/Endpoints', 'CPUUtilization', 'Average'],
    ['metricGpuUtilization', '/aws/sagemaker/Endpoints', 'GPUUtilization', 'Average'],
    ['metricMemoryUtilization', '/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average'],
  ] as const)('%s', (method, namespace, metricName, statistic) => {
    const f = fixture();
    const e = endpoint(f, { endpointName: 'fraud-live', variants: [{ variantName: 'a' }, { variantName: 'b' }] });
    const m = e[method]({ variantName: 'b' });
    expect({ namespace: m.namespace, metricName: m.metricName, statistic: m.statistic, dims: m.dimensions })
      .toEqual({ namespace, metricName, statistic, dims: { EndpointName: 'fraud-live', VariantName: 'b' } });
    expect(e[method]().dimensions).toEqual({ EndpointName: 'fraud-live', VariantName: 'a' });
  });
});

describe('ModelEndpoint dashboard', () => {
  test('shows invocations, errors, latency p50/p99, utilization and instances of each variant', () => {
    const f = fixture();
    endpoint(f, { endpointName: 'fraud-live', variants: [{ variantName: 'a' }, { variantName: 'b' }] });
    const body = JSON.stringify(f.stack.resolve(onlyResource(f.stack, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody));
    for (const text of ['Invocations', 'Invocation4XXErrors', 'Invocation5XXErrors', 'ModelLatency', 'p50', 'p99',
      'CPUUtilization', 'MemoryUtilization', 'GPUUtilization', 'InvocationsPerInstance', 'a: instances', 'b: instances', 'Rollback alarms']) {
      expect(body).toContain(text);
    }
  });

  test('can be turned off', () => {
    const f = fixture();
    endpoint(f, { dashboard: false });
    expect(resourcesOf(f.stack, 'AWS::CloudWatch::Dashboard')).toHaveLength(0);
  });
});

describe('ModelEndpoint cost attribution', () => {
  test('every taggable resource carries the cost tags, the model tag and the model owner\'s team', () => {
    const f = fixture();
    endpoint(f, {
      dataCapture: {},
      variants: [{ variantName: 'primary', autoScaling: GPU_SCALING }],
    });
    const template = Template.fromStack(f.stack).toJSON();
    const mine = Object.entries<any>(template.Resources).filter(([k]) => k.startsWith('Endpoint'));
    const taggable = mine.filter(([, r]) => r.Properties?.Tags);
    expect(taggable.map(([, r]) => r.Type).sort()).toEqual(expect.arrayContaining([
      'AWS::SageMaker::Endpoint', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Model', 'AWS::IAM::Role', 'AWS::EC2::SecurityGroup', 'AWS::CloudWatch::Alarm',
      'AWS::ApplicationAutoScaling::ScalableTarget',
    ]));
    for (const [, r] of taggable) {
      expect(tagsOf(r)).toEqual({ ...TAGS, team: 'fraud', model: MODEL });
    }
  });

  test('keeps the endpoint\'s team when the model has no owner of its own', () => {
    const f = fixture();
    const e = new ModelEndpoint(f.stack, 'Churn', { registry: f.registry, model: f.registry.model('churn'), source: ModelSource.imageTag('1'), vpc: f.vpc });
    expect(tagsOf(Template.fromStack(f.stack).toJSON().Resources[id(f.stack, e.endpoint)])).toEqual({ ...TAGS, model: 'churn' });
  });
});
