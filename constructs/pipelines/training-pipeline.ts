import { Annotations, ArnFormat, Aws, Lazy, Names, Resource, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import {
  ConditionStep, type ConditionStepProps, DataQualityCheckStep, type DataQualityCheckStepProps, EvaluationStep, type EvaluationStepProps,
  FailStep, type FailStepProps, type PipelineStep, ProcessingStep, type ProcessingStepProps, RegisterModelStep, type RegisterModelStepProps,
  type StepContext, TrainingStep, type TrainingStepProps,
} from './pipeline-steps';
import { PipelineParameter, PipelineValue, referencesOf, type StringInput } from './pipeline-values';
import { branchSteps, graphProblems, splitMetric } from './private/graph';
import { scheduleExpressionProblems } from './private/schedule';
import { CostAttribution } from '../cost/cost-attribution';
import { throwIfProblems, validationError } from '../private/errors';
import { acknowledgeWildcard, nagResource } from '../private/nag';
import type { IModelRegistry } from '../registry/model-registry';
import { DataQualityMonitor } from '../serving/data-quality-monitor';
import type { ServableModel } from '../serving/model-source';
import { familyName, INSTANCE_FAMILIES } from '../serving/private/instance-families';
import { vpcAccessStatements } from '../serving/private/vpc-access';

/** Where the training data lives: its prefix is the default of the `InputDataUri` parameter. */
export interface TrainingDataLocation {
  /** The bucket of the data. */
  readonly bucket: s3.IBucket;
  /** The key prefix of the data, ending in `/`, e.g. `raw/fraud/`. */
  readonly prefix: string;
}

/** Properties of a {@link TrainingPipeline}. */
export interface TrainingPipelineProps {
  /** The registry holding the model: outputs, checkpoints and packages go there, encrypted with its key. */
  readonly registry: IModelRegistry;
  /** The registry model trained (`registry.model('fraud-scoring')`). */
  readonly model: ServableModel;
  /**
   * Digest (`sha256:<64 hex>`) of the image in the model's repository that the processing, training and evaluation
   * steps run and the model package serves. A digest, not a tag, so a run can be reproduced.
   */
  readonly imageDigest: string;
  /** The training data; its URI is the `InputDataUri` parameter, and new objects under it can trigger a run. */
  readonly data: TrainingDataLocation;
  /** The VPC every job runs in. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of `vpc`.
   *
   * @default - the private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Key prefix of the source code under the model's artifacts prefix (e.g. `code/1.4.0/`), given to processing
   * steps as the input `code` and to training as the channel `code`, and recorded on the model package.
   *
   * @default - the code is in the image
   */
  readonly codePrefix?: string;
  /**
   * Name of the pipeline: 1 to 256 letters, digits and hyphens.
   *
   * @default - derived from the construct path, in lowercase
   */
  readonly pipelineName?: string;
  /**
   * Description of the pipeline.
   *
   * @default - "Trains <model>"
   */
  readonly description?: string;
}

/** Options of {@link TrainingPipeline.scheduleRetraining}. */
export interface RetrainingScheduleOptions {
  /**
   * When to run, as an EventBridge Scheduler expression: `rate(7 days)`, `cron(0 3 ? * MON *)` or
   * `at(2027-01-31T03:00:00)`.
   *
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
   */
  readonly expression: string;
  /**
   * Time zone of cron and at expressions, an IANA name.
   *
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/** Options of {@link TrainingPipeline.retrainOnNewData}. */
export interface NewDataTriggerOptions {
  /**
   * Only objects whose key ends with this start a run, e.g. a `_SUCCESS` marker written after a batch: without
   * it, every object of a batch starts its own run.
   *
   * @default - every new object under the data prefix
   */
  readonly keySuffix?: string;
}

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
const PIPELINE_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

/**
 * A SageMaker Pipeline built from typed steps, never from hand-written JSON: processing, a data-quality check
 * against a baseline, training (managed spot on GPUs by default, distributed over several instances), evaluation
 * with a metrics report, a condition on metric thresholds and registration of a `PendingManualApproval` model
 * package with its metrics and lineage.
 *
 * - Every job runs in the VPC as a job role that reads the data prefix and the model's registry prefix, writes
 *   only under the model's prefix, and encrypts volumes and outputs with the registry key. The pipeline role
 *   only starts and watches the jobs, passes the job role, reads the reports and registers versions.
 * - Inputs are {@link PipelineParameter}s with defaults, declared wherever a step uses them; `InputDataUri` is
 *   created from `data`. Step outputs are typed values (`prepare.output('train')`, `train.modelArtifacts`).
 * - The step graph is checked at synth: unknown step references, cycles, conditions on metrics no step produces,
 *   duplicate step names.
 * - Retraining triggers: a schedule, new data under the data prefix and an endpoint's data-quality violations.
 *
 * @example
 * const pipeline = new TrainingPipeline(stack, 'FraudTraining', {
 *   registry, model: registry.model('fraud-scoring'), vpc, imageDigest: 'sha256:…',
 *   data: { bucket: dataBucket, prefix: 'raw/fraud/' },
 * });
 * const prepare = pipeline.addProcessing('Prepare', {
 *   command: ['python3', 'prepare.py'], inputs: { raw: pipeline.inputData }, outputs: ['train', 'test'],
 * });
 * const train = pipeline.addTraining('Train', { channels: { train: prepare.output('train') } });
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines.html
 */
export class TrainingPipeline extends Resource implements sagemaker.IPipeline {
  /** The pipeline's name. */
  public readonly pipelineName: string;
  /** The pipeline's ARN. */
  public readonly pipelineArn: string;
  /** The pipeline (L1). */
  public readonly pipeline: sagemaker.CfnPipeline;
  /** The role SageMaker Pipelines runs the pipeline as. */
  public readonly role: iam.Role;
  /** The role the processing and training jobs run as. */
  public readonly jobRole: iam.Role;
  /** The security group of the jobs. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The `InputDataUri` parameter: the data prefix unless an execution overrides it. */
  public readonly inputData: PipelineParameter;
  /** The registry model trained. */
  public readonly model: ServableModel;

  private readonly props: TrainingPipelineProps;
  private readonly steps: PipelineStep[] = [];
  private readonly subnets: ec2.SelectedSubnets;
  private readonly imageUri: string;
  private readonly codeUri?: string;
  private readonly wildcards: string[] = [];
  private eventsRole?: iam.Role;
  private analyzerImageUri?: string;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    this.props = props;
    this.model = props.model;
    const problems: string[] = [];
    if (isKnown(props.imageDigest) && !DIGEST_PATTERN.test(props.imageDigest)) {
      problems.push(`imageDigest ("${props.imageDigest}") must be an image digest (sha256:<64 lowercase hex>), not a tag: ` +
        'a digest names one image for good, so a run can be reproduced; get it with `aws ecr describe-images`');
    }
    if (isKnown(props.data.prefix) && (!props.data.prefix.endsWith('/') || props.data.prefix.startsWith('/'))) {
      problems.push(`data.prefix ("${props.data.prefix}") must be a key prefix ending in "/" without a leading "/", e.g. "raw/fraud/"`);
    }
    if (props.codePrefix !== undefined && (!props.codePrefix.endsWith('/') || props.codePrefix.startsWith('/'))) {
      problems.push(`codePrefix ("${props.codePrefix}") must be a key prefix under the model's prefix ending in "/", e.g. "code/1.4.0/"`);
    }
    if (props.pipelineName !== undefined && isKnown(props.pipelineName) && !PIPELINE_NAME_PATTERN.test(props.pipelineName)) {
      problems.push(`pipelineName ("${props.pipelineName}") must be 1 to 256 letters, digits and hyphens, starting and ending with a letter or digit`);
    }
    throwIfProblems(this, 'invalid TrainingPipeline props', problems);

    // Lowercase, as SageMaker spells names in ARNs, so policies on the pipeline ARN match what SageMaker authorizes.
    this.pipelineName = props.pipelineName ?? Names.uniqueResourceName(this, { maxLength: 256, separator: '-' }).toLowerCase();
    this.pipelineArn = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: this.pipelineName.toLowerCase() });
    CostAttribution.tagModel(this, props.model.name);
    CostAttribution.tagPipeline(this, this.pipelineName);
    this.billToModelOwner(props.model);

    const bucket = props.registry.artifactBucket;
    this.imageUri = props.model.repository.repositoryUriForDigest(props.imageDigest);
    this.codeUri = props.codePrefix !== undefined ? bucket.s3UrlForObject(`${props.model.artifactsPrefix}${props.codePrefix}`) : undefined;
    this.inputData = PipelineParameter.string('InputDataUri', props.data.bucket.s3UrlForObject(props.data.prefix), 'S3 URI of the training data');

    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the processing and training jobs of ${this.node.path} (model ${props.model.name})`,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the SageMaker pipeline ${this.node.path} (model ${props.model.name})`,
    });

    this.subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      allowAllOutbound: false,
      description: `Jobs of the training pipeline ${this.node.path}`,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3, ECR, CloudWatch and SageMaker');

    this.wildcard('*');
    this.grantJobAccess();
    this.grantPipelineAccess();

    this.pipeline = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: this.pipelineName,
      pipelineDescription: props.description ?? `Trains ${props.model.name}`,
      roleArn: this.role.roleArn,
      // The property is untyped in aws-cdk-lib, so its keys are passed as CloudFormation spells them.
      pipelineDefinition: {
        PipelineDefinitionBody: Lazy.string({ produce: () => Stack.of(this).toJsonString(this.renderDefinition()) }),
      },
    });
    // A run started right after deployment needs both roles' policies in place.
    this.pipeline.node.addDependency(this.role.node.findChild('DefaultPolicy'));
    this.node.addValidation({ validate: () => this.validateGraph() });
  }

  /** A reference to the pipeline, for aws-cdk-lib's scheduler targets. */
  public get pipelineRef(): sagemaker.PipelineReference {
    return { pipelineName: this.pipelineName };
  }

  /** The steps, in the order they were added. */
  public get allSteps(): PipelineStep[] {
    return [...this.steps];
  }

  /** Let `grantee` start executions of this pipeline. */
  public grantStartPipelineExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:StartPipelineExecution'], resourceArns: [this.pipelineArn] });
  }

  /** Add a processing step (data preparation). */
  public addProcessing(name: string, props: ProcessingStepProps): ProcessingStep {
    this.checkInstanceType(name, 'instanceType', props.instanceType);
    return this.add(new ProcessingStep(this, name, props));
  }

  /**
   * Add a data-quality check of a dataset against a baseline's schema and distribution constraints; violations
   * fail the run.
   */
  public addDataQualityCheck(name: string, props: DataQualityCheckStepProps): DataQualityCheckStep {
    this.checkInstanceType(name, 'instanceType', props.instanceType);
    if (!DataQualityMonitor.analyzerImageKnown(this)) {
      throw validationError(this, `${name}: the Model Monitor analyzer image is not known for region ${Stack.of(this).region}`);
    }
    const step = this.add(new DataQualityCheckStep(this, name, props));
    this.analyzerImageUri ??= DataQualityMonitor.analyzerImageUri(this);
    this.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: step._baselineUris.map(s3UriToArn) }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: step._baselineUris.map(s3UriToArn) }));
    this.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      // The analyzer's account differs by region; a CfnMapping value cannot be printed in an acknowledgement.
      resources: [this.wildcard(Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: 'sagemaker-model-monitor-analyzer', account: '*' }))],
    }));
    return step;
  }

  /**
   * Add a training step. GPU instance types train on managed spot capacity unless `spot: false`; several
   * instances train distributed.
   */
  public addTraining(name: string, props: TrainingStepProps): TrainingStep {
    const family = this.checkInstanceType(name, 'instanceType', props.instanceType ?? 'ml.g5.2xlarge');
    const step = this.add(new TrainingStep(this, name, props, family?.gpu ?? false));
    if (step.instanceCount > 1 && !this.securityGroup.node.tryFindChild('Distributed')) {
      // The instances of a distributed job exchange gradients with each other, and only with each other.
      new ec2.CfnSecurityGroupIngress(this.securityGroup, 'Distributed', {
        groupId: this.securityGroup.securityGroupId,
        sourceSecurityGroupId: this.securityGroup.securityGroupId,
        ipProtocol: '-1',
        description: 'Instances of a distributed training job',
      });
      new ec2.CfnSecurityGroupEgress(this.securityGroup, 'DistributedEgress', {
        groupId: this.securityGroup.securityGroupId,
        destinationSecurityGroupId: this.securityGroup.securityGroupId,
        ipProtocol: '-1',
        description: 'Instances of a distributed training job',
      });
    }
    return step;
  }

  /** Add an evaluation step, which writes a metrics report that conditions and the model package read. */
  public addEvaluation(name: string, props: EvaluationStepProps): EvaluationStep {
    this.checkInstanceType(name, 'instanceType', props.instanceType);
    return this.add(new EvaluationStep(this, name, props));
  }

  /** Add a condition on metric thresholds. */
  public addCondition(name: string, props: ConditionStepProps): ConditionStep {
    return this.add(new ConditionStep(this, name, props));
  }

  /** Add a step that fails the run with a message (for a condition's else branch). */
  public addFail(name: string, props: FailStepProps): FailStep {
    return this.add(new FailStep(this, name, props));
  }

  /** Add the registration of the trained model in the model's package group, pending manual approval. */
  public addRegistration(name: string, props: RegisterModelStepProps): RegisterModelStep {
    return this.add(new RegisterModelStep(this, name, props));
  }

  /**
   * Start a run on a schedule (EventBridge Scheduler).
   *
   * @throws MlopsStackError when the expression is not a valid rate, cron or at expression
   */
  public scheduleRetraining(id: string, options: RetrainingScheduleOptions): scheduler.Schedule {
    throwIfProblems(this, `invalid retraining schedule "${id}"`, scheduleExpressionProblems('expression', options.expression));
    return new scheduler.Schedule(this, id, {
      description: `Retrains ${this.props.model.name} (${options.expression})`,
      schedule: scheduler.ScheduleExpression.expression(options.expression, TimeZone.of(options.timeZone ?? 'UTC')),
      target: new targets.SageMakerStartPipelineExecution(this),
    });
  }

  /**
   * Start a run when an object is created under the data prefix: an EventBridge rule on S3 `Object Created`.
   * Turns on the data bucket's EventBridge notifications when the bucket is defined in this app; an imported
   * bucket needs them on already (a warning says so).
   */
  public retrainOnNewData(id: string, options: NewDataTriggerOptions = {}): events.Rule {
    const { bucket, prefix } = this.props.data;
    if (options.keySuffix !== undefined && (options.keySuffix === '' || options.keySuffix.includes('*'))) {
      throw validationError(this, `keySuffix ("${options.keySuffix}") must be a non-empty key ending without wildcards, e.g. "_SUCCESS"`);
    }
    const cfnBucket = bucket.node.defaultChild;
    if (cfnBucket instanceof s3.CfnBucket) {
      // Native EventBridge delivery: no notification custom resource (and its Lambda function) is needed.
      cfnBucket.addPropertyOverride('NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled', true);
    } else {
      Annotations.of(this).addWarningV2('mlops-stack:pipeline-new-data-notifications',
        `retrainOnNewData("${id}"): the data bucket is not defined in this app, so its EventBridge notifications cannot be turned on here; ` +
        'turn them on where the bucket is defined, or no run will start.');
    }
    const key = options.keySuffix !== undefined ? [{ wildcard: `${prefix}*${options.keySuffix}` }] : [{ prefix }];
    return this.ruleStartingRun(id, `New training data of ${this.props.model.name} under ${prefix}`, {
      source: ['aws.s3'],
      detailType: ['Object Created'],
      detail: { bucket: { name: [bucket.bucketName] }, object: { key } },
    });
  }

  /**
   * Start a run when an endpoint's data-quality monitor finds violations (its `violationEventPattern`).
   */
  public retrainOnDrift(id: string, monitor: DataQualityMonitor | events.EventPattern): events.Rule {
    const pattern = monitor instanceof DataQualityMonitor ? monitor.violationEventPattern : monitor;
    return this.ruleStartingRun(id, `Data-quality violations: retrain ${this.props.model.name}`, pattern);
  }

  /** The definition, with its tokens unresolved. @internal */
  public _definition(): Record<string, unknown> {
    return this.renderDefinition();
  }

  private add<T extends PipelineStep>(step: T): T {
    const existing = this.steps.find(s => s.name === step.name);
    if (existing) {
      throw validationError(this, `step name ("${step.name}") duplicates a step of this pipeline (a ${existing.type} step); step names are unique: rename one`);
    }
    this.steps.push(step);
    return step;
  }

  private validateGraph(): string[] {
    const problems = graphProblems(this.steps);
    const parameters = new Map<string, PipelineParameter>();
    for (const p of this.parameters()) {
      const first = parameters.get(p.name);
      if (first && (first.defaultValue !== p.defaultValue || first.type !== p.type)) {
        problems.push(`parameter "${p.name}" is declared twice with different types or defaults (${first.type} ${first.defaultValue}, ${p.type} ${p.defaultValue}); ` +
          'use one PipelineParameter object');
      }
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(p.name)) {
        problems.push(`parameter name ("${p.name}") must be 1 to 64 letters, digits, "-" and "_"`);
      }
      parameters.set(p.name, p);
    }
    if (this.steps.length === 0) {
      problems.push('the pipeline has no step; add steps with addProcessing, addTraining, ...');
    }
    return problems;
  }

  private parameters(): PipelineParameter[] {
    const all = [this.inputData, ...referencesOf(this.steps.flatMap(s => s._inputs())).parameters];
    const seen = new Set<PipelineParameter>();
    return all.filter(p => !seen.has(p) && seen.add(p));
  }

  private renderDefinition(): Record<string, unknown> {
    const nested = branchSteps(this.steps);
    const ctx: StepContext = {
      jobRoleArn: this.jobRole.roleArn,
      keyArn: this.props.registry.encryptionKey.keyArn,
      subnetIds: this.subnets.subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      imageUri: this.imageUri,
      analyzerImageUri: this.analyzerImageUri ?? '',
      modelPackageGroupName: this.props.model.modelPackageGroupName,
      outputRoot: this.props.registry.artifactBucket.s3UrlForObject(`${this.props.model.artifactsPrefix}pipelines/${this.pipelineName}`),
      codeUri: this.codeUri,
      dataUri: this.inputData,
      tags: this.jobTags(),
      volumeKeyAllowed: (instanceType: StringInput) => !familyOf(instanceType)?.instanceStorage,
      render: (step: PipelineStep) => step._render(ctx),
    };
    // Metrics named "<step>.<metric>" are looked up now that every step is known.
    for (const condition of this.steps) {
      if (condition instanceof ConditionStep) {
        (condition.conditions as any[]).forEach((c, i) => {
          if (typeof c.metric === 'string') {
            const [stepName, metric] = splitMetric(c.metric);
            const producer = this.steps.find(s => s.name === stepName);
            if (producer instanceof EvaluationStep && producer.metricNames.includes(metric)) {
              (condition.conditions as any[])[i] = { ...c, metric: producer.metric(metric) };
            }
          }
        });
      }
    }
    return {
      Version: '2020-12-01',
      Metadata: {},
      Parameters: this.parameters().map(p => p._render()),
      PipelineExperimentConfig: { ExperimentName: { Get: 'Execution.PipelineName' }, TrialName: { Get: 'Execution.PipelineExecutionId' } },
      Steps: this.steps.filter(s => !nested.has(s)).map(s => s._render(ctx)),
    };
  }

  /** Jobs the pipeline starts are not CloudFormation resources: they carry the cost tags in effect here. */
  private jobTags(): Array<{ Key: string; Value: string }> {
    return Object.entries(CostAttribution.tagsOf(this)).map(([Key, Value]) => ({ Key, Value }));
  }

  private checkInstanceType(step: string, prop: string, instanceType: StringInput | undefined) {
    if (instanceType === undefined) {
      return undefined;
    }
    const value = instanceType instanceof PipelineParameter ? String(instanceType.defaultValue) : instanceType;
    if (typeof value !== 'string') {
      throw validationError(this, `${step}: ${prop} must be an instance type or a PipelineParameter.string whose default is one`);
    }
    if (!isKnown(value)) {
      return undefined;
    }
    const family = familyOf(value);
    if (!family) {
      throw validationError(this, `${step}: ${prop} ("${value}") is not a SageMaker instance type of a known family (ml.<family>.<size>, ` +
        `families: ${Object.keys(INSTANCE_FAMILIES).join(', ')})`);
    }
    return family;
  }

  private ruleStartingRun(id: string, description: string, eventPattern: events.EventPattern): events.Rule {
    if (!this.eventsRole) {
      this.eventsRole = new iam.Role(this, 'EventsRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
        description: `Lets EventBridge start ${this.node.path}`,
      });
      this.grantStartPipelineExecution(this.eventsRole);
    }
    const role = this.eventsRole;
    const rule = new events.Rule(this, id, { description, eventPattern });
    rule.addTarget({ bind: () => ({ arn: this.pipelineArn, role, targetResource: this }) });
    return rule;
  }

  private grantJobAccess(): void {
    const stack = Stack.of(this);
    const { registry, model, data } = this.props;
    registry.grantRead(this.jobRole, model.name);
    registry.grantWrite(this.jobRole, model.name);
    registry.grantPull(this.jobRole, model.name);
    this.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [this.wildcard(data.bucket.arnForObjects(`${data.prefix}*`))],
    }));
    this.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [data.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${data.prefix}*`] } },
    }));
    data.bucket.encryptionKey?.grantDecrypt(this.jobRole);
    this.wildcard(registry.artifactBucket.arnForObjects(`${model.artifactsPrefix}*`));
    this.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:CreateGrant'],
      resources: [registry.encryptionKey.keyArn],
      // The jobs' EBS volumes are encrypted with the key: SageMaker creates a grant for them.
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }));
    this.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    for (const jobs of ['ProcessingJobs', 'TrainingJobs']) {
      const logGroup = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/${jobs}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      this.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [logGroup, this.wildcard(`${logGroup}:log-stream:*`)],
      }));
    }
    this.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*'] } },
    }));
    const access = vpcAccessStatements(this, this.subnets.subnetIds, [this.securityGroup]);
    this.wildcard(access.networkInterfaces);
    access.statements.forEach(s => this.jobRole.addToPrincipalPolicy(s));
  }

  private grantPipelineAccess(): void {
    const stack = Stack.of(this);
    const { registry, model } = this.props;
    const jobs = ['processing-job', 'training-job'].map(resource => this.wildcard(stack.formatArn({ service: 'sagemaker', resource, resourceName: '*' })));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: [
        'sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob',
        'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags',
      ],
      resources: jobs,
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [this.jobRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));
    // The pipeline reads the evaluation reports (property files) and the check's baselines itself.
    registry.grantRead(this.role, model.name);
    registry.grantRegister(this.role, model.name);
    this.wildcard(stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${model.name.toLowerCase()}/*` }));
  }

  /** A resource named at run time: acknowledged on both roles' policies with the reason. */
  private wildcard(arn: string): string {
    const reason = 'Objects under the data prefix and the model\'s registry prefix (outputs are named per execution), jobs SageMaker ' +
      'Pipelines names at run time, versions of the model\'s package group, log streams and network interfaces named at run time, ' +
      'SageMaker\'s analyzer repository in its regional account, and actions without resource-level permissions ' +
      '(ecr:GetAuthorizationToken, ec2:Describe*, cloudwatch:PutMetricData limited by namespace).';
    const resource = nagResource(this, arn);
    if (!this.wildcards.includes(resource)) {
      this.wildcards.push(resource);
      for (const role of [this.role, this.jobRole].filter(r => r !== undefined)) {
        acknowledgeWildcard(role, arn, reason);
      }
    }
    return arn;
  }

  /** The pipeline's jobs are billed to the team that owns the model, as endpoints are. */
  private billToModelOwner(model: ServableModel): void {
    const teamKey = CostAttribution.schemaOf(this).teamKey;
    const owner = CostAttribution.tagsOf(model.repository)[teamKey];
    if (owner !== undefined && !Token.isUnresolved(owner) && CostAttribution.tagsOf(this)[teamKey] !== owner) {
      CostAttribution.apply(this, { tags: { [teamKey]: owner } });
    }
  }
}

function isKnown(value: string): boolean {
  return !Token.isUnresolved(value);
}

function familyOf(instanceType: StringInput) {
  const value = instanceType instanceof PipelineParameter ? String(instanceType.defaultValue)
    : instanceType instanceof PipelineValue ? undefined : instanceType;
  const family = value === undefined ? undefined : familyName(value);
  return family === undefined ? undefined : INSTANCE_FAMILIES[family];
}

function s3UriToArn(uri: string): string {
  return `arn:${Aws.PARTITION}:s3:::${uri.replace(/^s3:\/\//, '')}`;
}
