import type { CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BASELINE, emptyPipeline, fixture, fullPipeline, type PipelineFixture } from './fixtures';
import { endpoint } from '../serving/fixtures';

function build(f: PipelineFixture = fixture()) {
  const { pipeline } = fullPipeline(f);
  return { f, pipeline, lid: (c: CfnElement) => f.stack.getLogicalId(c) };
}

describe('scheduleRetraining', () => {
  test('an EventBridge Scheduler schedule starts the pipeline, as a role that may start only this pipeline', () => {
    const { f, pipeline } = build();
    pipeline.scheduleRetraining('Weekly', { expression: 'cron(0 3 ? * MON *)', timeZone: 'Europe/Paris' });
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: { Arn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':pipeline/fraud-training'])]) }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'sagemaker:StartPipelineExecution', Effect: 'Allow', Resource: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':pipeline/fraud-training'])]) }) }] },
    });
  });

  test.each(['rate(1 days)', 'rate(0 minutes)', 'rate(2 day)', 'cron(0 3 * * MON *)', 'cron(0 3 * *)', 'cron(0 3 ? * FUNDAY *)', 'every monday', 'at(2027-01-31)'])(
    'rejects the schedule expression %s', expression => {
      const { pipeline } = build();
      expect(() => pipeline.scheduleRetraining('Bad', { expression })).toThrow(new RegExp(`expression \\("${expression.replace(/[()*?]/g, '\\$&')}"\\)`));
    });

  test.each(['rate(1 day)', 'rate(12 hours)', 'cron(15 2 1 * ? *)', 'at(2027-01-31T03:00:00)'])('accepts %s', expression => {
    const { pipeline } = build();
    expect(() => pipeline.scheduleRetraining('Ok', { expression })).not.toThrow();
  });
});

describe('retrainOnNewData', () => {
  test('a rule on S3 Object Created under the data prefix starts the pipeline; the bucket sends events natively', () => {
    const { f, pipeline, lid } = build();
    pipeline.retrainOnNewData('NewData');
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created'],
        'detail': { bucket: { name: [{ Ref: lid(f.data.node.defaultChild as CfnElement) }] }, object: { key: [{ prefix: 'raw/fraud/' }] } },
      },
      Targets: [Match.objectLike({
        Arn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':pipeline/fraud-training'])]) }),
        RoleArn: Match.anyValue(),
      })],
    });
    template.hasResourceProperties('AWS::S3::Bucket', { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  test('with a key suffix, only marker objects start a run', () => {
    const { f, pipeline } = build();
    pipeline.retrainOnNewData('NewData', { keySuffix: '_SUCCESS' });
    Template.fromStack(f.stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { object: { key: [{ wildcard: 'raw/fraud/*_SUCCESS' }] } } },
    });
  });

  test('rejects a suffix with a wildcard', () => {
    const { pipeline } = build();
    expect(() => pipeline.retrainOnNewData('NewData', { keySuffix: '*.csv' })).toThrow(/keySuffix \("\*\.csv"\) must be a non-empty key ending without wildcards/);
  });

  test('warns that an imported bucket needs EventBridge notifications turned on where it is defined', () => {
    const f = fixture();
    const pipeline = emptyPipeline(f, { data: { bucket: s3.Bucket.fromBucketName(f.stack, 'Imported', 'landing-zone'), prefix: 'fraud/' } });
    pipeline.addFail('Noop', { errorMessage: 'x' });
    pipeline.retrainOnNewData('NewData');
    Annotations.fromStack(f.stack).hasWarning('/S/Training', Match.stringLikeRegexp('its EventBridge notifications cannot be turned on here'));
  });
});

describe('retrainOnDrift', () => {
  test('the data-quality monitor\'s violation event starts the pipeline', () => {
    const f = fixture();
    const { pipeline } = build(f);
    const monitor = endpoint(f, { endpointName: 'fraud-live', dataCapture: {} }).monitorDataQuality(BASELINE);
    pipeline.retrainOnDrift('Drift', monitor);
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      Description: 'Data-quality violations: retrain fraud-scoring',
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Processing Job State Change'],
        'detail': {
          MonitoringScheduleArn: [{ 'Fn::GetAtt': [f.stack.getLogicalId(monitor.schedule), 'MonitoringScheduleArn'] }],
          ProcessingJobStatus: ['Completed'],
          ExitMessage: [{ prefix: 'CompletedWithViolations' }],
        },
      },
      Targets: [Match.objectLike({ Arn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':pipeline/fraud-training'])]) }) })],
    });
  });

  test('the rules share one EventBridge role that may start only this pipeline', () => {
    const f = fixture();
    const { pipeline, lid } = build(f);
    pipeline.retrainOnNewData('NewData');
    pipeline.retrainOnDrift('Drift', { source: ['aws.sagemaker'], detailType: ['SageMaker Processing Job State Change'] });
    const template = Template.fromStack(f.stack);
    const roles = Object.values(template.findResources('AWS::Events::Rule')).map((r: any) => r.Properties.Targets[0].RoleArn);
    expect(new Set(roles.map(r => JSON.stringify(r))).size).toBe(1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })] },
    });
    expect(roles[0]).toEqual({ 'Fn::GetAtt': [lid(pipeline.node.findChild('EventsRole').node.defaultChild as CfnElement), 'Arn'] });
  });
});
