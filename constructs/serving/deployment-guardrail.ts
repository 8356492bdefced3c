import type { Duration } from 'aws-cdk-lib';
import type { CfnEndpoint } from 'aws-cdk-lib/aws-sagemaker';

/**
 * A share of a variant's fleet: a number of instances or a percentage of them.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CapacitySize.html
 */
export class CapacitySize {
  /** A percentage (1 to 100) of each variant's instance count. */
  public static percent(value: number): CapacitySize {
    return new CapacitySize('CAPACITY_PERCENT', value);
  }

  /** A number of instances of each variant. */
  public static instances(count: number): CapacitySize {
    return new CapacitySize('INSTANCE_COUNT', count);
  }

  private constructor(
    /** `CAPACITY_PERCENT` or `INSTANCE_COUNT`, as SageMaker spells it. */
    public readonly type: 'CAPACITY_PERCENT' | 'INSTANCE_COUNT',
    /** The percentage or the instance count. */
    public readonly value: number,
  ) {}

  /** The share of a fleet of `fleetSize` instances, in percent. */
  public percentOf(fleetSize: number): number {
    return this.type === 'CAPACITY_PERCENT' ? this.value : (this.value / fleetSize) * 100;
  }

  /** How SageMaker and this library print it: `10%` or `2 instance(s)`. */
  public toString(): string {
    return this.type === 'CAPACITY_PERCENT' ? `${this.value}%` : `${this.value} instance(s)`;
  }

  /** @internal */
  public _render(): CfnEndpoint.CapacitySizeProperty {
    return { type: this.type, value: this.value };
  }
}

/** Options shared by the blue/green guardrails. */
export interface BlueGreenOptions {
  /**
   * How long the old (blue) fleet stays up after all traffic moved, so a rollback is instant.
   *
   * @default Duration.seconds(0)
   */
  readonly terminationWait?: Duration;

  /**
   * The longest the whole deployment may take before SageMaker rolls it back. Must exceed the bake times.
   *
   * @default - SageMaker's limit
   */
  readonly maximumExecutionTimeout?: Duration;
}

/** A canary deployment: a small share first, then the rest. */
export interface CanaryOptions extends BlueGreenOptions {
  /** The canary's size; at most 50 % of each variant's fleet. */
  readonly size: CapacitySize;
  /** How long SageMaker watches the rollback alarms on the canary before shifting the rest. */
  readonly bakeTime: Duration;
}

/** A linear deployment: equal steps with a bake time between them. */
export interface LinearOptions extends BlueGreenOptions {
  /** Each step's size; 10 % to 50 % of each variant's fleet. */
  readonly step: CapacitySize;
  /** How long SageMaker watches the rollback alarms after each step. */
  readonly interval: Duration;
}

/** A rolling deployment: batches of instances replaced in place, no second fleet. */
export interface RollingOptions {
  /** Each batch's size; 5 % to 50 % of each variant's fleet. */
  readonly batchSize: CapacitySize;
  /** How long SageMaker watches the rollback alarms after each batch. */
  readonly wait: Duration;
  /**
   * Batch size when rolling back.
   *
   * @default - the whole old fleet at once
   */
  readonly rollbackBatchSize?: CapacitySize;
  /**
   * The longest the whole deployment may take before SageMaker rolls it back.
   *
   * @default - SageMaker's limit
   */
  readonly maximumExecutionTimeout?: Duration;
}

/** The kind of a {@link DeploymentGuardrail}. */
export enum DeploymentGuardrailKind {
  /** Blue/green, all traffic at once after the new fleet is healthy. */
  ALL_AT_ONCE = 'ALL_AT_ONCE',
  /** Blue/green, a canary first. */
  CANARY = 'CANARY',
  /** Blue/green, in equal steps. */
  LINEAR = 'LINEAR',
  /** Rolling batches. */
  ROLLING = 'ROLLING',
}

/**
 * How an endpoint update moves traffic to the new configuration, with SageMaker rolling back automatically when
 * a rollback alarm fires. A new endpoint config (new model image, new instance type) is deployed this way; the
 * first creation is not.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
 */
export class DeploymentGuardrail {
  /** Blue/green: a full new fleet, then all traffic at once. */
  public static allAtOnce(options: BlueGreenOptions = {}): DeploymentGuardrail {
    return new DeploymentGuardrail(DeploymentGuardrailKind.ALL_AT_ONCE, options);
  }

  /**
   * Blue/green with a canary: `size` of the traffic moves first, the alarms are watched for `bakeTime`, then
   * the rest moves. Needs a fleet of at least 2 instances per variant.
   */
  public static canary(options: CanaryOptions): DeploymentGuardrail {
    return new DeploymentGuardrail(DeploymentGuardrailKind.CANARY, options);
  }

  /** Blue/green in steps of `step`, the alarms watched for `interval` after each. */
  public static linear(options: LinearOptions): DeploymentGuardrail {
    return new DeploymentGuardrail(DeploymentGuardrailKind.LINEAR, options);
  }

  /**
   * Rolling update: batches of `batchSize` instances are replaced in place, which needs no second fleet
   * (for large or scarce GPU fleets).
   */
  public static rolling(options: RollingOptions): DeploymentGuardrail {
    return new DeploymentGuardrail(DeploymentGuardrailKind.ROLLING, options);
  }

  private constructor(
    /** The kind of deployment. */
    public readonly kind: DeploymentGuardrailKind,
    private readonly options: BlueGreenOptions | CanaryOptions | LinearOptions | RollingOptions,
  ) {}

  /**
   * What is wrong with this guardrail on variants whose smallest fleet has `fleetSize` instances.
   *
   * @internal
   */
  public _problems(fleetSize: number): string[] {
    const problems: string[] = [];
    const share = (prop: string, size: CapacitySize, min: number, max: number, why: string) => {
      if (!Number.isInteger(size.value) || size.value < 1) {
        problems.push(`${prop} (${size}) must be a positive whole number`);
        return;
      }
      const pct = size.percentOf(fleetSize);
      if (pct < min || pct > max) {
        problems.push(`${prop} (${size}) is ${Math.round(pct)}% of the smallest variant's fleet of ${fleetSize} instance(s); ` +
          `SageMaker allows ${min}% to ${max}% ${why}: use a smaller size or a larger fleet`);
      }
    };
    switch (this.kind) {
      case DeploymentGuardrailKind.CANARY: {
        const o = this.options as CanaryOptions;
        if (fleetSize < 2) {
          problems.push(`guardrail canary needs at least 2 instances per variant (the smallest fleet has ${fleetSize}): the canary ` +
            'must be at most half the fleet; raise initialInstanceCount (or autoScaling.minCapacity) or use DeploymentGuardrail.allAtOnce()');
        } else {
          share('guardrail canary size', o.size, 0, 50, 'so that the canary stays a minority of the traffic');
        }
        break;
      }
      case DeploymentGuardrailKind.LINEAR: {
        const o = this.options as LinearOptions;
        share('guardrail linear step', o.step, 10, 50, 'per step');
        break;
      }
      case DeploymentGuardrailKind.ROLLING: {
        const o = this.options as RollingOptions;
        share('guardrail rolling batchSize', o.batchSize, 5, 50, 'per batch');
        if (o.rollbackBatchSize && (!Number.isInteger(o.rollbackBatchSize.value) || o.rollbackBatchSize.value < 1)) {
          problems.push(`guardrail rolling rollbackBatchSize (${o.rollbackBatchSize}) must be a positive whole number`);
        }
        break;
      }
      default:
        break;
    }
    return problems;
  }

  /** @internal */
  public _render(alarmNames: string[]): CfnEndpoint.DeploymentConfigProperty {
    const autoRollbackConfiguration = alarmNames.length > 0 ? { alarms: alarmNames.map(alarmName => ({ alarmName })) } : undefined;
    if (this.kind === DeploymentGuardrailKind.ROLLING) {
      const o = this.options as RollingOptions;
      return {
        autoRollbackConfiguration,
        rollingUpdatePolicy: {
          maximumBatchSize: o.batchSize._render(),
          waitIntervalInSeconds: o.wait.toSeconds(),
          rollbackMaximumBatchSize: o.rollbackBatchSize?._render(),
          maximumExecutionTimeoutInSeconds: o.maximumExecutionTimeout?.toSeconds(),
        },
      };
    }
    const o = this.options as BlueGreenOptions;
    let trafficRoutingConfiguration: CfnEndpoint.TrafficRoutingConfigProperty;
    if (this.kind === DeploymentGuardrailKind.CANARY) {
      const c = this.options as CanaryOptions;
      trafficRoutingConfiguration = { type: 'CANARY', canarySize: c.size._render(), waitIntervalInSeconds: c.bakeTime.toSeconds() };
    } else if (this.kind === DeploymentGuardrailKind.LINEAR) {
      const l = this.options as LinearOptions;
      trafficRoutingConfiguration = { type: 'LINEAR', linearStepSize: l.step._render(), waitIntervalInSeconds: l.interval.toSeconds() };
    } else {
      trafficRoutingConfiguration = { type: 'ALL_AT_ONCE' };
    }
    return {
      autoRollbackConfiguration,
      blueGreenUpdatePolicy: {
        trafficRoutingConfiguration,
        terminationWaitInSeconds: o.terminationWait?.toSeconds() ?? 0,
        maximumExecutionTimeoutInSeconds: o.maximumExecutionTimeout?.toSeconds(),
      },
    };
  }
}
