import { ArnFormat, Aws, CfnMapping, Duration, Fn, RemovalPolicy, type Size, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import type { ModelEndpoint } from './model-endpoint';
import { ServingInstanceType } from './serving-instance-type';
import { throwIfProblems } from '../private/errors';
import { acknowledgeWildcard } from '../private/nag';
import { isResolved } from '../private/tokens';
import { vpcAccessStatements } from './private/vpc-access';

/**
 * Options of {@link ModelEndpoint.monitorDataQuality}.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-quality.html
 */
export interface DataQualityMonitorOptions {
  /** `s3://` URI of the baseline `statistics.json` (from a baselining job over the training data). */
  readonly baselineStatisticsUri: string;
  /** `s3://` URI of the baseline `constraints.json`. */
  readonly baselineConstraintsUri: string;
  /**
   * When the job runs, as a SageMaker schedule expression.
   *
   * @default 'cron(0 * ? * * *)' (hourly)
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-schedule-expression.html
   */
  readonly scheduleExpression?: string;
  /**
   * Instance type of the monitoring job.
   *
   * @default ServingInstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: ServingInstanceType;
  /**
   * Storage volume of the monitoring job.
   *
   * @default Size.gibibytes(20)
   */
  readonly volumeSize?: Size;
  /**
   * The longest a run may take.
   *
   * @default Duration.minutes(30)
   */
  readonly maxRuntime?: Duration;
  /**
   * Key of the reports and the job's volume.
   *
   * @default - the registry's key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * VPC of the monitoring job.
   *
   * @default - the endpoint's
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc`.
   *
   * @default - the private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Image of the Model Monitor analyzer.
   *
   * @default - SageMaker's `sagemaker-model-monitor-analyzer` image of the stack's region
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-pre-built-container.html
   */
  readonly analyzerImageUri?: string;
  /**
   * What happens to the log group of violation events when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Properties of a {@link DataQualityMonitor}. */
export interface DataQualityMonitorProps extends DataQualityMonitorOptions {
  /** The endpoint whose captured requests are checked; it must capture input. */
  readonly endpoint: ModelEndpoint;
}

/**
 * Accounts of the Model Monitor analyzer image per region, as the SageMaker Python SDK lists them
 * (`image_uri_config/model-monitor.json`).
 */
const ANALYZER_ACCOUNTS: Record<string, string> = {
  'eu-north-1': '895015795356',
  'me-south-1': '607024016150',
  'ap-south-1': '126357580389',
  'us-east-2': '777275614652',
  'eu-west-1': '468650794304',
  'eu-central-1': '048819808253',
  'sa-east-1': '539772159869',
  'ap-east-1': '001633400207',
  'us-east-1': '156813124566',
  'ap-northeast-2': '709848358524',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'ap-northeast-1': '574779866223',
  'us-west-2': '159807026194',
  'us-west-1': '890145073186',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ca-central-1': '536280801234',
  'cn-north-1': '453000072557',
  'cn-northwest-1': '453252182341',
};
const ANALYZER_REPOSITORY = 'sagemaker-model-monitor-analyzer';
const METRIC_NAMESPACE = 'mlops-stack/ModelMonitor';

/**
 * A SageMaker Model Monitor data-quality schedule over an endpoint's captured requests, compared with baseline
 * statistics and constraints. A run that finds violations raises the `violationsAlarm` and is an EventBridge event
 * the training pipeline can take as a retraining trigger ({@link DataQualityMonitor.onViolation}).
 *
 * The event is SageMaker's own `SageMaker Processing Job State Change` event of the monitoring run, on the
 * account's default bus, matched by {@link DataQualityMonitor.violationEventPattern}:
 *
 * ```json
 * {
 *   "source": "aws.sagemaker",
 *   "detail-type": "SageMaker Processing Job State Change",
 *   "resources": ["arn:aws:sagemaker:<region>:<account>:processing-job/<run name>"],
 *   "detail": {
 *     "ProcessingJobName": "<run name>",
 *     "ProcessingJobStatus": "Completed",
 *     "ExitMessage": "CompletedWithViolations: ...",
 *     "MonitoringScheduleArn": "<this schedule's ARN>",
 *     "ProcessingOutputConfig": { "Outputs": [{ "S3Output": { "S3Uri": "<reportsS3Uri>..." } }] }
 *   }
 * }
 * ```
 *
 * The violation report (`constraint_violations.json`) is under `reportsS3Uri` in the registry bucket.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html
 */
export class DataQualityMonitor extends Construct {
  /**
   * URI of SageMaker's Model Monitor analyzer image in the region of `scope`'s stack, looked up at deploy time
   * from a mapping added to `scope` (id `AnalyzerAccounts`, once per scope). Other constructs that run the
   * analyzer (the training pipeline's data-quality check) use it too.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-pre-built-container.html
   */
  public static analyzerImageUri(scope: Construct): string {
    const stack = Stack.of(scope);
    const mapping = (scope.node.tryFindChild('AnalyzerAccounts') as CfnMapping | undefined) ?? new CfnMapping(scope, 'AnalyzerAccounts', {
      mapping: Object.fromEntries(Object.entries(ANALYZER_ACCOUNTS).map(([r, account]) => [r, { account }])),
    });
    const account = mapping.findInMap(Aws.REGION, 'account');
    return `${account}.dkr.ecr.${Aws.REGION}.${stack.urlSuffix}/${ANALYZER_REPOSITORY}:latest`;
  }

  /** Whether the analyzer image is known for the region of `scope`'s stack (always true when the region is a token). */
  public static analyzerImageKnown(scope: Construct): boolean {
    const region = Stack.of(scope).region;
    return Token.isUnresolved(region) || ANALYZER_ACCOUNTS[region] !== undefined;
  }

  /** The role the monitoring runs assume. */
  public readonly role: iam.Role;
  /** The job definition (L1). */
  public readonly jobDefinition: sagemaker.CfnDataQualityJobDefinition;
  /** The schedule (L1). */
  public readonly schedule: sagemaker.CfnMonitoringSchedule;
  /** Where the reports go: `s3://<registry bucket>/monitoring/<endpoint name>/data-quality/`. */
  public readonly reportsS3Uri: string;
  /** The EventBridge pattern of a run of this schedule that found violations. */
  public readonly violationEventPattern: events.EventPattern;
  /** Fires when a run finds violations. */
  public readonly violationsAlarm: cloudwatch.Alarm;
  /** Keeps the violation events (the alarm's metric is counted from it). */
  public readonly violationLog: logs.LogGroup;
  private readonly wildcards: string[] = [];

  constructor(scope: Construct, id: string, props: DataQualityMonitorProps) {
    super(scope, id);
    const endpoint = props.endpoint;
    const stack = Stack.of(this);
    const registry = endpoint.registry;
    const bucket = registry.artifactBucket;
    const key = props.encryptionKey ?? registry.encryptionKey;
    const instanceType = props.instanceType ?? ServingInstanceType.ML_M5_XLARGE;
    const maxRuntime = props.maxRuntime ?? Duration.minutes(30);
    const problems: string[] = [];
    for (const [prop, uri] of [['baselineStatisticsUri', props.baselineStatisticsUri], ['baselineConstraintsUri', props.baselineConstraintsUri]]) {
      if (isResolved(uri) && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/.test(uri)) {
        problems.push(`${prop} ("${uri}") must be an s3://<bucket>/<key> URI of the baselining job's output`);
      }
    }
    if (!instanceType.value.startsWith('ml.') || instanceType.family === undefined) {
      problems.push(`instanceType ("${instanceType.value}") is not a SageMaker instance type (ml.<family>.<size>)`);
    }
    const seconds = maxRuntime.toSeconds();
    if (seconds < 1 || seconds > 3600) {
      problems.push(`maxRuntime (${maxRuntime.toHumanString()}) must be between 1 second and 1 hour, the longest a monitoring run may take`);
    }
    const region = stack.region;
    if (!props.analyzerImageUri && !Token.isUnresolved(region) && !ANALYZER_ACCOUNTS[region]) {
      problems.push(`the Model Monitor analyzer image is not known for region ${region}: give analyzerImageUri`);
    }
    throwIfProblems(this, 'invalid data-quality monitor', problems);

    const reportsPrefix = `monitoring/${endpoint.endpointName}/data-quality/`;
    this.reportsS3Uri = bucket.s3UrlForObject(reportsPrefix);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the data-quality monitoring of ${endpoint.node.path}`,
    });
    this.grantAccess(bucket, key, endpoint.dataCapturePrefix!, reportsPrefix, [props.baselineStatisticsUri, props.baselineConstraintsUri]);
    const imageUri = props.analyzerImageUri ?? this.analyzerImage();

    const vpc = props.vpc;
    const subnets = vpc?.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    let securityGroup: ec2.SecurityGroup | undefined;
    if (vpc && subnets) {
      securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, allowAllOutbound: false, description: `Monitoring runs of ${endpoint.node.path}` });
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3, ECR and CloudWatch');
      this.grantVpc(subnets, securityGroup);
    }

    this.jobDefinition = new sagemaker.CfnDataQualityJobDefinition(this, 'JobDefinition', {
      roleArn: this.role.roleArn,
      dataQualityAppSpecification: {
        imageUri,
        // The run publishes per-feature drift metrics to CloudWatch as well as its reports.
        environment: { publish_cloudwatch_metrics: 'Enabled' },
      },
      dataQualityBaselineConfig: {
        statisticsResource: { s3Uri: props.baselineStatisticsUri },
        constraintsResource: { s3Uri: props.baselineConstraintsUri },
      },
      dataQualityJobInput: { endpointInput: { endpointName: endpoint.endpointName, localPath: '/opt/ml/processing/input/endpoint' } },
      dataQualityJobOutputConfig: {
        kmsKeyId: key.keyArn,
        monitoringOutputs: [{ s3Output: { localPath: '/opt/ml/processing/output', s3Uri: this.reportsS3Uri, s3UploadMode: 'EndOfJob' } }],
      },
      jobResources: {
        clusterConfig: {
          instanceCount: 1,
          instanceType: instanceType.value,
          volumeSizeInGb: props.volumeSize?.toGibibytes() ?? 20,
          // NVMe-only types reject a volume key, as endpoints do.
          volumeKmsKeyId: instanceType.hasInstanceStorageOnly ? undefined : key.keyArn,
        },
      },
      networkConfig: {
        enableNetworkIsolation: true,
        enableInterContainerTrafficEncryption: true,
        vpcConfig: subnets && securityGroup ? { subnets: subnets.subnetIds, securityGroupIds: [securityGroup.securityGroupId] } : undefined,
      },
      stoppingCondition: { maxRuntimeInSeconds: seconds },
    });
    // The job definition names the endpoint, which must exist; and its role's policy must exist before a run.
    this.jobDefinition.addResourceDependency(endpoint.endpoint);
    this.jobDefinition.node.addDependency(this.role.node.findChild('DefaultPolicy'));

    this.schedule = new sagemaker.CfnMonitoringSchedule(this, 'Schedule', {
      monitoringScheduleName: `${endpoint.endpointName}-data-quality`.slice(0, 63),
      monitoringScheduleConfig: {
        // The job definition's name is left to CloudFormation so that a change can replace it; its ARN ends in it.
        monitoringJobDefinitionName: Fn.select(1, Fn.split('/', this.jobDefinition.attrJobDefinitionArn)),
        monitoringType: 'DataQuality',
        scheduleConfig: { scheduleExpression: props.scheduleExpression ?? 'cron(0 * ? * * *)' },
      },
    });

    this.violationEventPattern = {
      source: ['aws.sagemaker'],
      detailType: ['SageMaker Processing Job State Change'],
      detail: {
        MonitoringScheduleArn: [this.schedule.attrMonitoringScheduleArn],
        ProcessingJobStatus: ['Completed'],
        ExitMessage: [{ prefix: 'CompletedWithViolations' }],
      },
    };

    // EventBridge cannot raise an alarm by itself: the violation events go to a log group whose metric filter
    // counts them, without a Lambda function in between.
    this.violationLog = new logs.LogGroup(this, 'Violations', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const rule = new events.Rule(this, 'ViolationRule', {
      description: `Data-quality violations of ${endpoint.endpointName}`,
      eventPattern: this.violationEventPattern,
    });
    rule.addTarget({ bind: () => ({ arn: this.violationLog.logGroupArn }) });
    new logs.ResourcePolicy(this, 'ViolationLogPolicy', {
      policyStatements: [new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.violationLog.logGroupArn}`],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      })],
    });
    // Metric filters take dimensions from the event's fields only, so each endpoint gets its own namespace.
    const namespace = `${METRIC_NAMESPACE}/${endpoint.endpointName}`;
    const metric = new cloudwatch.Metric({ namespace, metricName: 'DataQualityViolations', statistic: 'Sum', period: Duration.hours(1) });
    new logs.MetricFilter(this, 'ViolationCount', {
      logGroup: this.violationLog,
      filterPattern: logs.FilterPattern.stringValue('$.detail.ProcessingJobStatus', '=', 'Completed'),
      metricNamespace: namespace,
      metricName: 'DataQualityViolations',
      metricValue: '1',
    });
    this.violationsAlarm = new cloudwatch.Alarm(this, 'ViolationsAlarm', {
      alarmDescription: `Model Monitor found data-quality violations in the requests of ${endpoint.endpointName}; reports under ${reportsPrefix}`,
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.acknowledgeFindings(this.wildcards);
  }

  /**
   * An EventBridge rule on runs of this schedule that found violations, for example to start retraining.
   */
  public onViolation(id: string, options: events.OnEventOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, {
      description: options.description,
      ruleName: options.ruleName,
      eventPattern: {
        ...this.violationEventPattern,
        ...options.eventPattern,
        detail: { ...this.violationEventPattern.detail, ...options.eventPattern?.detail },
      },
    });
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }

  /** SageMaker's analyzer image in the stack's region, looked up at deploy time when the region is a token. */
  private analyzerImage(): string {
    return DataQualityMonitor.analyzerImageUri(this);
  }

  private grantAccess(bucket: s3.IBucket, key: kms.IKey, capturePrefix: string, reportsPrefix: string, baselines: string[]): void {
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [this.wildcard(bucket.arnForObjects(`${capturePrefix}*`)), ...baselines.map(s3UriToArn)],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${capturePrefix}*`] } },
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: [this.wildcard(bucket.arnForObjects(`${reportsPrefix}*`))],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } },
    }));
    // The job's own volume is encrypted with the key: SageMaker creates a grant for the EBS volume.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:CreateGrant'],
      resources: [key.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      // The analyzer's account differs by region; a CfnMapping value cannot be printed in an acknowledgement.
      resources: [this.wildcard(stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: ANALYZER_REPOSITORY, account: '*' }))],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    const logGroup = stack.formatArn({
      service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/ProcessingJobs', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [logGroup, this.wildcard(`${logGroup}:log-stream:*`)],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': ['aws/sagemaker/Endpoints/data-metrics', '/aws/sagemaker/*'] } },
    }));
  }

  private wildcard(arn: string): string {
    this.wildcards.push(arn);
    return arn;
  }

  private grantVpc(subnets: ec2.SelectedSubnets, sg: ec2.ISecurityGroup): void {
    const access = vpcAccessStatements(this, subnets.subnetIds, [sg]);
    this.wildcard(access.networkInterfaces);
    for (const statement of access.statements) {
      this.role.addToPrincipalPolicy(statement);
    }
  }

  private acknowledgeFindings(wildcards: string[]): void {
    const policy = this.role.node.findChild('DefaultPolicy');
    const reason = 'Objects under this endpoint\'s capture and report prefixes, log streams and network interfaces SageMaker names at run ' +
      'time, SageMaker\'s analyzer repository in its regional account, and actions without resource-level permissions ' +
      '(ecr:GetAuthorizationToken, ec2:Describe*, cloudwatch:PutMetricData limited by namespace).';
    for (const resource of new Set(['*', ...wildcards])) {
      acknowledgeWildcard(policy, resource, reason);
    }
  }
}

function s3UriToArn(uri: string): string {
  if (!isResolved(uri)) {
    return Fn.join('', ['arn:', Aws.PARTITION, ':s3:::', Fn.select(1, Fn.split('s3://', uri))]);
  }
  return `arn:${Aws.PARTITION}:s3:::${uri.replace(/^s3:\/\//, '')}`;
}
