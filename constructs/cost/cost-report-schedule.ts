import { Aws, Duration, RemovalPolicy, Stack, type TimeZone, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CostAttribution } from './cost-attribution';
import { bundleHandler } from './private/report-schedule-bundle';
import { scheduleExpressionProblem } from './private/report-schedule-expression';
import { CACHE_PREFIX, MAX_MONTHS_OF_HISTORY, REPORTS_PREFIX, SCHEDULED_REPORT_ENV } from '../../src/cost-report/schedule/settings';
import type { CostTags } from '../../src/tags/tag-schema';
import { createAccessLogsBucket } from '../private/access-logs';
import { throwIfProblems } from '../private/errors';
import { nagResource } from '../private/nag';
import { isResolved } from '../private/tokens';

/**
 * Memory of the report function. The report benchmark (a year of 200 teams × 15 services, 1,095,000 rows)
 * measured 363 MB of peak RSS to read, build and render the JSON; writing each format as one buffer for S3 adds
 * about the largest output (123 MB of JSON) twice, so about 620 MB. 2,048 MB leaves 3× headroom and gives the
 * function more than one vCPU (Lambda allots CPU in proportion to memory).
 */
export const COST_REPORT_MEMORY_MB = 2048;

/**
 * Timeout of the report function. Replaying, building and rendering the JSON of a year of 200 teams took 8.9 s in
 * the benchmark (the HTML page is not timed there); reading it live
 * is 222 to 1,095 requests (pages of 5,000 or 1,000 groups) at the reader's 5 requests a second, 45 to 219 s on a
 * first run (19 to 93 requests with the cache). 15 minutes, Lambda's maximum, leaves 4× headroom over the
 * slowest first run for throttling backoff.
 */
export const COST_REPORT_TIMEOUT = Duration.minutes(15);

/**
 * Properties of a {@link CostReportSchedule}.
 */
export interface CostReportScheduleProps {
  /** The topic the Markdown summary of each run is published to, and the alarms notify. */
  readonly topic: sns.ITopic;
  /**
   * When the report runs, as an EventBridge Scheduler expression: `rate(1 day)`, `cron(0 6 ? * MON *)` or
   * `at(2027-01-01T06:00:00)`.
   *
   * @default 'cron(0 6 * * ? *)' (every day at 06:00)
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
   */
  readonly schedule?: string;
  /**
   * Time zone of a `cron` or `at` expression.
   *
   * @default - UTC
   */
  readonly timeZone?: TimeZone;
  /**
   * Tag key the report groups by.
   *
   * @default - the team key of the tag schema in force (`CostAttribution.schemaOf`), `team` by default
   */
  readonly tagKey?: string;
  /**
   * Full calendar months before the current one that each run covers; the month to date is always included.
   * At most 13: Cost Explorer keeps 14 months of daily data.
   *
   * @default 3
   */
  readonly monthsOfHistory?: number;
  /**
   * Bucket of the reports (`reports/<run date>/`) and of the cache of closed months (`cache/`).
   *
   * @default - a bucket encrypted with `encryptionKey`, TLS only, versioned, no public access, retained
   */
  readonly bucket?: s3.IBucket;
  /**
   * Key of the created bucket and of the failure queue. A given `bucket` keeps its own key.
   *
   * @default - a key with rotation on, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long the created bucket keeps a run's reports (the cache of closed months is kept).
   *
   * @default - kept
   */
  readonly reportRetention?: Duration;
  /**
   * Bucket of the created bucket's server access logs.
   *
   * @default - a bucket of its own (S3-managed encryption, which log delivery needs)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Cost-attribution tags of this construct's resources, over those of the enclosing scopes (for example the
   * team that owns the report).
   *
   * @default - the enclosing scopes' tags
   */
  readonly costTags?: CostTags;
  /**
   * What happens to the key, bucket, queue and log group when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The cost report (`mlops-cost-report`) as a Lambda function on an EventBridge Scheduler schedule. Each run reads
 * Cost Explorer over the last `monthsOfHistory` full months and the month to date, writes the HTML, CSV, JSON and
 * Markdown reports to `s3://<bucket>/reports/<run date (UTC)>/`, keeps the cache of closed months under `cache/`,
 * and publishes the Markdown summary to the topic (cut to SNS's 256 KiB with the S3 location of the rest).
 *
 * The handler is bundled at synth time with esbuild (no Docker). Failed deliveries of the schedule and failed
 * runs (after one retry) go to the `failures` queue; alarms on the function's errors and throttles and on the
 * queue notify the topic.
 *
 * @example
 * new CostReportSchedule(stack, 'CostReport', { topic: guardrails.topic, schedule: 'cron(0 7 ? * MON *)' });
 */
export class CostReportSchedule extends Construct {
  /** The report function. */
  public readonly function: lambda.Function;
  /** The function's role. */
  public readonly role: iam.Role;
  /** The bucket of the reports and the cache. */
  public readonly bucket: s3.IBucket;
  /** Key of the created bucket and of the queue. */
  public readonly encryptionKey: kms.IKey;
  /** The schedule. */
  public readonly schedule: scheduler.Schedule;
  /** The role EventBridge Scheduler invokes the function with. */
  public readonly schedulerRole: iam.Role;
  /** Undelivered schedule events and runs that failed after their retry. */
  public readonly failures: sqs.Queue;
  /** Fires when a run fails. */
  public readonly errorsAlarm: cloudwatch.Alarm;
  /** Fires when an invocation is throttled. */
  public readonly throttlesAlarm: cloudwatch.Alarm;
  /** Fires when a message is waiting in {@link failures}. */
  public readonly failuresAlarm: cloudwatch.Alarm;
  /** Key prefix of the reports. */
  public readonly reportsPrefix = REPORTS_PREFIX;
  /** Key prefix of the cache of closed months. */
  public readonly cachePrefix = CACHE_PREFIX;

  constructor(scope: Construct, id: string, props: CostReportScheduleProps) {
    super(scope, id);
    const expression = props.schedule ?? 'cron(0 6 * * ? *)';
    const months = props.monthsOfHistory ?? 3;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const problems: string[] = [];
    if (isResolved(expression)) {
      const problem = scheduleExpressionProblem(expression);
      if (problem) {
        problems.push(`schedule ("${expression}") is not a valid EventBridge Scheduler expression: ${problem}. Use rate(<n> minutes|hours|days), ` +
          'cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with ? in day-of-month or day-of-week, or at(yyyy-mm-ddThh:mm:ss)');
      }
    }
    if (!Number.isInteger(months) || months < 1 || months > MAX_MONTHS_OF_HISTORY) {
      problems.push(`monthsOfHistory (${months}) must be a whole number from 1 to ${MAX_MONTHS_OF_HISTORY}: Cost Explorer keeps 14 months of daily data`);
    }
    const tagKey = props.tagKey ?? CostAttribution.schemaOf(this).teamKey;
    if (isResolved(tagKey) && (tagKey.length === 0 || tagKey.includes('$'))) {
      problems.push(`tagKey ("${tagKey}") must be a non-empty tag key without "$" (Cost Explorer separates key and value with it)`);
    }
    const retentionHours = props.reportRetention?.toHours({ integral: false });
    if (props.reportRetention && (props.bucket || retentionHours! < 24 || retentionHours! % 24 !== 0)) {
      problems.push(props.bucket
        ? 'reportRetention applies to the bucket this construct creates; with a given bucket, add a lifecycle rule on reports/ to it'
        : `reportRetention (${props.reportRetention.toHumanString()}) must be a whole number of days, at least 1 (S3 lifecycle rules count in days)`);
    }
    throwIfProblems(this, 'invalid CostReportSchedule props', problems);
    if (props.costTags) {
      CostAttribution.apply(this, { tags: props.costTags });
    }

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts the cost reports and the failure queue of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.bucket = props.bucket ?? this.createBucket(props, removalPolicy);

    this.failures = new sqs.Queue(this, 'Failures', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the scheduled cost report of ${this.node.path}`,
    });
    const stack = Stack.of(this);
    this.function = new lambda.Function(this, 'Function', {
      description: 'Per-team cost report from Cost Explorer to S3 and SNS (mlops-stack)',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(bundleHandler()),
      handler: 'index.handler',
      memorySize: COST_REPORT_MEMORY_MB,
      timeout: COST_REPORT_TIMEOUT,
      role: this.role,
      logGroup,
      environment: {
        [SCHEDULED_REPORT_ENV.bucket]: this.bucket.bucketName,
        [SCHEDULED_REPORT_ENV.topicArn]: props.topic.topicArn,
        [SCHEDULED_REPORT_ENV.tagKey]: tagKey,
        [SCHEDULED_REPORT_ENV.monthsOfHistory]: String(months),
        // Keys the cache of closed months: the function's own account, so no sts:GetCallerIdentity call.
        [SCHEDULED_REPORT_ENV.account]: Aws.ACCOUNT_ID,
      },
      // A failed run is retried once (a throttled read rarely fails twice); each try bills its requests again.
      retryAttempts: 1,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.failures),
    });
    this.grantRun(props.topic, logGroup);

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `Invokes the scheduled cost report of ${this.node.path}`,
    });
    // Scheduler writes undelivered events to the queue: its key must let the role encrypt them.
    this.schedulerRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.${stack.urlSuffix}` } },
    }));
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Runs the cost report of ${this.node.path}`,
      schedule: scheduler.ScheduleExpression.expression(expression, props.timeZone),
      target: new targets.LambdaInvoke(this.function, {
        role: this.schedulerRole,
        deadLetterQueue: this.failures,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });

    const period = Duration.minutes(5);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // The function runs a few times a day at most: no data is the normal state.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new cwActions.SnsAction(props.topic));
      return a;
    };
    this.errorsAlarm = alarm('ErrorsAlarm', this.function.metricErrors({ period, statistic: 'Sum' }),
      `A run of the cost report failed; its log group is ${logGroup.logGroupName}`);
    this.throttlesAlarm = alarm('ThrottlesAlarm', this.function.metricThrottles({ period, statistic: 'Sum' }),
      'The cost report function was throttled (account concurrency exhausted)');
    this.failuresAlarm = alarm('FailuresAlarm', this.failures.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'A cost report run failed after its retry, or the schedule could not invoke the function: see the failure queue');

    this.acknowledgeFindings();
  }

  private createBucket(props: CostReportScheduleProps, removalPolicy: RemovalPolicy): s3.Bucket {
    let accessLogs = props.serverAccessLogsBucket;
    if (!accessLogs) {
      accessLogs = createAccessLogsBucket(this, { logsOf: 'the report bucket', removalPolicy });
    }
    const bucket = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      // One data key per bucket instead of per object: fewer KMS requests per run.
      bucketKeyEnabled: true,
      versioned: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // The same day's run overwrites its reports; the versions it replaces are not worth keeping long.
        { id: 'noncurrent-versions', noncurrentVersionExpiration: Duration.days(30) },
        ...(props.reportRetention ? [{ id: 'report-retention', prefix: REPORTS_PREFIX, expiration: props.reportRetention }] : []),
      ],
    });
    // Delivered under a bucket policy, not the log-delivery ACL aws-cdk-lib uses unless an app sets
    // `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` (ACLs need ObjectWriter ownership; a library cannot rely on
    // an app's feature flags). A given logs bucket defined elsewhere needs this statement in its own policy.
    const prefix = 'reports-bucket/';
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: accessLogs.bucketName, logFilePrefix: prefix };
    accessLogs.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [accessLogs.arnForObjects(`${prefix}*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': bucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      },
    }));
    return bucket;
  }

  /** What a run does, and nothing else. */
  private grantRun(topic: sns.ITopic, logGroup: logs.LogGroup): void {
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));
    // GetCostAndUsage has no resource-level permissions.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ce:GetCostAndUsage'], resources: ['*'] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects(`${REPORTS_PREFIX}*`), this.bucket.arnForObjects(`${CACHE_PREFIX}*`)],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [this.bucket.arnForObjects(`${CACHE_PREFIX}*`)],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${CACHE_PREFIX}*`] } },
    }));
    const bucketKey = this.bucket.encryptionKey;
    if (bucketKey) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [bucketKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } },
      }));
    }
    topic.grantPublish(this.role);
  }

  private acknowledgeFindings(): void {
    const policy = this.role.node.findChild('DefaultPolicy');
    const reason = 'ce:GetCostAndUsage has no resource-level permissions; the objects are those under this report\'s reports/ and ' +
      'cache/ prefixes, whose keys the run names by date; the log streams are those Lambda names in the function\'s own log group.';
    const wildcards = ['*', this.bucket.arnForObjects(`${REPORTS_PREFIX}*`), this.bucket.arnForObjects(`${CACHE_PREFIX}*`),
      (this.function.logGroup as logs.LogGroup).logGroupArn];
    for (const resource of new Set(wildcards.map(w => nagResource(this, w)))) {
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
    }
    const keyReason = 'aws-cdk-lib\'s send grant of the failure destination on the queue\'s key (kms:GenerateDataKey*, kms:ReEncrypt*); ' +
      'the grant names this construct\'s key alone';
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason: keyReason });
    }
    Validations.of(this.schedulerRole.node.findChild('DefaultPolicy')).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(this, this.function.functionArn)}:*]`,
      reason: 'The LambdaInvoke target grants lambda:InvokeFunction on this function and its versions and aliases (ARN:*), nothing else',
    });
    Validations.of(this.failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the schedule and the failure destination of the function',
    });
  }
}
