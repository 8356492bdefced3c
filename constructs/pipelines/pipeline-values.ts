/**
 * The type of a {@link PipelineValue}, as SageMaker Pipelines types parameters.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-parameters.html
 */
export enum PipelineValueType {
  /** A string. */
  STRING = 'String',
  /** A floating-point number. */
  FLOAT = 'Float',
  /** A whole number. */
  INTEGER = 'Integer',
}

/** A step a value refers to: only its name matters to the definition, its identity to the graph check. */
export interface StepReference {
  /** The step's name. */
  readonly name: string;
}

/**
 * A value known when the pipeline runs: a parameter, a property of a step's output, an execution variable or a
 * join of those. Step outputs are reached through typed accessors (`prepare.output('train')`,
 * `train.modelArtifacts`, `evaluate.metric('auc')`), never through hand-written `Steps.…` paths; a value that
 * refers to a step also orders that step first.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-propertyfile.html
 */
export class PipelineValue {
  /** The ARN of the running execution (`Execution.PipelineExecutionArn`). */
  public static readonly EXECUTION_ARN = new PipelineValue(PipelineValueType.STRING, { Get: 'Execution.PipelineExecutionArn' });
  /** The ID of the running execution (`Execution.PipelineExecutionId`), unique per run. */
  public static readonly EXECUTION_ID = new PipelineValue(PipelineValueType.STRING, { Get: 'Execution.PipelineExecutionId' });
  /** The pipeline's name (`Execution.PipelineName`). */
  public static readonly PIPELINE_NAME = new PipelineValue(PipelineValueType.STRING, { Get: 'Execution.PipelineName' });

  /**
   * Strings and values joined with `separator` when the pipeline runs (`Std:Join`).
   */
  public static join(separator: string, values: Array<string | PipelineValue>): PipelineValue {
    const steps = values.flatMap(v => v instanceof PipelineValue ? v._steps : []);
    const parameters = values.flatMap(v => v instanceof PipelineValue ? v._parameters : []);
    return new PipelineValue(PipelineValueType.STRING, {
      'Std:Join': { On: separator, Values: values.map(renderValue) },
    }, steps, parameters);
  }

  /** @internal */
  public static _of(type: PipelineValueType, expression: unknown, steps: readonly StepReference[] = []): PipelineValue {
    return new PipelineValue(type, expression, steps);
  }

  /**
   * @param type what the value holds
   * @param _expression the definition JSON of the value
   * @param _steps steps the value is read from
   * @param parameters parameters the value reads
   * @internal
   */
  protected constructor(
    /** What the value holds. */
    public readonly type: PipelineValueType,
    /** @internal */
    public readonly _expression: unknown,
    /** @internal */
    public readonly _steps: readonly StepReference[] = [],
    private readonly parameters: readonly PipelineParameter[] = [],
  ) {}

  /** The parameters the value reads. @internal */
  public get _parameters(): readonly PipelineParameter[] {
    return this.parameters;
  }
}

/**
 * An input of the pipeline with a default, which an execution (or a trigger) can override: the data URI, an
 * instance type, a threshold. Parameters used anywhere in the steps are declared in the definition
 * automatically.
 *
 * @example
 * const minAuc = PipelineParameter.float('MinAuc', 0.9);
 * const trainingType = PipelineParameter.string('TrainingInstanceType', 'ml.g5.2xlarge');
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-parameters.html
 */
export class PipelineParameter extends PipelineValue {
  /** A string parameter. */
  public static string(name: string, defaultValue: string, description?: string): PipelineParameter {
    return new PipelineParameter(PipelineValueType.STRING, name, defaultValue, description);
  }

  /** A floating-point parameter, for thresholds. */
  public static float(name: string, defaultValue: number, description?: string): PipelineParameter {
    return new PipelineParameter(PipelineValueType.FLOAT, name, defaultValue, description);
  }

  /** A whole-number parameter, for instance counts. */
  public static integer(name: string, defaultValue: number, description?: string): PipelineParameter {
    return new PipelineParameter(PipelineValueType.INTEGER, name, defaultValue, description);
  }

  private constructor(
    type: PipelineValueType,
    /** The parameter's name: 1 to 64 letters, digits, `-` and `_`. */
    public readonly name: string,
    /** The value an execution uses unless it overrides it. */
    public readonly defaultValue: string | number,
    /** What the parameter is for. */
    public readonly description?: string,
  ) {
    super(type, { Get: `Parameters.${name}` });
  }

  /** @internal */
  public get _parameters(): readonly PipelineParameter[] {
    return [this];
  }

  /** @internal */
  public _render(): Record<string, unknown> {
    return { Name: this.name, Type: this.type, DefaultValue: this.defaultValue, ...(this.description ? { Description: this.description } : {}) };
  }
}

/** A string given as is, or a value known when the pipeline runs. */
export type StringInput = string | PipelineValue;

/** A number given as is, or a value known when the pipeline runs. */
export type NumberInput = number | PipelineValue;

/** The definition JSON of an input. */
export function renderValue(value: string | number | boolean | PipelineValue): unknown {
  return value instanceof PipelineValue ? value._expression : value;
}

/** The steps and parameters an input reads. */
export function referencesOf(values: ReadonlyArray<unknown>): { steps: StepReference[]; parameters: PipelineParameter[] } {
  const steps: StepReference[] = [];
  const parameters: PipelineParameter[] = [];
  for (const v of values) {
    if (v instanceof PipelineValue) {
      steps.push(...v._steps);
      parameters.push(...v._parameters);
    }
  }
  return { steps, parameters };
}
