import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { reportSchedule, scheduleFixture, TAGS } from './report-schedule-fixtures';
import { COST_REPORT_MEMORY_MB, CostAttribution, CostReportSchedule } from '../../../constructs';
import { SCHEDULED_REPORT_ENV } from '../../../src/cost-report/schedule/settings';

function policyStatements(template: Template, roleLogicalIdPrefix: string): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries<any>(policies)
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref.startsWith(roleLogicalIdPrefix)))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

function actionsOf(statements: any[]): string[] {
  return statements.flatMap(s => [s.Action].flat()).sort();
}

describe('CostReportSchedule', () => {
  const { app, stack, schedule } = reportSchedule();
  const template = Template.fromStack(stack);

  test('the function is Node.js 24 with memory and timeout sized from the benchmark, and its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      MemorySize: COST_REPORT_MEMORY_MB,
      Timeout: 900,
      Environment: {
        Variables: {
          [SCHEDULED_REPORT_ENV.bucket]: { Ref: Match.stringLikeRegexp('^CostReportReports') },
          [SCHEDULED_REPORT_ENV.topicArn]: { Ref: Match.stringLikeRegexp('^Alerts') },
          [SCHEDULED_REPORT_ENV.tagKey]: 'team',
          [SCHEDULED_REPORT_ENV.monthsOfHistory]: '3',
          [SCHEDULED_REPORT_ENV.account]: { Ref: 'AWS::AccountId' },
        },
      },
    });
  });

  test('the asset is the esbuild bundle: one index.js that exports handler and requires no package of node_modules', () => {
    const assetPath = (schedule.function.node.findAll().find(c => (c as any).assetPath) as any).assetPath as string;
    const bundle = readFileSync(path.join(app.outdir, assetPath, 'index.js'), 'utf8');
    expect(bundle).toMatch(/handler: \(\) => handler/);
    const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map(m => m[1]).filter(m => !m.startsWith('node:'));
    // Only Node.js built-ins stay outside the bundle, and the SDK's optional CRT signer (SigV4a, for multi-region
    // access points, which the report does not use), which the SDK requires inside a try.
    const builtins = new Set(builtinModules);
    expect([...new Set(required.filter(m => !builtins.has(m)))]).toEqual(['@aws-sdk/signature-v4-crt']);
  });

  test('the function\'s permissions: Cost Explorer reads, the two prefixes, the bucket and topic keys, publish, its log group, the queue', () => {
    const statements = policyStatements(template, 'CostReportRole');
    expect(actionsOf(statements)).toEqual([
      'ce:GetCostAndUsage',
      // The bucket's key through S3; the topic's key (Publish to an encrypted topic); the queue's (the same key).
      'kms:Decrypt', 'kms:GenerateDataKey',
      'kms:Decrypt', 'kms:GenerateDataKey*',
      'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*',
      'logs:CreateLogStream', 'logs:PutLogEvents',
      's3:GetObject', 's3:ListBucket', 's3:PutObject',
      'sns:Publish',
      'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
    ].sort());
    const find = (action: string) => statements.filter(s => [s.Action].flat().includes(action));
    expect(find('ce:GetCostAndUsage')).toEqual([expect.objectContaining({ Resource: '*' })]);
    expect(actionsOf(statements)).not.toContain('ce:GetAnomalies');
    expect(actionsOf(statements)).not.toContain('sts:GetCallerIdentity');
    expect(find('s3:PutObject')[0].Resource).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^CostReportReports/), 'Arn'] }, '/reports/*']] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^CostReportReports/), 'Arn'] }, '/cache/*']] },
    ]);
    expect(find('s3:GetObject')[0].Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^CostReportReports/), 'Arn'] }, '/cache/*']] });
    expect(find('s3:ListBucket')[0]).toMatchObject({ Condition: { StringLike: { 's3:prefix': ['cache/*'] } } });
    expect(find('sns:Publish')[0].Resource).toEqual({ Ref: expect.stringMatching(/^Alerts/) });
    expect(find('kms:GenerateDataKey')[0]).toMatchObject({
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CostReportKey/), 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
    });
    expect(statements.filter(s => JSON.stringify(s.Action).includes('kms:')).map(s => s.Resource['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '')).sort())
      .toEqual(['AlertsKey', 'CostReportKey', 'CostReportKey']);
    expect(find('logs:PutLogEvents')[0].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CostReportLogs/), 'Arn'] });
    // No statement on every object of the bucket or on another bucket.
    expect(JSON.stringify(statements)).not.toMatch(/Arn"\]\},"\/\*"/);
  });

  test('the role has no managed policy', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('EventBridge Scheduler invokes it daily at 06:00 UTC with its own role, retries and a KMS-encrypted dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CostReportFunction'), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CostReportSchedulerRole'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CostReportFailures'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    });
    const statements = policyStatements(template, 'CostReportSchedulerRole');
    expect(actionsOf(statements)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'lambda:InvokeFunction', 'sqs:SendMessage']);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        })],
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CostReportKey'), 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    });
  });

  test('a failed run is retried once, then sent to the failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CostReportFailures'), 'Arn'] } } },
    });
  });

  test('alarms on errors, throttles and the failure queue notify the topic', () => {
    for (const [namespace, metric] of [['AWS/Lambda', 'Errors'], ['AWS/Lambda', 'Throttles'], ['AWS/SQS', 'ApproximateNumberOfMessagesVisible']]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: namespace,
        MetricName: metric,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alerts') }],
      });
    }
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  test('the bucket is KMS-encrypted, versioned, private, TLS-only, logged and retained, as are the key, queue and logs', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CostReportKey'), 'Arn'] } },
          }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^CostReportAccessLogs') }, LogFilePrefix: 'reports-bucket/' },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^CostReportReports') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    for (const type of ['AWS::KMS::Key', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup']) {
      const found = Object.entries<any>(template.findResources(type)).filter(([id]) => id.startsWith('CostReport'));
      expect(found.map(([, r]) => [r.DeletionPolicy, r.UpdateReplacePolicy])).toEqual([['Retain', 'Retain']]);
    }
  });

  test('every taggable resource carries the cost-attribution tags', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::Lambda::Function', 'AWS::SQS::Queue', 'AWS::KMS::Key', 'AWS::IAM::Role', 'AWS::Logs::LogGroup']) {
      for (const [id, r] of Object.entries<any>(template.findResources(type)).filter(([i]) => i.startsWith('CostReport'))) {
        const tags = Object.fromEntries((r.Properties.Tags ?? []).map((t: any) => [t.Key, t.Value]));
        expect([id, tags]).toEqual([id, expect.objectContaining(TAGS)]);
      }
    }
  });
});

describe('CostReportSchedule options', () => {
  test('schedule, time zone, months of history and the schema\'s team key reach the template', () => {
    const { stack } = reportSchedule({ schedule: 'cron(0 7 ? * MON *)', timeZone: TimeZone.EUROPE_BERLIN, monthsOfHistory: 12 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 7 ? * MON *)', ScheduleExpressionTimezone: 'Europe/Berlin' });
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ [SCHEDULED_REPORT_ENV.monthsOfHistory]: '12' }) } });
  });

  test('the tag key defaults to the team key of the schema in force', () => {
    const { stack, topic } = scheduleFixture();
    const inner = new Stack(stack.node.scope as any, 'Finance');
    void inner;
    new CostReportSchedule(stack, 'Custom', { topic, tagKey: 'owner' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [SCHEDULED_REPORT_ENV.tagKey]: 'owner' }) },
    });
  });

  test('a given bucket is used as is: no bucket or access-log bucket is created, grants name it', () => {
    const { stack, topic } = scheduleFixture();
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'finops-reports');
    new CostReportSchedule(stack, 'CostReport', { topic, bucket });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    const statements = policyStatements(t, 'CostReportRole');
    expect(statements.find(s => [s.Action].flat().includes('s3:GetObject')).Resource)
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::finops-reports/cache/*']] });
    expect(actionsOf(statements)).not.toContain('kms:GenerateDataKey');
  });

  test('reportRetention expires reports/ only', () => {
    const { stack } = reportSchedule({ reportRetention: Duration.days(400) });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([{ Id: 'report-retention', Prefix: 'reports/', ExpirationInDays: 400, Status: 'Enabled' }]) },
    });
  });

  test('costTags tag this construct\'s resources to their team', () => {
    const { stack } = reportSchedule({ costTags: { team: 'finops' } });
    const fn = Object.values<any>(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0];
    expect(fn.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'finops' }]));
    expect(CostAttribution.tagsOf(stack)).toMatchObject({ team: TAGS.team });
  });
});

describe('CostReportSchedule validation', () => {
  test.each([
    ['rate(0 days)', /a rate must be at least 1/],
    ['rate(1 week)', /none of rate/],
    ['every day', /none of rate\(\.\.\.\), cron\(\.\.\.\) and at\(\.\.\.\)/],
    ['cron(0 6 * * *)', /6 fields .* this one has 5/],
    ['cron(0 6 * * MON *)', /exactly one of day-of-month .* must be \?/],
    ['cron(0 6 ? * MON$ *)', /not "MON\$"/],
    ['at(2027-02-30T06:00:00)', /do not exist/],
    ['at(2027-01-01 06:00)', /none of rate/],
  ])('schedule %s is a synth-time error naming the path, the prop, the value and the allowed forms', (expression, reason) => {
    const make = () => {
      const { stack, topic } = scheduleFixture();
      return new CostReportSchedule(stack, 'CostReport', { topic, schedule: expression });
    };
    expect(make).toThrow(new RegExp(`^S/CostReport: schedule \\("${expression.replace(/[()*?$]/g, '\\$&')}"\\) is not a valid EventBridge Scheduler expression`));
    expect(make).toThrow(reason);
    expect(make).toThrow(/rate\(<n> minutes\|hours\|days\), cron\(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>\).*at\(yyyy-mm-ddThh:mm:ss\)/);
  });

  test.each(['rate(1 day)', 'rate(12 hours)', 'cron(0 6 * * ? *)', 'cron(0/30 8-18 ? * MON-FRI *)', 'cron(0 6 L * ? *)', 'at(2027-01-01T06:00:00)'])(
    'schedule %s is accepted', expression => {
      const { stack, topic } = scheduleFixture();
      expect(() => new CostReportSchedule(stack, 'CostReport', { topic, schedule: expression })).not.toThrow();
    });

  test.each([0, 14, 2.5])('monthsOfHistory %s is an error', months => {
    const { stack, topic } = scheduleFixture();
    expect(() => new CostReportSchedule(stack, 'CostReport', { topic, monthsOfHistory: months }))
      .toThrow(new RegExp(`^S/CostReport: monthsOfHistory \\(${months}\\) must be a whole number from 1 to 13`));
  });

  test('a tag key with $ is an error', () => {
    const { stack, topic } = scheduleFixture();
    expect(() => new CostReportSchedule(stack, 'CostReport', { topic, tagKey: 'team$x' })).toThrow(/tagKey \("team\$x"\) must be a non-empty tag key without "\$"/);
  });

  test('reportRetention with a given bucket, or under a day, is an error', () => {
    const { stack, topic } = scheduleFixture();
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'finops-reports');
    expect(() => new CostReportSchedule(stack, 'A', { topic, bucket, reportRetention: Duration.days(30) })).toThrow(/reportRetention applies to the bucket this construct creates/);
    expect(() => new CostReportSchedule(stack, 'B', { topic, reportRetention: Duration.hours(2) })).toThrow(/reportRetention \(2 hours\) must be a whole number of days, at least 1/);
  });

  test('several problems are reported at once', () => {
    const { stack, topic } = scheduleFixture();
    expect(() => new CostReportSchedule(stack, 'CostReport', { topic, schedule: 'daily', monthsOfHistory: 0 }))
      .toThrow(/invalid CostReportSchedule props:\n {2}- schedule .*\n {2}- monthsOfHistory/);
  });
});
