import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { endpoint, fixture } from './fixtures';

const BASELINE = {
  baselineStatisticsUri: 's3://baselines-bucket/fraud-scoring/statistics.json',
  baselineConstraintsUri: 's3://baselines-bucket/fraud-scoring/constraints.json',
};

function build() {
  const f = fixture();
  const e = endpoint(f, { endpointName: 'fraud-live', dataCapture: {} });
  const monitor = e.monitorDataQuality(BASELINE);
  const template = Template.fromStack(f.stack);
  const only = (type: string) => {
    const found = Object.values(template.findResources(type)) as any[];
    expect(found).toHaveLength(1);
    return found[0];
  };
  return { f, e, monitor, template, only, lid: (c: CfnElement) => f.stack.getLogicalId(c) };
}

describe('DataQualityMonitor', () => {
  test('checks the captured requests against the baseline, with KMS, VPC and network isolation', () => {
    const { f, e, only, lid } = build();
    const job = only('AWS::SageMaker::DataQualityJobDefinition');
    const key = { 'Fn::GetAtt': [lid(f.registry.encryptionKey.node.defaultChild as CfnElement), 'Arn'] };
    expect(job.Properties.DataQualityBaselineConfig).toEqual({
      StatisticsResource: { S3Uri: BASELINE.baselineStatisticsUri },
      ConstraintsResource: { S3Uri: BASELINE.baselineConstraintsUri },
    });
    expect(job.Properties.DataQualityJobInput.EndpointInput.EndpointName).toBe('fraud-live');
    expect(job.Properties.DataQualityJobOutputConfig.KmsKeyId).toEqual(key);
    expect(job.Properties.JobResources.ClusterConfig.VolumeKmsKeyId).toEqual(key);
    expect(job.Properties.NetworkConfig.EnableNetworkIsolation).toBe(true);
    expect(job.Properties.NetworkConfig.VpcConfig.Subnets).toEqual(f.vpc.privateSubnets.map(s => ({ Ref: lid(s.node.defaultChild as CfnElement) })));
    expect(JSON.stringify(job.Properties.DataQualityAppSpecification.ImageUri)).toContain('sagemaker-model-monitor-analyzer');
    expect(job.DependsOn).toContain(lid(e.endpoint));
  });

  test('runs hourly as a DataQuality schedule', () => {
    const { only } = build();
    expect(only('AWS::SageMaker::MonitoringSchedule').Properties.MonitoringScheduleConfig).toMatchObject({
      MonitoringType: 'DataQuality', ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
    });
  });

  test('its role reads the capture prefix and baselines, writes reports, and has no managed policy', () => {
    const { monitor, template, lid } = build();
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: lid(monitor.role.node.defaultChild as CfnElement) }] } }))[0] as any;
    const text = JSON.stringify(policy.Properties.PolicyDocument.Statement);
    expect(text).toContain('/data-capture/fraud-live/*');
    expect(text).toContain(':s3:::baselines-bucket/fraud-scoring/statistics.json');
    expect(text).toContain('/monitoring/fraud-live/data-quality/*');
    expect(text).not.toContain('/models/');
    expect(text).not.toMatch(/"s3:\*"|"sagemaker:\*"/);
    expect(template.toJSON().Resources[lid(monitor.role.node.defaultChild as CfnElement)].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('violations raise an EventBridge event, logged and counted by an alarm', () => {
    const { monitor, template, only, lid } = build();
    const rule = only('AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.sagemaker'],
      'detail-type': ['SageMaker Processing Job State Change'],
      'detail': {
        MonitoringScheduleArn: [{ 'Fn::GetAtt': [lid(monitor.schedule), 'MonitoringScheduleArn'] }],
        ProcessingJobStatus: ['Completed'],
        ExitMessage: [{ prefix: 'CompletedWithViolations' }],
      },
    });
    expect(rule.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [lid(monitor.violationLog.node.defaultChild as CfnElement), 'Arn'] });
    const filter = only('AWS::Logs::MetricFilter');
    expect(filter.Properties.MetricTransformations).toEqual([{ MetricNamespace: 'mlops-stack/ModelMonitor/fraud-live', MetricName: 'DataQualityViolations', MetricValue: '1' }]);
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'DataQualityViolations' } })) as any[];
    expect(alarm).toHaveLength(1);
    expect(alarm[0].Properties).toMatchObject({ Namespace: 'mlops-stack/ModelMonitor/fraud-live', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(only('AWS::Logs::LogGroup')).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('onViolation gives the training pipeline a rule on the same event', () => {
    const f = fixture();
    const monitor = endpoint(f, { dataCapture: {} }).monitorDataQuality(BASELINE);
    monitor.onViolation('Retrain', { description: 'start retraining' });
    const rules = Object.values(Template.fromStack(f.stack).findResources('AWS::Events::Rule')) as any[];
    expect(rules).toHaveLength(2);
    expect(rules[1].Properties.Description).toBe('start retraining');
    expect(rules[1].Properties.EventPattern).toEqual(rules[0].Properties.EventPattern);
  });

  test('needs captured input, once per endpoint, and valid baselines', () => {
    const f = fixture();
    expect(() => endpoint(f, {}, 'NoCapture').monitorDataQuality(BASELINE)).toThrow(/monitorDataQuality needs captured requests/);
    const e = endpoint(f, { dataCapture: {} }, 'Twice');
    e.monitorDataQuality(BASELINE);
    expect(() => e.monitorDataQuality(BASELINE)).toThrow(/already called/);
    expect(() => endpoint(f, { dataCapture: {} }, 'Bad').monitorDataQuality({ ...BASELINE, baselineStatisticsUri: 'stats.json' }))
      .toThrow(/baselineStatisticsUri \("stats.json"\) must be an s3:\/\/<bucket>\/<key> URI/);
  });
});
