import { Duration, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { PipelineParameter, PipelineValue, PipelineValueType, type NumberInput, renderValue, type StringInput } from './pipeline-values';
import { validationError } from '../private/errors';

/** Where a step's container finds its inputs and leaves its outputs. */
const PROCESSING_INPUT = '/opt/ml/processing/input';
const PROCESSING_OUTPUT = '/opt/ml/processing/output';
const CHECK_DATASET_INPUT = 'baseline_dataset_input';
const CHECK_OUTPUT = 'monitoring_output';
const EVALUATION_OUTPUT = 'evaluation';
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Properties TypeScript requires can still be missing (JavaScript, a cast, an app run with `--transpile-only`):
 * without this check the step fails later, inside token resolution, with a TypeError that names no property.
 */
function requireProps(scope: IConstruct, step: string, props: object | undefined, required: Record<string, string>): void {
  const given = (props ?? {}) as Record<string, unknown>;
  const missing = Object.entries(required).filter(([key]) => given[key] === undefined || given[key] === null);
  if (missing.length > 0) {
    throw validationError(scope, missing.map(([key, what]) => `step "${step}": ${key} is required (${what})`).join('; '));
  }
}

/** What a step renders with: the pipeline's role, key, network, image and output locations. @internal */
export interface StepContext {
  readonly jobRoleArn: string;
  readonly keyArn: string;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly imageUri: string;
  readonly analyzerImageUri: string;
  readonly modelPackageGroupName: string;
  /** `s3://<bucket>/<model prefix>pipelines/<pipeline name>` (no trailing slash). */
  readonly outputRoot: string;
  readonly codeUri?: string;
  readonly dataUri: PipelineValue;
  readonly tags: Array<{ Key: string; Value: string }>;
  /** Whether an instance type's volume may carry a KMS key (false for NVMe instance storage only). */
  volumeKeyAllowed(instanceType: StringInput): boolean;
  /** The definition JSON of a nested step. */
  render(step: PipelineStep): Record<string, unknown>;
}

/** Options every step takes. */
export interface StepOptions {
  /**
   * Steps that must finish first, as steps or by name. Steps whose outputs this step reads come first anyway.
   *
   * @default - only the steps whose outputs this step reads
   */
  readonly dependsOn?: Array<PipelineStep | string>;
  /**
   * What the step does, shown in SageMaker Studio.
   *
   * @default - none
   */
  readonly description?: string;
}

/** Compute and limits of a processing job. */
export interface ProcessingResourceOptions {
  /**
   * Instance type: an `ml.*` type, or a string parameter whose default is one.
   *
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: StringInput;
  /**
   * Instances of the job.
   *
   * @default 1
   */
  readonly instanceCount?: NumberInput;
  /**
   * Storage volume of each instance, in GiB.
   *
   * @default 30
   */
  readonly volumeSizeGiB?: number;
  /**
   * The longest the job may run.
   *
   * @default Duration.hours(2)
   */
  readonly maxRuntime?: Duration;
}

/**
 * A step of a {@link TrainingPipeline}, created by one of its `add…` methods.
 */
export abstract class PipelineStep {
  /** @internal */
  public readonly _dependsOn: Array<PipelineStep | string>;

  /** @internal */
  protected constructor(
    /** @internal */
    public readonly _scope: IConstruct,
    /** The step's name, unique in the pipeline. */
    public readonly name: string,
    /** The SageMaker Pipelines step type. */
    public readonly type: string,
    private readonly options: StepOptions,
  ) {
    if (!NAME_PATTERN.test(name)) {
      throw validationError(_scope, `step name ("${name}") must be 1 to 64 letters, digits, "-" and "_" (SageMaker Pipelines step names); e.g. "Train"`);
    }
    this._dependsOn = [...options.dependsOn ?? []];
  }

  /** The values the step reads: their steps order the graph, their parameters are declared. @internal */
  public abstract _inputs(): unknown[];

  /** The step's definition JSON. @internal */
  public _render(ctx: StepContext): Record<string, unknown> {
    const dependsOn = this._dependsOn.map(d => typeof d === 'string' ? d : d.name);
    return {
      Name: this.name,
      Type: this.type,
      ...(this.options.description ? { Description: this.options.description } : {}),
      ...(dependsOn.length > 0 ? { DependsOn: dependsOn } : {}),
      ...this.renderBody(ctx),
    };
  }

  /** @internal */
  protected abstract renderBody(ctx: StepContext): Record<string, unknown>;

  /** A property of this step's run, as a value. */
  protected property(path: string, type = PipelineValueType.STRING): PipelineValue {
    return PipelineValue._of(type, { Get: `Steps.${this.name}.${path}` }, [this]);
  }
}

/** Properties of {@link TrainingPipeline.addProcessing}. */
export interface ProcessingStepProps extends StepOptions, ProcessingResourceOptions {
  /** The command of the container, e.g. `['python3', '/opt/ml/processing/input/code/prepare.py']`. */
  readonly command: string[];
  /**
   * Arguments of the command.
   *
   * @default - none
   */
  readonly arguments?: StringInput[];
  /**
   * S3 inputs by name; input `<name>` is downloaded to `/opt/ml/processing/input/<name>`. The pipeline's source
   * code (if any) is the input `code`.
   *
   * @default - none
   */
  readonly inputs?: Record<string, StringInput>;
  /**
   * Names of the outputs; the container writes output `<name>` to `/opt/ml/processing/output/<name>`, uploaded to
   * the registry bucket under the execution's prefix and encrypted with the registry key.
   *
   * @default - none
   */
  readonly outputs?: string[];
  /**
   * Environment of the container. Not for secrets.
   *
   * @default - none
   */
  readonly environment?: Record<string, StringInput>;
  /**
   * Cut the container off the network (SageMaker still moves inputs and outputs).
   *
   * @default true
   */
  readonly networkIsolation?: boolean;
}

/**
 * A SageMaker processing job in the pipeline: data preparation, feature engineering.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-processing
 */
export class ProcessingStep extends PipelineStep {
  /** The output names, in order. */
  public readonly outputNames: string[];

  /** @internal */
  constructor(scope: IConstruct, name: string, protected readonly props: ProcessingStepProps, type = 'Processing') {
    super(scope, name, type, props);
    requireProps(scope, name, props, { command: 'the container command, e.g. [\'python3\', \'prepare.py\']' });
    this.outputNames = [...props.outputs ?? []];
    const problems = [...ioNameProblems(name, 'inputs', Object.keys(props.inputs ?? {})), ...ioNameProblems(name, 'outputs', this.outputNames)];
    if (problems.length > 0) {
      throw validationError(scope, problems.join('; '));
    }
  }

  /**
   * The S3 URI where output `name` was uploaded.
   *
   * @throws MlopsStackError when the step has no such output
   */
  public output(name: string): PipelineValue {
    if (!this.outputNames.includes(name)) {
      throw validationError(this._scope, `${this.name}.output("${name}"): step "${this.name}" has no output "${name}" ` +
        `(outputs: ${this.outputNames.map(o => `"${o}"`).join(', ') || 'none'}); add it to the step's outputs`);
    }
    return this.property(`ProcessingOutputConfig.Outputs['${name}'].S3Output.S3Uri`);
  }

  /** @internal */
  public _inputs(): unknown[] {
    return [...Object.values(this.props.inputs ?? {}), ...this.props.arguments ?? [], ...Object.values(this.props.environment ?? {}),
      this.props.instanceType, this.props.instanceCount];
  }

  /** @internal */
  protected renderBody(ctx: StepContext): Record<string, unknown> {
    const inputs: Record<string, StringInput> = { ...ctx.codeUri ? { code: ctx.codeUri } : {}, ...this.props.inputs };
    return {
      Arguments: processingArguments(ctx, this.props, {
        AppSpecification: {
          ImageUri: ctx.imageUri,
          ContainerEntrypoint: this.props.command,
          ...(this.props.arguments ? { ContainerArguments: this.props.arguments.map(renderValue) } : {}),
        },
        ProcessingInputs: Object.entries(inputs).map(([input, uri]) => s3Input(input, uri, `${PROCESSING_INPUT}/${input}`)),
        ProcessingOutputConfig: {
          KmsKeyId: ctx.keyArn,
          Outputs: this.outputNames.map(o => ({
            OutputName: o,
            S3Output: { S3Uri: this.outputUri(ctx, o), LocalPath: `${PROCESSING_OUTPUT}/${o}`, S3UploadMode: 'EndOfJob' },
          })),
        },
        ...(this.props.environment ? { Environment: mapValues(this.props.environment) } : {}),
      }, this.props.networkIsolation ?? true),
    };
  }

  /** Each execution writes under its own prefix, so runs never overwrite each other's data. @internal */
  protected outputUri(ctx: StepContext, output: string): unknown {
    return renderValue(PipelineValue.join('/', [ctx.outputRoot, PipelineValue.EXECUTION_ID, this.name, output]));
  }
}

/** Properties of {@link TrainingPipeline.addEvaluation}. */
export interface EvaluationStepProps extends Omit<ProcessingStepProps, 'outputs'> {
  /** The trained model, downloaded to `/opt/ml/processing/input/model` (e.g. `train.modelArtifacts`). */
  readonly model: StringInput;
  /**
   * The metrics the report holds, by name, with their JSON path in the report, e.g.
   * `{ auc: 'metrics.auc.value' }`. Conditions read them with {@link EvaluationStep.metric}.
   */
  readonly metrics: Record<string, string>;
  /**
   * File name of the report, which the container writes to `/opt/ml/processing/output/evaluation/`.
   *
   * @default 'evaluation.json'
   */
  readonly reportFileName?: string;
}

/**
 * A processing job that evaluates the trained model and writes a metrics report (a property file), whose
 * metrics conditions test and the model package records.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-propertyfile.html
 */
export class EvaluationStep extends ProcessingStep {
  /** The metric names the report holds. */
  public readonly metricNames: string[];
  /** File name of the report. */
  public readonly reportFileName: string;
  private readonly metricPaths: Record<string, string>;

  /** @internal */
  constructor(scope: IConstruct, name: string, private readonly evaluation: EvaluationStepProps) {
    requireProps(scope, name, evaluation, {
      command: 'the container command, e.g. [\'python3\', \'evaluate.py\']',
      model: 'the model to evaluate: a training step\'s modelArtifacts',
      metrics: 'the metrics the report holds, by name and JSON path, e.g. { auc: \'metrics.auc.value\' }',
    });
    super(scope, name, { ...evaluation, inputs: { model: evaluation.model, ...evaluation.inputs }, outputs: [EVALUATION_OUTPUT] });
    this.metricPaths = { ...evaluation.metrics };
    this.metricNames = Object.keys(this.metricPaths);
    this.reportFileName = evaluation.reportFileName ?? 'evaluation.json';
    if (this.metricNames.length === 0) {
      throw validationError(scope, `${name}: metrics is empty; name at least one metric of the report with its JSON path, e.g. { auc: 'metrics.auc.value' }`);
    }
    for (const [metric, path] of Object.entries(this.metricPaths)) {
      if (!/^[A-Za-z_][\w.[\]'"-]*$/.test(path)) {
        throw validationError(scope, `${name}: metrics.${metric} ("${path}") must be a JSON path into the report such as "metrics.auc.value"`);
      }
    }
    if (!/^[\w.-]+\.json$/.test(this.reportFileName)) {
      throw validationError(scope, `${name}: reportFileName ("${this.reportFileName}") must be a file name ending in .json, e.g. "evaluation.json"`);
    }
  }

  /**
   * A metric of the report, to compare in a condition.
   *
   * @throws MlopsStackError when the report has no such metric
   */
  public metric(name: string): EvaluationMetric {
    const path = this.metricPaths[name];
    if (path === undefined) {
      throw validationError(this._scope, `${this.name}.metric("${name}"): the evaluation output of "${this.name}" has no metric "${name}" ` +
        `(metrics: ${this.metricNames.map(m => `"${m}"`).join(', ')}); add it to the step's metrics with its JSON path`);
    }
    return new EvaluationMetric(this, name, path);
  }

  /** The S3 URI of the report. */
  public get reportUri(): PipelineValue {
    return PipelineValue.join('/', [this.output(EVALUATION_OUTPUT), this.reportFileName]);
  }

  /** @internal */
  protected renderBody(ctx: StepContext): Record<string, unknown> {
    return {
      ...super.renderBody(ctx),
      PropertyFiles: [{ PropertyFileName: this.propertyFileName, OutputName: EVALUATION_OUTPUT, FilePath: this.reportFileName }],
    };
  }

  /** @internal */
  public get propertyFileName(): string {
    return `${this.name}Report`;
  }

  /** @internal */
  public get _evaluationProps(): EvaluationStepProps {
    return this.evaluation;
  }
}

/** A metric of an {@link EvaluationStep}'s report, read when the pipeline runs (`Std:JsonGet`). */
export class EvaluationMetric extends PipelineValue {
  /** @internal */
  constructor(
    /** The step whose report holds the metric. */
    public readonly step: EvaluationStep,
    /** The metric's name. */
    public readonly metricName: string,
    /** The metric's JSON path in the report. */
    public readonly path: string,
  ) {
    super(PipelineValueType.FLOAT, {
      'Std:JsonGet': { PropertyFile: { Get: `Steps.${step.name}.PropertyFiles.${step.propertyFileName}` }, Path: path },
    }, [step]);
  }
}

/** Format of the dataset a {@link DataQualityCheckStep} profiles. */
export class DatasetFormat {
  /** CSV, with or without a header row. */
  public static csv(options: { readonly header?: boolean } = {}): DatasetFormat {
    return new DatasetFormat({ csv: { header: options.header ?? true, output_columns_position: 'START' } });
  }

  /** JSON, one record per line unless `lines` is false. */
  public static json(options: { readonly lines?: boolean } = {}): DatasetFormat {
    return new DatasetFormat({ json: { lines: options.lines ?? true } });
  }

  /** Parquet. */
  public static parquet(): DatasetFormat {
    return new DatasetFormat({ parquet: {} });
  }

  private constructor(
    /** The `dataset_format` the Model Monitor analyzer reads. */
    public readonly value: Record<string, unknown>,
  ) {}
}

/** Properties of {@link TrainingPipeline.addDataQualityCheck}. */
export interface DataQualityCheckStepProps extends StepOptions, ProcessingResourceOptions {
  /** The dataset checked, e.g. `prepare.output('train')`. */
  readonly dataset: StringInput;
  /** `s3://` URI of the baseline `statistics.json` (distribution constraints compare with it). */
  readonly baselineStatisticsUri: string;
  /** `s3://` URI of the baseline `constraints.json` (schema and distribution constraints). */
  readonly baselineConstraintsUri: string;
  /**
   * Format of the dataset.
   *
   * @default DatasetFormat.csv({ header: true })
   */
  readonly datasetFormat?: DatasetFormat;
}

/**
 * A `QualityCheck` step of type `DATA_QUALITY`: SageMaker profiles the dataset with the Model Monitor analyzer and
 * compares it with the baseline's schema and distribution constraints; a violation fails the step, and so the
 * run. The baselines it used are recorded on the model package as drift-check baselines.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-quality-check
 */
export class DataQualityCheckStep extends PipelineStep {
  /** @internal */
  constructor(scope: IConstruct, name: string, private readonly props: DataQualityCheckStepProps) {
    super(scope, name, 'QualityCheck', props);
    requireProps(scope, name, props, {
      dataset: 'the data to check: a step output or the pipeline\'s input',
      baselineStatisticsUri: 'the S3 URI of the baseline statistics',
      baselineConstraintsUri: 'the S3 URI of the baseline constraints',
    });
    for (const [prop, uri] of [['baselineStatisticsUri', props.baselineStatisticsUri], ['baselineConstraintsUri', props.baselineConstraintsUri]]) {
      // A bucket defined in the app is a token until deploy time: then only the URI's shape can be checked.
      const shape = Token.isUnresolved(uri) ? /^s3:\/\/.+\/.+/ : /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/;
      if (!shape.test(uri)) {
        throw validationError(scope, `${name}: ${prop} ("${uri}") must be an s3://<bucket>/<key> URI of the baselining job's output`);
      }
    }
  }

  /** The statistics of the checked dataset, computed by the step. */
  public get calculatedStatistics(): PipelineValue {
    return this.property('CalculatedBaselineStatistics');
  }

  /** The constraints of the checked dataset, computed by the step. */
  public get calculatedConstraints(): PipelineValue {
    return this.property('CalculatedBaselineConstraints');
  }

  /** The statistics the check compared with. */
  public get baselineUsedStatistics(): PipelineValue {
    return this.property('BaselineUsedForDriftCheckStatistics');
  }

  /** The constraints the check compared with. */
  public get baselineUsedConstraints(): PipelineValue {
    return this.property('BaselineUsedForDriftCheckConstraints');
  }

  /** The baseline URIs, which the job role reads. @internal */
  public get _baselineUris(): string[] {
    return [this.props.baselineStatisticsUri, this.props.baselineConstraintsUri];
  }

  /** @internal */
  public _inputs(): unknown[] {
    return [this.props.dataset, this.props.instanceType, this.props.instanceCount];
  }

  /** @internal */
  protected renderBody(ctx: StepContext): Record<string, unknown> {
    const datasetPath = `${PROCESSING_INPUT}/${CHECK_DATASET_INPUT}`;
    return {
      CheckType: 'DATA_QUALITY',
      Arguments: processingArguments(ctx, this.props, {
        AppSpecification: { ImageUri: ctx.analyzerImageUri },
        ProcessingInputs: [s3Input(CHECK_DATASET_INPUT, this.props.dataset, datasetPath)],
        ProcessingOutputConfig: {
          KmsKeyId: ctx.keyArn,
          Outputs: [{
            OutputName: CHECK_OUTPUT,
            S3Output: {
              S3Uri: renderValue(PipelineValue.join('/', [ctx.outputRoot, PipelineValue.EXECUTION_ID, this.name])),
              LocalPath: PROCESSING_OUTPUT,
              S3UploadMode: 'EndOfJob',
            },
          }],
        },
        // The analyzer's settings, as the SageMaker Python SDK passes them to a baselining job.
        Environment: {
          dataset_format: JSON.stringify((this.props.datasetFormat ?? DatasetFormat.csv()).value),
          dataset_source: datasetPath,
          output_path: PROCESSING_OUTPUT,
          publish_cloudwatch_metrics: 'Disabled',
        },
      }, true),
      ModelPackageGroupName: ctx.modelPackageGroupName,
      SkipCheck: false,
      RegisterNewBaseline: false,
      SuppliedBaselineStatistics: this.props.baselineStatisticsUri,
      SuppliedBaselineConstraints: this.props.baselineConstraintsUri,
    };
  }
}

/** How a multi-instance training job spreads over its instances, as SageMaker's framework containers read it. */
export class TrainingDistribution {
  /** PyTorch `torchrun` on every instance (PyTorch and Hugging Face containers). */
  public static torchDistributed(): TrainingDistribution {
    return new TrainingDistribution('torch_distributed', { sagemaker_torch_distributed_enabled: 'true' });
  }

  /** PyTorch DistributedDataParallel launched by the container. */
  public static pytorchDdp(): TrainingDistribution {
    return new TrainingDistribution('pytorchddp', { sagemaker_pytorch_ddp_enabled: 'true' });
  }

  /** MPI (Horovod), with `processesPerHost` processes per instance (usually its GPU count). */
  public static mpi(processesPerHost: number): TrainingDistribution {
    return new TrainingDistribution('mpi', { sagemaker_mpi_enabled: 'true', sagemaker_mpi_num_of_processes_per_host: String(processesPerHost) });
  }

  /** TensorFlow `MultiWorkerMirroredStrategy`. */
  public static multiWorkerMirrored(): TrainingDistribution {
    return new TrainingDistribution('multi_worker_mirrored_strategy', { sagemaker_multi_worker_mirrored_strategy_enabled: 'true' });
  }

  private constructor(
    /** The distribution's name in the SageMaker Python SDK. */
    public readonly name: string,
    /** The hyperparameters that turn it on. */
    public readonly hyperParameters: Record<string, string>,
  ) {}
}

/** Properties of {@link TrainingPipeline.addTraining}. */
export interface TrainingStepProps extends StepOptions {
  /** Input channels by name, e.g. `{ train: prepare.output('train') }`; channel `<name>` is at `/opt/ml/input/data/<name>`. */
  readonly channels: Record<string, StringInput>;
  /**
   * The command of the container; the pipeline's source code (if any) is the channel `code`.
   *
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Hyperparameters, as strings.
   *
   * @default - none
   */
  readonly hyperParameters?: Record<string, StringInput>;
  /**
   * Instance type: an `ml.*` type, or a string parameter whose default is one.
   *
   * @default 'ml.g5.2xlarge'
   */
  readonly instanceType?: StringInput;
  /**
   * Instances; more than one makes a distributed job.
   *
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * How a distributed job spreads over the instances.
   *
   * @default TrainingDistribution.torchDistributed() when instanceCount > 1, else none
   */
  readonly distribution?: TrainingDistribution;
  /**
   * Storage volume of each instance, in GiB.
   *
   * @default 50
   */
  readonly volumeSizeGiB?: number;
  /**
   * The longest the job may train.
   *
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;
  /**
   * Managed spot training: spare capacity at a discount, resumed from checkpoints after an interruption.
   *
   * @default - true on GPU instance types, false otherwise
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html
   */
  readonly spot?: boolean;
  /**
   * With spot, the longest the job may wait for capacity plus train; more than `maxRuntime`.
   *
   * @default - twice maxRuntime
   */
  readonly maxWait?: Duration;
  /**
   * Cut the containers off the network (SageMaker still moves data, model and checkpoints).
   *
   * @default - true for one instance, false for a distributed job, whose instances talk to each other
   */
  readonly networkIsolation?: boolean;
}

/**
 * A SageMaker training job in the pipeline, on managed spot capacity by default on GPUs, with checkpoints in the
 * registry bucket under the model's prefix.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-training
 */
export class TrainingStep extends PipelineStep {
  /** Whether the job runs on spot capacity. */
  public readonly spot: boolean;
  /** Instances of the job. */
  public readonly instanceCount: number;
  /** The distribution of a multi-instance job. */
  public readonly distribution?: TrainingDistribution;

  /** @internal */
  constructor(scope: IConstruct, name: string, private readonly props: TrainingStepProps, gpu: boolean) {
    super(scope, name, 'Training', props);
    requireProps(scope, name, props, { channels: 'the input channels, e.g. { train: prepare.output(\'train\') }' });
    this.instanceCount = props.instanceCount ?? 1;
    this.spot = props.spot ?? gpu;
    this.distribution = props.distribution ?? (this.instanceCount > 1 ? TrainingDistribution.torchDistributed() : undefined);
    const problems = ioNameProblems(name, 'channels', Object.keys(props.channels));
    if (Object.keys(props.channels).length === 0) {
      problems.push(`${name}: channels is empty; give at least one input channel, e.g. { train: prepare.output('train') }`);
    }
    if (!Number.isInteger(this.instanceCount) || this.instanceCount < 1) {
      problems.push(`${name}: instanceCount (${this.instanceCount}) must be a whole number of at least 1`);
    }
    const runtime = this.maxRuntime.toSeconds();
    if (runtime < 1 || runtime > 28 * 24 * 3600) {
      problems.push(`${name}: maxRuntime (${this.maxRuntime.toHumanString()}) must be between 1 second and 28 days, SageMaker's limit`);
    }
    if (props.maxWait && !this.spot) {
      problems.push(`${name}: maxWait (${props.maxWait.toHumanString()}) applies to spot training only; drop it or set spot: true`);
    }
    if (this.spot && this.maxWait.toSeconds() <= runtime) {
      problems.push(`${name}: maxWait (${this.maxWait.toHumanString()}) must be greater than maxRuntime (${this.maxRuntime.toHumanString()}): ` +
        'with spot training it covers waiting for capacity plus training; raise maxWait or lower maxRuntime');
    }
    if (problems.length > 0) {
      throw validationError(scope, problems.join('; '));
    }
  }

  /** The S3 URI of the trained model archive (`ModelArtifacts.S3ModelArtifacts`). */
  public get modelArtifacts(): PipelineValue {
    return this.property('ModelArtifacts.S3ModelArtifacts');
  }

  /** @internal */
  public get _instanceType(): StringInput {
    return this.props.instanceType ?? 'ml.g5.2xlarge';
  }

  private get maxRuntime(): Duration {
    return this.props.maxRuntime ?? defaultDuration(24);
  }

  private get maxWait(): Duration {
    return this.props.maxWait ?? this.maxRuntime.plus(this.maxRuntime);
  }

  /** @internal */
  public _inputs(): unknown[] {
    return [...Object.values(this.props.channels), ...Object.values(this.props.hyperParameters ?? {}), this.props.instanceType];
  }

  /** @internal */
  protected renderBody(ctx: StepContext): Record<string, unknown> {
    const instanceType = this._instanceType;
    const channels: Record<string, StringInput> = { ...ctx.codeUri ? { code: ctx.codeUri } : {}, ...this.props.channels };
    const hyperParameters: Record<string, unknown> = { ...mapValues(this.props.hyperParameters ?? {}), ...this.distribution?.hyperParameters };
    const distributed = this.instanceCount > 1;
    return {
      Arguments: {
        AlgorithmSpecification: {
          TrainingImage: ctx.imageUri,
          TrainingInputMode: 'File',
          ...(this.props.command ? { ContainerEntrypoint: this.props.command } : {}),
        },
        RoleArn: ctx.jobRoleArn,
        ...(Object.keys(hyperParameters).length > 0 ? { HyperParameters: hyperParameters } : {}),
        InputDataConfig: Object.entries(channels).map(([channel, uri]) => ({
          ChannelName: channel,
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: renderValue(uri), S3DataDistributionType: 'FullyReplicated' } },
        })),
        OutputDataConfig: {
          S3OutputPath: renderValue(PipelineValue.join('/', [ctx.outputRoot, PipelineValue.EXECUTION_ID, this.name, 'model'])),
          KmsKeyId: ctx.keyArn,
        },
        ResourceConfig: {
          InstanceCount: this.instanceCount,
          InstanceType: renderValue(instanceType),
          VolumeSizeInGB: this.props.volumeSizeGiB ?? 50,
          ...(ctx.volumeKeyAllowed(instanceType) ? { VolumeKmsKeyId: ctx.keyArn } : {}),
        },
        StoppingCondition: {
          MaxRuntimeInSeconds: this.maxRuntime.toSeconds(),
          ...(this.spot ? { MaxWaitTimeInSeconds: this.maxWait.toSeconds() } : {}),
        },
        EnableManagedSpotTraining: this.spot,
        // Checkpoints let a spot job resume where it was interrupted; one prefix per execution and step.
        ...(this.spot ? {
          CheckpointConfig: {
            S3Uri: renderValue(PipelineValue.join('/', [ctx.outputRoot, PipelineValue.EXECUTION_ID, this.name, 'checkpoints'])),
            LocalPath: '/opt/ml/checkpoints',
          },
        } : {}),
        VpcConfig: { SecurityGroupIds: ctx.securityGroupIds, Subnets: ctx.subnetIds },
        EnableNetworkIsolation: this.props.networkIsolation ?? !distributed,
        EnableInterContainerTrafficEncryption: true,
        Tags: ctx.tags,
      },
    };
  }
}

/** A comparison of a condition step. */
export enum ComparisonOperator {
  /** `>` */
  GREATER_THAN = 'GreaterThan',
  /** `>=` */
  GREATER_THAN_OR_EQUAL_TO = 'GreaterThanOrEqualTo',
  /** `<` */
  LESS_THAN = 'LessThan',
  /** `<=` */
  LESS_THAN_OR_EQUAL_TO = 'LessThanOrEqualTo',
}

/**
 * A metric compared with a threshold (a number, or a float or integer parameter). The metric is an
 * {@link EvaluationMetric} or `"<evaluation step>.<metric>"`, looked up when the pipeline synthesizes.
 */
export interface MetricCondition {
  /** The metric. */
  readonly metric: EvaluationMetric | string;
  /** The comparison. */
  readonly comparison: ComparisonOperator;
  /** The threshold. */
  readonly threshold: NumberInput;
}

/** Properties of {@link TrainingPipeline.addCondition}. */
export interface ConditionStepProps extends StepOptions {
  /** Conditions that must all hold. */
  readonly conditions: MetricCondition[];
  /** Steps run when every condition holds (e.g. the registration). */
  readonly ifSteps: PipelineStep[];
  /**
   * Steps run otherwise.
   *
   * @default - none: the run ends
   */
  readonly elseSteps?: PipelineStep[];
}

/**
 * A condition on metric thresholds that runs its `ifSteps` or its `elseSteps`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-condition
 */
export class ConditionStep extends PipelineStep {
  /** The conditions. */
  public readonly conditions: MetricCondition[];
  /** The steps of the true branch. */
  public readonly ifSteps: PipelineStep[];
  /** The steps of the false branch. */
  public readonly elseSteps: PipelineStep[];

  /** @internal */
  constructor(scope: IConstruct, name: string, props: ConditionStepProps) {
    super(scope, name, 'Condition', props);
    requireProps(scope, name, props, { conditions: 'the conditions to test', ifSteps: 'the steps to run when they hold' });
    this.conditions = [...props.conditions];
    this.ifSteps = [...props.ifSteps];
    this.elseSteps = [...props.elseSteps ?? []];
    const problems: string[] = [];
    if (this.conditions.length === 0) {
      problems.push(`${name}: conditions is empty; give at least one metric threshold`);
    }
    this.conditions.forEach((c, i) => {
      const t: unknown = c.threshold;
      if (t instanceof PipelineParameter) {
        if (t.type === PipelineValueType.STRING) {
          problems.push(`${name}: conditions[${i}].threshold is the string parameter "${t.name}"; a threshold is a number: use PipelineParameter.float or .integer`);
        }
      } else if (t instanceof PipelineValue) {
        if (t.type === PipelineValueType.STRING) {
          problems.push(`${name}: conditions[${i}].threshold is a string value; a threshold is a number or a float or integer parameter`);
        }
      } else if (typeof t !== 'number' || !Number.isFinite(t)) {
        problems.push(`${name}: conditions[${i}].threshold (${JSON.stringify(t) ?? String(t)}) is not a number; give a finite number such as 0.9 or a PipelineParameter.float`);
      }
      if (!Object.values(ComparisonOperator).includes(c.comparison)) {
        problems.push(`${name}: conditions[${i}].comparison ("${c.comparison}") must be one of ${Object.values(ComparisonOperator).join(', ')}`);
      }
    });
    if (this.ifSteps.length === 0 && this.elseSteps.length === 0) {
      problems.push(`${name}: ifSteps and elseSteps are empty; a condition must run something`);
    }
    if (problems.length > 0) {
      throw validationError(scope, problems.join('; '));
    }
  }

  /** @internal */
  public _inputs(): unknown[] {
    return this.conditions.flatMap(c => [typeof c.metric === 'string' ? undefined : c.metric, c.threshold]);
  }

  /** @internal */
  protected renderBody(ctx: StepContext): Record<string, unknown> {
    return {
      Arguments: {
        Conditions: this.conditions.map(c => ({
          Type: c.comparison,
          LeftValue: renderValue(c.metric as EvaluationMetric),
          RightValue: renderValue(c.threshold),
        })),
        IfSteps: this.ifSteps.map(s => ctx.render(s)),
        ElseSteps: this.elseSteps.map(s => ctx.render(s)),
      },
    };
  }
}

/** Properties of {@link TrainingPipeline.addFail}. */
export interface FailStepProps extends StepOptions {
  /** Why the run failed. */
  readonly errorMessage: StringInput;
}

/** Ends the run as failed, with a message. */
export class FailStep extends PipelineStep {
  /** @internal */
  constructor(scope: IConstruct, name: string, private readonly props: FailStepProps) {
    super(scope, name, 'Fail', props);
    requireProps(scope, name, props, { errorMessage: 'why the execution failed' });
  }

  /** @internal */
  public _inputs(): unknown[] {
    return [this.props.errorMessage];
  }

  /** @internal */
  protected renderBody(): Record<string, unknown> {
    return { Arguments: { ErrorMessage: renderValue(this.props.errorMessage) } };
  }
}

/** Properties of {@link TrainingPipeline.addRegistration}. */
export interface RegisterModelStepProps extends StepOptions {
  /** The trained model archive, e.g. `train.modelArtifacts`. */
  readonly modelArtifacts: StringInput;
  /** The evaluation whose report is attached as the model-quality metrics. */
  readonly evaluation: EvaluationStep;
  /**
   * The data-quality check whose statistics and baselines are attached.
   *
   * @default - none
   */
  readonly qualityCheck?: DataQualityCheckStep;
  /**
   * Content types of requests the model accepts.
   *
   * @default ['application/json']
   */
  readonly contentTypes?: string[];
  /**
   * Content types of its responses.
   *
   * @default ['application/json']
   */
  readonly responseTypes?: string[];
  /**
   * Description of the model package.
   *
   * @default - none
   */
  readonly modelPackageDescription?: string;
}

/**
 * Registers the trained model as a new version of the model's package group, `PendingManualApproval`, with the
 * evaluation metrics and lineage: the data URI, the image (by digest), the source code URI and the execution.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-register-model
 */
export class RegisterModelStep extends PipelineStep {
  /** @internal */
  constructor(scope: IConstruct, name: string, private readonly props: RegisterModelStepProps) {
    super(scope, name, 'RegisterModel', props);
    requireProps(scope, name, props, {
      modelArtifacts: 'a training step\'s modelArtifacts',
      evaluation: 'the addEvaluation step whose report the model package records, so the version can be approved on it',
    });
  }

  /** The ARN of the new model package version. */
  public get modelPackageArn(): PipelineValue {
    return this.property('ModelPackageArn');
  }

  /** @internal */
  public _inputs(): unknown[] {
    const check = this.props.qualityCheck;
    return [this.props.modelArtifacts, this.props.evaluation.reportUri, ...check ? [check.calculatedStatistics] : []];
  }

  /** @internal */
  protected renderBody(ctx: StepContext): Record<string, unknown> {
    const check = this.props.qualityCheck;
    const json = 'application/json';
    const lineage: Record<string, unknown> = {
      'training-data': renderValue(ctx.dataUri),
      'image': ctx.imageUri,
      ...(ctx.codeUri ? { 'source-code': ctx.codeUri } : {}),
      'pipeline-execution': renderValue(PipelineValue.EXECUTION_ARN),
    };
    return {
      Arguments: {
        ModelPackageGroupName: ctx.modelPackageGroupName,
        ...(this.props.modelPackageDescription ? { ModelPackageDescription: this.props.modelPackageDescription } : {}),
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{ Image: ctx.imageUri, ModelDataUrl: renderValue(this.props.modelArtifacts) }],
          SupportedContentTypes: this.props.contentTypes ?? [json],
          SupportedResponseMIMETypes: this.props.responseTypes ?? [json],
        },
        ModelMetrics: {
          ModelQuality: { Statistics: { ContentType: json, S3Uri: renderValue(this.props.evaluation.reportUri) } },
          ...(check ? {
            ModelDataQuality: {
              Statistics: { ContentType: json, S3Uri: renderValue(check.calculatedStatistics) },
              Constraints: { ContentType: json, S3Uri: renderValue(check.calculatedConstraints) },
            },
          } : {}),
        },
        ...(check ? {
          DriftCheckBaselines: {
            ModelDataQuality: {
              Statistics: { ContentType: json, S3Uri: renderValue(check.baselineUsedStatistics) },
              Constraints: { ContentType: json, S3Uri: renderValue(check.baselineUsedConstraints) },
            },
          },
        } : {}),
        MetadataProperties: { GeneratedBy: renderValue(PipelineValue.EXECUTION_ARN) },
        CustomerMetadataProperties: lineage,
        Tags: ctx.tags,
      },
    };
  }
}

function processingArguments(
  ctx: StepContext, resources: ProcessingResourceOptions, body: Record<string, unknown>, isolated: boolean,
): Record<string, unknown> {
  const instanceType = resources.instanceType ?? 'ml.m5.xlarge';
  return {
    ProcessingResources: {
      ClusterConfig: {
        InstanceCount: renderValue(resources.instanceCount ?? 1),
        InstanceType: renderValue(instanceType),
        VolumeSizeInGB: resources.volumeSizeGiB ?? 30,
        ...(ctx.volumeKeyAllowed(instanceType) ? { VolumeKmsKeyId: ctx.keyArn } : {}),
      },
    },
    RoleArn: ctx.jobRoleArn,
    ...body,
    NetworkConfig: {
      EnableNetworkIsolation: isolated,
      EnableInterContainerTrafficEncryption: true,
      VpcConfig: { SecurityGroupIds: ctx.securityGroupIds, Subnets: ctx.subnetIds },
    },
    StoppingCondition: { MaxRuntimeInSeconds: (resources.maxRuntime ?? defaultDuration(2)).toSeconds() },
    Tags: ctx.tags,
  };
}

function s3Input(name: string, uri: StringInput, localPath: string): Record<string, unknown> {
  return {
    InputName: name,
    S3Input: {
      S3Uri: renderValue(uri),
      LocalPath: localPath,
      S3DataType: 'S3Prefix',
      S3InputMode: 'File',
      S3DataDistributionType: 'FullyReplicated',
    },
  };
}

function mapValues(values: Record<string, StringInput>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, renderValue(v)]));
}

function ioNameProblems(step: string, what: string, names: string[]): string[] {
  const bad = names.filter(n => !/^[A-Za-z0-9_-]{1,64}$/.test(n));
  return bad.length > 0 ? [`${step}: ${what} names (${bad.map(n => `"${n}"`).join(', ')}) must be 1 to 64 letters, digits, "-" and "_"`] : [];
}

function defaultDuration(hours: number): Duration {
  return Duration.hours(hours);
}
