import { Annotations, Arn, ArnFormat, Duration, Lazy, Names, Resource, type Size, SizeRoundingBehavior, Stack, Token, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, type IConstruct } from 'constructs';
import { DataQualityMonitor, type DataQualityMonitorOptions } from './data-quality-monitor';
import { DeploymentGuardrail, DeploymentGuardrailKind } from './deployment-guardrail';
import { ModelSource, ModelSourceKind, type ServableModel } from './model-source';
import { ServingInstanceType } from './serving-instance-type';
import { CostAttribution } from '../cost/cost-attribution';
import { throwIfProblems, validationError } from '../private/errors';
import { isResolved } from '../private/tokens';
import type { IModelRegistry } from '../registry/model-registry';
import { endpointDashboard } from './private/dashboard';
import { INSTANCE_FAMILIES } from './private/instance-families';
import { acknowledgeWildcard } from '../private/nag';
import { vpcAccessStatements } from './private/vpc-access';

/**
 * Target tracking autoscaling of a variant's instance count.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling.html
 */
export interface VariantAutoScalingOptions {
  /** The fewest instances; at least 1. */
  readonly minCapacity: number;
  /** The most instances; at least `minCapacity`. */
  readonly maxCapacity: number;
  /**
   * Target of invocations per instance per minute (`SageMakerVariantInvocationsPerInstance`). Find it by
   * load testing one instance: the sustainable rate times a safety factor of about 0.5.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-loadtest.html
   */
  readonly invocationsPerInstance: number;
  /**
   * A second target on the average `GPUUtilization` of the variant's instances. SageMaker sums it over an
   * instance's GPUs (0 to 100 times the GPU count). GPU instance types only.
   *
   * @default - no GPU target
   */
  readonly gpuUtilizationPercent?: number;
  /**
   * Time after a scale-in before another scale-in; long, so that a short lull does not drop capacity.
   *
   * @default Duration.minutes(5)
   */
  readonly scaleInCooldown?: Duration;
  /**
   * Time after a scale-out before another scale-out.
   *
   * @default Duration.minutes(1)
   */
  readonly scaleOutCooldown?: Duration;
}

/**
 * Serverless compute for a small CPU model. Serverless endpoints run no GPUs, join no VPC, capture no data and
 * hold a single variant; the construct rejects those combinations.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html
 */
export interface ServerlessOptions {
  /** Memory of the endpoint: 1 to 6 GiB in whole GiB. */
  readonly memorySize: Size;
  /** Concurrent invocations the endpoint processes: 1 to 200. */
  readonly maxConcurrency: number;
  /**
   * Pre-initialized concurrency (billed while idle) to avoid cold starts; at most `maxConcurrency`.
   *
   * @default - none: cold starts after idle periods
   */
  readonly provisionedConcurrency?: number;
}

/**
 * One variant of an endpoint: a model on its compute, with its share of the traffic.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
 */
export interface VariantOptions {
  /** The variant's name: 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit. */
  readonly variantName: string;
  /**
   * What the variant serves, for A/B tests of two versions.
   *
   * @default - the endpoint's `source`
   */
  readonly source?: ModelSource;
  /**
   * The instance type. Not with `serverless`.
   *
   * @default ServingInstanceType.ML_M5_LARGE for instance-based variants
   */
  readonly instanceType?: ServingInstanceType;
  /**
   * Instances at creation. Not with `serverless`.
   *
   * @default - `autoScaling.minCapacity`, or 1
   */
  readonly initialInstanceCount?: number;
  /**
   * The variant's relative share of the traffic (for a shadow variant: of the copied traffic). Weights are
   * ratios: 1 and 3 send a quarter of the traffic to the first variant.
   *
   * @default 1
   */
  readonly weight?: number;
  /**
   * Autoscaling of the instance count. Scaled counts survive later configuration updates.
   *
   * @default - a fixed instance count
   */
  readonly autoScaling?: VariantAutoScalingOptions;
  /**
   * Serverless compute instead of instances.
   *
   * @default - instance-based
   */
  readonly serverless?: ServerlessOptions;
}

/**
 * Capture of requests and responses to the registry bucket, under `data-capture/<endpoint name>/`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture.html
 */
export interface DataCaptureOptions {
  /**
   * Share of the requests captured, 0 to 100 (whole percent).
   *
   * @default 100
   */
  readonly samplingPercentage?: number;
  /**
   * Capture requests.
   *
   * @default true
   */
  readonly captureInput?: boolean;
  /**
   * Capture responses.
   *
   * @default true
   */
  readonly captureOutput?: boolean;
  /**
   * Content types captured as JSON (the request's `Content-Type` header).
   *
   * @default - SageMaker's defaults
   */
  readonly jsonContentTypes?: string[];
  /**
   * Content types captured as CSV.
   *
   * @default - SageMaker's defaults
   */
  readonly csvContentTypes?: string[];
  /**
   * Key that encrypts the captured objects.
   *
   * @default - the registry's key
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Alarms the endpoint creates on each production variant; SageMaker rolls a deployment back when one fires.
 */
export interface EndpointAlarmOptions {
  /**
   * Highest share of invocations ending in a 5XX error, in percent per minute.
   *
   * @default 1
   */
  readonly maxServerErrorRatePercent?: number;
  /**
   * Highest p99 model latency per minute.
   *
   * @default Duration.seconds(1)
   */
  readonly maxModelLatencyP99?: Duration;
  /**
   * Minutes a threshold must be breached, of the last `evaluationPeriods`, for an alarm to fire.
   *
   * @default 2
   */
  readonly datapointsToAlarm?: number;
  /**
   * Minutes evaluated.
   *
   * @default 3
   */
  readonly evaluationPeriods?: number;
}

/** Properties of a {@link ModelEndpoint}. */
export interface ModelEndpointProps {
  /** The registry that holds the model's artifacts and images; captured data goes to its bucket. */
  readonly registry: IModelRegistry;
  /** The registry model served (`registry.model('fraud-scoring')`). */
  readonly model: ServableModel;
  /** What the variants serve unless a variant names its own source. */
  readonly source: ModelSource;
  /**
   * The production variants.
   *
   * @default - one variant "primary" on one ml.m5.large
   */
  readonly variants?: VariantOptions[];
  /**
   * A shadow variant that receives a copy of the production traffic (its `weight` relative to the production
   * variant's sets the copied share) and whose responses are discarded. Needs exactly one production variant.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests.html
   */
  readonly shadowVariant?: VariantOptions;
  /**
   * Name of the endpoint: 1 to 63 letters, digits and hyphens.
   *
   * @default - derived from the construct path
   */
  readonly endpointName?: string;
  /**
   * The VPC the model containers attach to. Not with serverless variants.
   *
   * @default - no VPC (a warning for instance-based endpoints)
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc`.
   *
   * @default - the VPC's private subnets with egress, which SageMaker needs to download the artifacts
   *   (or an S3 gateway endpoint)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the model containers.
   *
   * @default - a new group with no inbound rule and outbound HTTPS only
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Isolate the containers from the network: no outbound call, even in the VPC. SageMaker still downloads the
   * artifacts. Serverless endpoints do not support it.
   *
   * @default - true for instance-based endpoints, false for serverless
   */
  readonly networkIsolation?: boolean;
  /**
   * Key that encrypts the instances' EBS storage volume. Not allowed when a variant's instance type has NVMe
   * instance storage only (SageMaker rejects the key; those volumes are encrypted in hardware) nor with
   * serverless.
   *
   * @default - the registry's key where every variant has EBS storage, else none
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * Data capture.
   *
   * @default - no capture
   */
  readonly dataCapture?: DataCaptureOptions;
  /**
   * How updates reach the fleet. Not with serverless.
   *
   * @default DeploymentGuardrail.allAtOnce() for instance-based endpoints
   */
  readonly guardrail?: DeploymentGuardrail;
  /**
   * Thresholds of the alarms created on each production variant (used for rollback and on the dashboard).
   *
   * @default - see {@link EndpointAlarmOptions}
   */
  readonly alarms?: EndpointAlarmOptions;
  /**
   * More alarms that roll a deployment back (add more with {@link ModelEndpoint.addRollbackAlarm}).
   *
   * @default - only the alarms this construct creates
   */
  readonly rollbackAlarms?: cloudwatch.IAlarm[];
  /**
   * Create a CloudWatch dashboard of the endpoint.
   *
   * @default true
   */
  readonly dashboard?: boolean;
}

/** Options of the endpoint's metrics. */
export interface EndpointMetricOptions extends cloudwatch.MetricOptions {
  /**
   * The variant.
   *
   * @default - the endpoint's first production variant
   */
  readonly variantName?: string;
}

/** An endpoint, created here or imported, to grant on and monitor. */
export interface IModelEndpoint extends IConstruct {
  /** The endpoint's name. */
  readonly endpointName: string;
  /** The endpoint's ARN. */
  readonly endpointArn: string;
  /** Let `grantee` invoke the endpoint (also with response streaming). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** A metric of the endpoint in `AWS/SageMaker` or `/aws/sagemaker/Endpoints`. */
  metric(metricName: string, namespace: string, options?: EndpointMetricOptions): cloudwatch.Metric;
  /** Invocations (sum). */
  metricInvocations(options?: EndpointMetricOptions): cloudwatch.Metric;
  /** Invocations ending in a 4XX error (sum). */
  metricInvocation4xxErrors(options?: EndpointMetricOptions): cloudwatch.Metric;
  /** Invocations ending in a 5XX error (sum). */
  metricInvocation5xxErrors(options?: EndpointMetricOptions): cloudwatch.Metric;
  /** Model latency in microseconds (p99 unless `statistic` says otherwise). */
  metricModelLatency(options?: EndpointMetricOptions): cloudwatch.Metric;
  /** CPU utilization of the instances (average; 100 per vCPU). */
  metricCpuUtilization(options?: EndpointMetricOptions): cloudwatch.Metric;
  /** GPU utilization of the instances (average; 100 per GPU). */
  metricGpuUtilization(options?: EndpointMetricOptions): cloudwatch.Metric;
  /** Memory utilization of the instances (average percent). */
  metricMemoryUtilization(options?: EndpointMetricOptions): cloudwatch.Metric;
}

/** An endpoint defined elsewhere, for {@link ModelEndpoint.fromEndpointAttributes}. */
export interface ModelEndpointAttributes {
  /** The endpoint's name. */
  readonly endpointName: string;
  /**
   * The variant metrics default to.
   *
   * @default 'AllTraffic'
   */
  readonly defaultVariantName?: string;
}

const INVOCATION_NAMESPACE = 'AWS/SageMaker';
const INSTANCE_NAMESPACE = '/aws/sagemaker/Endpoints';
const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const MAX_ROLLBACK_ALARMS = 10;

/** Grants and metrics shared by {@link ModelEndpoint} and imported endpoints. */
export abstract class ModelEndpointBase extends Resource implements IModelEndpoint {
  public abstract readonly endpointName: string;
  public abstract readonly endpointArn: string;
  protected abstract readonly defaultVariantName: string;

  /**
   * Let `grantee` invoke this endpoint: `InvokeEndpoint` and `InvokeEndpointWithResponseStream` on its ARN only.
   *
   * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      resourceArns: [this.endpointArn],
    });
  }

  /**
   * A metric of one variant of the endpoint.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
   */
  public metric(metricName: string, namespace: string, options: EndpointMetricOptions = {}): cloudwatch.Metric {
    const { variantName, ...rest } = options;
    return new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: variantName ?? this.defaultVariantName },
      period: Duration.minutes(1),
      ...rest,
    });
  }

  public metricInvocations(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', INVOCATION_NAMESPACE, { statistic: 'Sum', ...options });
  }

  public metricInvocation4xxErrors(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', INVOCATION_NAMESPACE, { statistic: 'Sum', ...options });
  }

  public metricInvocation5xxErrors(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', INVOCATION_NAMESPACE, { statistic: 'Sum', ...options });
  }

  /** Invocations per instance (sum), the metric autoscaling tracks. */
  public metricInvocationsPerInstance(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('InvocationsPerInstance', INVOCATION_NAMESPACE, { statistic: 'Sum', ...options });
  }

  public metricModelLatency(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', INVOCATION_NAMESPACE, { statistic: 'p99', ...options });
  }

  public metricCpuUtilization(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('CPUUtilization', INSTANCE_NAMESPACE, { statistic: 'Average', ...options });
  }

  public metricGpuUtilization(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('GPUUtilization', INSTANCE_NAMESPACE, { statistic: 'Average', ...options });
  }

  public metricMemoryUtilization(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('MemoryUtilization', INSTANCE_NAMESPACE, { statistic: 'Average', ...options });
  }
}

/** A variant once checked, with what the construct derived from it. */
interface ResolvedVariant {
  readonly options: VariantOptions;
  readonly prop: string;
  readonly shadow: boolean;
  readonly instanceType?: ServingInstanceType;
  readonly instanceCount?: number;
  readonly model: sagemaker.CfnModel;
}

/**
 * A SageMaker real-time endpoint serving a model of the {@link ModelRegistry}, safe by default.
 *
 * - `AWS::SageMaker::Model` per distinct source, with its own execution role that can read only this model's
 *   artifacts, pull only its repository and write only this endpoint's logs (no managed `*FullAccess` policy),
 *   in private subnets with network isolation.
 * - `AWS::SageMaker::EndpointConfig` with weighted production variants, an optional shadow variant, the storage
 *   volume encrypted where the instance type has EBS, and optional data capture to the registry bucket.
 * - `AWS::SageMaker::Endpoint` with a deployment guardrail (blue/green all at once, canary or linear, or
 *   rolling) that rolls back on its 5XX-rate and p99-latency alarms plus any you add, and keeps autoscaled
 *   instance counts across configuration updates.
 * - Target tracking autoscaling through the Application Auto Scaling service-linked role, a dashboard, and an
 *   optional Model Monitor data-quality schedule ({@link ModelEndpoint.monitorDataQuality}).
 * - Tagged with the `model` tag and billed to the team that owns the model (the team tag in effect at the
 *   model's repository when the endpoint is created).
 *
 * @example
 * const endpoint = new ModelEndpoint(stack, 'FraudEndpoint', {
 *   registry,
 *   model: registry.model('fraud-scoring'),
 *   source: ModelSource.imageTag('1.4.0', { artifactsKey: '1.4.0/model.tar.gz' }),
 *   vpc,
 *   variants: [{
 *     variantName: 'primary',
 *     instanceType: ServingInstanceType.ML_C5_XLARGE,
 *     autoScaling: { minCapacity: 2, maxCapacity: 8, invocationsPerInstance: 600 },
 *   }],
 *   guardrail: DeploymentGuardrail.canary({ size: CapacitySize.percent(25), bakeTime: Duration.minutes(10) }),
 *   dataCapture: { samplingPercentage: 20 },
 * });
 * endpoint.grantInvoke(apiRole);
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints.html
 */
export class ModelEndpoint extends ModelEndpointBase {
  /** An endpoint defined elsewhere, to grant invoke on and read metrics of. */
  public static fromEndpointAttributes(scope: Construct, id: string, attrs: ModelEndpointAttributes): IModelEndpoint {
    class Imported extends ModelEndpointBase {
      public readonly endpointName = attrs.endpointName;
      public readonly endpointArn = endpointArnOf(this, attrs.endpointName);
      protected readonly defaultVariantName = attrs.defaultVariantName ?? 'AllTraffic';
    }
    return new Imported(scope, id);
  }

  public readonly endpointName: string;
  public readonly endpointArn: string;
  /** The role the model containers run as. */
  public readonly role: iam.Role;
  /** The endpoint (L1). */
  public readonly endpoint: sagemaker.CfnEndpoint;
  /** The endpoint configuration (L1); replaced whenever a variant or the capture changes. */
  public readonly endpointConfig: sagemaker.CfnEndpointConfig;
  /** The model of the endpoint's own `source` (L1). */
  public readonly model: sagemaker.CfnModel;
  /** The security groups of the model containers, when in a VPC. */
  public readonly securityGroups: ec2.ISecurityGroup[];
  /** The alarms this construct created, which roll a deployment back. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The dashboard, unless turned off. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The prefix of the captured data in the registry bucket, when data capture is on. */
  public readonly dataCapturePrefix?: string;
  /** The `s3://` URI of the captured data, when data capture is on. */
  public readonly dataCaptureS3Uri?: string;
  /** The registry model served. */
  public readonly servedModel: ServableModel;
  /** Whether the endpoint is serverless. */
  public readonly serverless: boolean;
  /** The registry the model comes from. */
  public readonly registry: IModelRegistry;

  protected readonly defaultVariantName: string;
  private readonly rollbackAlarms: cloudwatch.IAlarm[] = [];
  private readonly variants: ResolvedVariant[] = [];
  private readonly modelsBySource = new Map<ModelSource, sagemaker.CfnModel>();
  private readonly props: ModelEndpointProps;
  private readonly subnets?: ec2.SelectedSubnets;
  private readonly networkIsolation: boolean;
  private readonly logGroupArn: string;
  private monitor?: DataQualityMonitor;

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    this.props = props;
    this.registry = props.registry;
    this.servedModel = props.model;
    const variants = props.variants ?? [{ variantName: 'primary' }];
    const all = [...variants, ...(props.shadowVariant ? [props.shadowVariant] : [])];
    this.serverless = all.some(v => v.serverless !== undefined);
    this.networkIsolation = props.networkIsolation ?? !this.serverless;

    throwIfProblems(this, 'invalid ModelEndpoint props', this.problems(props, variants));

    this.endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });
    this.endpointArn = endpointArnOf(this, this.endpointName);
    this.defaultVariantName = variants[0].variantName;
    this.logGroupArn = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/aws/sagemaker/Endpoints/${this.endpointName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    CostAttribution.tagModel(this, props.model.name);
    this.billToModelOwner(props.model);

    this.role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the containers of ${this.node.path} (model ${props.model.name})`,
    });
    props.registry.grantRead(this.role, props.model.name);
    props.registry.grantPull(this.role, props.model.name);
    this.grantLogsAndMetrics();

    if (props.vpc && !this.serverless) {
      this.subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
      this.securityGroups = props.securityGroups ?? [this.newSecurityGroup(props.vpc)];
      this.grantVpcAccess();
    } else {
      this.securityGroups = [];
      if (!this.serverless) {
        Annotations.of(this).addWarningV2('mlops-stack:endpoint-no-vpc',
          'no vpc: the model containers run outside your VPC. Give vpc to keep inference traffic to your data stores private.');
      }
    }

    this.model = this.modelFor(props.source);
    for (const [i, v] of variants.entries()) {
      this.variants.push(this.resolveVariant(v, `variants[${i}]`, false));
    }
    if (props.shadowVariant) {
      this.variants.push(this.resolveVariant(props.shadowVariant, 'shadowVariant', true));
    }

    const capture = props.dataCapture;
    let dataCaptureConfig: sagemaker.CfnEndpointConfig.DataCaptureConfigProperty | undefined;
    if (capture) {
      this.dataCapturePrefix = `data-capture/${this.endpointName}/`;
      this.dataCaptureS3Uri = props.registry.artifactBucket.s3UrlForObject(this.dataCapturePrefix);
      const key = capture.encryptionKey ?? props.registry.encryptionKey;
      this.grantCaptureWrite(key);
      const captureOptions = [
        ...(capture.captureInput ?? true ? [{ captureMode: 'Input' }] : []),
        ...(capture.captureOutput ?? true ? [{ captureMode: 'Output' }] : []),
      ];
      dataCaptureConfig = {
        enableCapture: true,
        initialSamplingPercentage: capture.samplingPercentage ?? 100,
        destinationS3Uri: this.dataCaptureS3Uri,
        kmsKeyId: key.keyArn,
        captureOptions,
        captureContentTypeHeader: capture.jsonContentTypes || capture.csvContentTypes
          ? { jsonContentTypes: capture.jsonContentTypes, csvContentTypes: capture.csvContentTypes }
          : undefined,
      };
    }

    const instanceStorageOnly = this.variants.some(v => v.instanceType?.hasInstanceStorageOnly);
    const volumeKey = this.serverless || instanceStorageOnly ? undefined : props.volumeEncryptionKey ?? props.registry.encryptionKey;

    this.endpointConfig = new sagemaker.CfnEndpointConfig(this, 'Config', {
      productionVariants: this.variants.filter(v => !v.shadow).map(v => this.renderVariant(v)),
      shadowProductionVariants: props.shadowVariant ? this.variants.filter(v => v.shadow).map(v => this.renderVariant(v)) : undefined,
      kmsKeyId: volumeKey?.keyArn,
      dataCaptureConfig,
    });

    if (!this.serverless) {
      this.createAlarms(props.alarms ?? {});
      this.rollbackAlarms.push(...props.rollbackAlarms ?? []);
      this.node.addValidation({
        validate: () => this.rollbackAlarms.length + this.alarms.length > MAX_ROLLBACK_ALARMS
          ? [`${this.alarms.length + this.rollbackAlarms.length} rollback alarms, more than the ${MAX_ROLLBACK_ALARMS} SageMaker accepts ` +
            `(${this.alarms.length} created for the variants): pass fewer rollbackAlarms, or combine them in a cloudwatch.CompositeAlarm`]
          : [],
      });
    }

    const guardrail = this.serverless ? undefined : props.guardrail ?? DeploymentGuardrail.allAtOnce();
    const autoscaled = this.variants.some(v => v.options.autoScaling);
    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
      deploymentConfig: guardrail
        ? Lazy.any({ produce: () => guardrail._render([...this.alarms, ...this.rollbackAlarms].map(a => a.alarmName)) })
        : undefined,
      // Application Auto Scaling changes DesiredInstanceCount behind CloudFormation's back. Without retention, the
      // next config update (a new image, a new weight) resets every variant to its InitialInstanceCount: a fleet
      // scaled out for peak traffic drops to its minimum mid-deployment. Retaining the variant properties keeps the
      // scaled count; weights and data capture are excluded from retention so that a new config still changes them.
      retainAllVariantProperties: autoscaled ? true : undefined,
      excludeRetainedVariantProperties: autoscaled
        ? [{ variantPropertyType: 'DesiredWeight' }, { variantPropertyType: 'DataCaptureConfig' }]
        : undefined,
    });

    for (const v of this.variants) {
      if (v.options.autoScaling) {
        this.addAutoScaling(v, v.options.autoScaling);
      }
    }

    if (props.dashboard ?? true) {
      this.dashboard = endpointDashboard(this, 'Dashboard', this.variants.filter(v => !v.shadow).map(v => v.options.variantName), this.alarms);
    }
    this.acknowledgeFindings();
  }

  /**
   * Roll deployments back when `alarm` fires too. SageMaker accepts at most 10 rollback alarms per endpoint.
   * Ignored by serverless endpoints, which have no deployment guardrail.
   */
  public addRollbackAlarm(alarm: cloudwatch.IAlarm): void {
    if (this.serverless) {
      throw validationError(this, `addRollbackAlarm (${alarm.node.path}): serverless endpoints have no deployment guardrail to roll back; ` +
        'use instance-based variants to deploy with automatic rollback');
    }
    this.rollbackAlarms.push(alarm);
  }

  /**
   * Schedule a SageMaker Model Monitor data-quality job over the captured requests, which raises an alarm and a
   * retraining event on violations (see {@link DataQualityMonitor} for the event's shape). Needs `dataCapture`
   * with input captured. One per endpoint; the job runs in the endpoint's VPC unless told otherwise.
   */
  public monitorDataQuality(options: DataQualityMonitorOptions): DataQualityMonitor {
    if (!this.dataCapturePrefix || this.props.dataCapture?.captureInput === false) {
      throw validationError(this, 'monitorDataQuality needs captured requests: give the endpoint dataCapture (with captureInput not false)');
    }
    if (this.monitor) {
      throw validationError(this, `monitorDataQuality was already called (${this.monitor.node.path}); one data-quality schedule per endpoint`);
    }
    this.monitor = new DataQualityMonitor(this, 'DataQualityMonitor', {
      ...options,
      endpoint: this,
      vpc: options.vpc ?? this.props.vpc,
      vpcSubnets: options.vpcSubnets ?? this.props.vpcSubnets,
    });
    return this.monitor;
  }

  private problems(props: ModelEndpointProps, variants: VariantOptions[]): string[] {
    const problems: string[] = [];
    if (props.endpointName !== undefined && isResolved(props.endpointName) && !NAME_PATTERN.test(props.endpointName)) {
      problems.push(`endpointName ("${props.endpointName}") must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit`);
    }
    if (variants.length === 0) {
      problems.push(props.shadowVariant
        ? `variants is empty but shadowVariant ("${props.shadowVariant.variantName}") is given: a shadow variant receives a copy of a production ` +
          'variant\'s traffic, so give one production variant'
        : 'variants is empty: give at least one production variant, or leave variants out for one ml.m5.large');
    }
    if (props.shadowVariant && variants.length > 1) {
      problems.push(`shadowVariant needs exactly one production variant (got ${variants.length}): SageMaker shadows a single variant; ` +
        'drop the other variants or the shadow');
    }
    const all: Array<[string, VariantOptions]> = [
      ...variants.map((v, i): [string, VariantOptions] => [`variants[${i}]`, v]),
      ...(props.shadowVariant ? [['shadowVariant', props.shadowVariant] as [string, VariantOptions]] : []),
    ];
    const names = new Map<string, string>();
    for (const [prop, v] of all) {
      problems.push(...variantProblems(prop, v));
      const first = names.get(v.variantName);
      if (first) {
        problems.push(`${prop}.variantName ("${v.variantName}") duplicates ${first}.variantName: variant names are unique in an endpoint; rename one`);
      } else {
        names.set(v.variantName, prop);
      }
    }
    const weights = variants.map(v => v.weight ?? 1);
    if (weights.length > 0 && weights.every(w => w === 0)) {
      problems.push(`every production variant weight is 0 (${weights.join(', ')}): the endpoint would route no traffic; give at least one variant a positive weight`);
    }
    if (this.serverless) {
      problems.push(...serverlessProblems(props, all));
    } else {
      const fleet = Math.min(...variants.map(v => v.initialInstanceCount ?? v.autoScaling?.minCapacity ?? 1));
      if (props.guardrail && Number.isFinite(fleet)) {
        problems.push(...props.guardrail._problems(fleet));
      }
    }
    if (props.volumeEncryptionKey && !this.serverless) {
      const nvme = all.filter(([, v]) => (v.instanceType ?? ServingInstanceType.ML_M5_LARGE).hasInstanceStorageOnly);
      for (const [prop, v] of nvme) {
        problems.push(`volumeEncryptionKey cannot be used with ${prop}.instanceType (${v.instanceType}): that family has NVMe instance storage only, ` +
          'encrypted in hardware, and SageMaker rejects a KmsKeyId for it; drop volumeEncryptionKey or use an EBS-backed type');
      }
    }
    const capture = props.dataCapture;
    if (capture) {
      const pct = capture.samplingPercentage;
      if (pct !== undefined && isResolved(pct) && (!Number.isInteger(pct) || pct < 0 || pct > 100)) {
        problems.push(`dataCapture.samplingPercentage (${pct}) must be a whole number from 0 to 100`);
      }
      if (capture.captureInput === false && capture.captureOutput === false) {
        problems.push('dataCapture captures neither input nor output: set captureInput or captureOutput to true, or drop dataCapture');
      }
    }
    problems.push(...sourceProblems('source', props.source, props.model));
    for (const [prop, v] of all) {
      if (v.source) {
        problems.push(...sourceProblems(`${prop}.source`, v.source, props.model));
      }
    }
    return problems;
  }

  private resolveVariant(options: VariantOptions, prop: string, shadow: boolean): ResolvedVariant {
    const serverless = options.serverless !== undefined;
    return {
      options,
      prop,
      shadow,
      instanceType: serverless ? undefined : options.instanceType ?? ServingInstanceType.ML_M5_LARGE,
      instanceCount: serverless ? undefined : options.initialInstanceCount ?? options.autoScaling?.minCapacity ?? 1,
      model: options.source ? this.modelFor(options.source) : this.modelFor(this.props.source),
    };
  }

  private renderVariant(v: ResolvedVariant): sagemaker.CfnEndpointConfig.ProductionVariantProperty {
    const s = v.options.serverless;
    return {
      variantName: v.options.variantName,
      modelName: v.model.attrModelName,
      initialVariantWeight: v.options.weight ?? 1,
      instanceType: v.instanceType?.value,
      initialInstanceCount: v.instanceCount,
      serverlessConfig: s ? {
        memorySizeInMb: s.memorySize.toMebibytes(),
        maxConcurrency: s.maxConcurrency,
        provisionedConcurrency: s.provisionedConcurrency,
      } : undefined,
    };
  }

  /** One `AWS::SageMaker::Model` per distinct source; the endpoint's own source is `Model`. */
  private modelFor(source: ModelSource): sagemaker.CfnModel {
    const existing = this.modelsBySource.get(source);
    if (existing) {
      return existing;
    }
    const id = this.modelsBySource.size === 0 ? 'Model' : `Model${this.modelsBySource.size + 1}`;
    const model = new sagemaker.CfnModel(this, id, {
      executionRoleArn: this.role.roleArn,
      primaryContainer: this.containerFor(source),
      enableNetworkIsolation: this.networkIsolation,
      vpcConfig: this.subnets ? {
        subnets: this.subnets.subnetIds,
        securityGroupIds: this.securityGroups.map(sg => sg.securityGroupId),
      } : undefined,
    });
    // CreateModel checks the role can read the artifacts and pull the image, so its policy must exist first (the
    // role itself is already a dependency through ExecutionRoleArn).
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      model.node.addDependency(policy);
    }
    this.modelsBySource.set(source, model);
    return model;
  }

  private containerFor(source: ModelSource): sagemaker.CfnModel.ContainerDefinitionProperty {
    const spec = source._spec;
    const m = this.servedModel;
    if (source.kind === ModelSourceKind.MODEL_PACKAGE) {
      return { modelPackageName: modelPackageArn(m, spec.version!) };
    }
    return {
      image: spec.tag !== undefined ? m.repository.repositoryUriForTag(spec.tag) : m.repository.repositoryUriForDigest(spec.digest),
      modelDataUrl: spec.artifactsKey !== undefined ? this.registry.artifactBucket.s3UrlForObject(`${m.artifactsPrefix}${spec.artifactsKey}`) : undefined,
      environment: spec.environment,
    };
  }

  private newSecurityGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `Model containers of ${this.node.path}`,
      allowAllOutbound: false,
    });
    // SageMaker fetches artifacts from S3 and images from ECR over HTTPS through the VPC; nothing calls in.
    sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3, ECR and the VPC endpoints');
    return sg;
  }

  /**
   * Logs of this endpoint only, and metrics in SageMaker's namespaces only (PutMetricData has no resource-level
   * permission, only the namespace condition).
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-createmodel-perms
   */
  private grantLogsAndMetrics(): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [this.logGroupArn, `${this.logGroupArn}:log-stream:*`],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'AWS/SageMaker'] } },
    }));
  }

  /** Network interfaces in the endpoint's subnets and security groups only. */
  private grantVpcAccess(): void {
    for (const statement of vpcAccessStatements(this, this.subnets!.subnetIds, this.securityGroups).statements) {
      this.role.addToPrincipalPolicy(statement);
    }
  }

  /**
   * SageMaker writes the captured data as the model's execution role: this endpoint's capture prefix only, and
   * the key through S3 only.
   */
  private grantCaptureWrite(key: kms.IKey): void {
    const bucket = this.registry.artifactBucket;
    iam.Grant.addToPrincipalOrResource({
      grantee: this.role,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: [bucket.arnForObjects(`${this.dataCapturePrefix}*`)],
      resource: bucket,
    });
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${key.env.region ?? stack.region}.${stack.urlSuffix}` } },
    }));
  }

  private createAlarms(options: EndpointAlarmOptions): void {
    const maxRate = options.maxServerErrorRatePercent ?? 1;
    const maxLatency = options.maxModelLatencyP99 ?? Duration.seconds(1);
    const evaluationPeriods = options.evaluationPeriods ?? 3;
    const datapointsToAlarm = options.datapointsToAlarm ?? 2;
    const problems: string[] = [];
    if (isResolved(maxRate) && (maxRate <= 0 || maxRate > 100)) {
      problems.push(`alarms.maxServerErrorRatePercent (${maxRate}) must be above 0 and at most 100`);
    }
    if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
      problems.push(`alarms.evaluationPeriods (${evaluationPeriods}) must be a positive whole number`);
    }
    if (!Number.isInteger(datapointsToAlarm) || datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
      problems.push(`alarms.datapointsToAlarm (${datapointsToAlarm}) must be a whole number from 1 to evaluationPeriods (${evaluationPeriods})`);
    }
    throwIfProblems(this, 'invalid ModelEndpoint alarms', problems);

    const scope = new Construct(this, 'Alarms');
    for (const v of this.variants.filter(x => !x.shadow)) {
      const variantName = v.options.variantName;
      const errorRate = new cloudwatch.MathExpression({
        // No invocations is no error: a quiet minute must not read as a failure.
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: {
          invocations: this.metricInvocations({ variantName }),
          errors: this.metricInvocation5xxErrors({ variantName }),
        },
        period: Duration.minutes(1),
        label: `${variantName} 5XX error rate (%)`,
      });
      this.alarms.push(new cloudwatch.Alarm(scope, `${variantName}ServerErrors`, {
        alarmDescription: `${this.endpointName}/${variantName}: more than ${maxRate}% of invocations end in a 5XX error; rolls deployments back`,
        metric: errorRate,
        threshold: maxRate,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods,
        datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
      this.alarms.push(new cloudwatch.Alarm(scope, `${variantName}ModelLatencyP99`, {
        alarmDescription: `${this.endpointName}/${variantName}: p99 model latency above ${maxLatency.toHumanString()}; rolls deployments back`,
        // ModelLatency is reported in microseconds.
        metric: this.metricModelLatency({ variantName, statistic: 'p99' }),
        threshold: maxLatency.toMilliseconds() * 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods,
        datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    }
  }

  /**
   * L1 scaling resources, because the L2 `ScalableTarget` creates an IAM role: with no `RoleARN`, Application
   * Auto Scaling uses its service-linked role for SageMaker (AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint).
   *
   * @see https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html
   */
  private addAutoScaling(v: ResolvedVariant, a: VariantAutoScalingOptions): void {
    const variantName = v.options.variantName;
    const scope = new Construct(this, `${variantName}Scaling`);
    const target = new appscaling.CfnScalableTarget(scope, 'Target', {
      serviceNamespace: 'sagemaker',
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      resourceId: `endpoint/${this.endpointName}/variant/${variantName}`,
      minCapacity: a.minCapacity,
      maxCapacity: a.maxCapacity,
    });
    target.addResourceDependency(this.endpoint);
    const cooldowns = {
      scaleInCooldown: (a.scaleInCooldown ?? Duration.minutes(5)).toSeconds(),
      scaleOutCooldown: (a.scaleOutCooldown ?? Duration.minutes(1)).toSeconds(),
    };
    new appscaling.CfnScalingPolicy(scope, 'InvocationsPerInstance', {
      policyName: `${variantName}-invocations-per-instance`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: target.ref,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: a.invocationsPerInstance,
        predefinedMetricSpecification: { predefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        ...cooldowns,
      },
    });
    if (a.gpuUtilizationPercent !== undefined) {
      new appscaling.CfnScalingPolicy(scope, 'GpuUtilization', {
        policyName: `${variantName}-gpu-utilization`,
        policyType: 'TargetTrackingScaling',
        scalingTargetId: target.ref,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: a.gpuUtilizationPercent,
          customizedMetricSpecification: {
            namespace: INSTANCE_NAMESPACE,
            metricName: 'GPUUtilization',
            dimensions: [{ name: 'EndpointName', value: this.endpointName }, { name: 'VariantName', value: variantName }],
            statistic: 'Average',
            unit: 'Percent',
          },
          ...cooldowns,
        },
      });
    }
  }

  /**
   * The endpoint is billed to the team that owns the model: the team tag in effect where the registry created
   * the model's repository, when it differs from the one in effect here.
   */
  private billToModelOwner(model: ServableModel): void {
    const teamKey = CostAttribution.schemaOf(this).teamKey;
    const owner = CostAttribution.tagsOf(model.repository)[teamKey];
    if (owner !== undefined && !Token.isUnresolved(owner) && CostAttribution.tagsOf(this)[teamKey] !== owner) {
      CostAttribution.apply(this, { tags: { [teamKey]: owner } });
    }
  }

  private acknowledgeFindings(): void {
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (!policy) {
      return;
    }
    const ack = (id: string, reason: string) => Validations.of(policy).acknowledge({ id, reason });
    ack('AwsSolutions-IAM5[Resource::*]', 'cloudwatch:PutMetricData has no resource-level permission; it is limited to SageMaker\'s ' +
      'metric namespaces by the cloudwatch:namespace condition. The VPC Describe actions SageMaker needs have no resource-level permission either.');
    ack('AwsSolutions-IAM5[Action::ecr:GetAuthorizationToken]', 'ecr:GetAuthorizationToken has no resource-level permission; image pulls are limited to the model\'s repository.');
    // Built from the ARN itself: a stack with a known region or account prints them as literals in the finding.
    acknowledgeWildcard(policy, `${this.logGroupArn}:log-stream:*`,
      'Log streams are created by SageMaker with instance-specific names, inside this endpoint\'s log group only.');
    const bucket = this.registry.artifactBucket;
    acknowledgeWildcard(policy, bucket.arnForObjects(`${this.servedModel.artifactsPrefix}*`),
      'Read access to the objects under this model\'s artifact prefix only: the artifact keys of future versions are not known here.');
    if (this.subnets) {
      acknowledgeWildcard(policy, Stack.of(this).formatArn({ service: 'ec2', resource: 'network-interface', resourceName: '*' }),
        'SageMaker creates the network interfaces of the containers, so their IDs are not known; creation is limited to the chosen subnets ' +
        'and security groups by the other resources of the same statement.');
    }
    if (this.dataCapturePrefix) {
      acknowledgeWildcard(policy, bucket.arnForObjects(`${this.dataCapturePrefix}*`),
        'SageMaker writes captured data under keys it derives from the time and a UUID, inside this endpoint\'s capture prefix only.');
    }
  }
}

function endpointArnOf(scope: Construct, endpointName: string): string {
  // SageMaker lowercases names in ARNs, and IAM compares ARNs case-sensitively.
  const name = isResolved(endpointName) ? endpointName.toLowerCase() : endpointName;
  return Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: name });
}

function modelPackageArn(model: ServableModel, version: number | string): string {
  if (typeof version === 'string') {
    return version;
  }
  const group = Arn.split(model.modelPackageGroupArn, ArnFormat.SLASH_RESOURCE_NAME);
  const name = isResolved(model.modelPackageGroupName) ? model.modelPackageGroupName.toLowerCase() : model.modelPackageGroupName;
  return Arn.format({ ...group, resource: 'model-package', resourceName: `${name}/${version}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

function variantProblems(prop: string, v: VariantOptions): string[] {
  const problems: string[] = [];
  if (isResolved(v.variantName) && !NAME_PATTERN.test(v.variantName)) {
    problems.push(`${prop}.variantName ("${v.variantName}") must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit`);
  }
  const weight = v.weight;
  if (weight !== undefined && isResolved(weight) && (!Number.isFinite(weight) || weight < 0)) {
    problems.push(`${prop}.weight (${weight}) must not be negative: weights are shares of the traffic; use 0 to send a variant none`);
  }
  if (v.instanceType) {
    problems.push(...instanceTypeProblems(`${prop}.instanceType`, v.instanceType));
  }
  const count = v.initialInstanceCount;
  if (count !== undefined && isResolved(count) && (!Number.isInteger(count) || count < 1)) {
    problems.push(`${prop}.initialInstanceCount (${count}) must be a whole number of at least 1`);
  }
  const a = v.autoScaling;
  if (a) {
    if (!Number.isInteger(a.minCapacity) || a.minCapacity < 1) {
      problems.push(`${prop}.autoScaling.minCapacity (${a.minCapacity}) must be a whole number of at least 1: real-time variants keep an instance`);
    }
    if (!Number.isInteger(a.maxCapacity) || a.maxCapacity < 1) {
      problems.push(`${prop}.autoScaling.maxCapacity (${a.maxCapacity}) must be a whole number of at least 1`);
    }
    if (a.minCapacity > a.maxCapacity) {
      problems.push(`${prop}.autoScaling.minCapacity (${a.minCapacity}) must not exceed maxCapacity (${a.maxCapacity}); raise maxCapacity or lower minCapacity`);
    }
    if (count !== undefined && (count < a.minCapacity || count > a.maxCapacity)) {
      problems.push(`${prop}.initialInstanceCount (${count}) must be within autoScaling.minCapacity (${a.minCapacity}) and maxCapacity (${a.maxCapacity}), ` +
        'or autoscaling would move it at once; leave initialInstanceCount out to start at minCapacity');
    }
    if (!(a.invocationsPerInstance > 0)) {
      problems.push(`${prop}.autoScaling.invocationsPerInstance (${a.invocationsPerInstance}) must be positive (invocations per instance per minute)`);
    }
    if (a.gpuUtilizationPercent !== undefined) {
      const type = v.instanceType ?? ServingInstanceType.ML_M5_LARGE;
      if (v.serverless) {
        problems.push(`${prop}.autoScaling.gpuUtilizationPercent (${a.gpuUtilizationPercent}) asks for GPUs on a serverless variant: serverless endpoints ` +
          'run on CPU only; use an instance-based variant on a GPU type (ServingInstanceType.ML_G5_XLARGE)');
      } else if (type.isKnown && !type.hasGpu) {
        problems.push(`${prop}.autoScaling.gpuUtilizationPercent is set but ${prop}.instanceType (${type}) has no GPU; drop it or use a GPU type`);
      }
      if (!(a.gpuUtilizationPercent > 0)) {
        problems.push(`${prop}.autoScaling.gpuUtilizationPercent (${a.gpuUtilizationPercent}) must be positive`);
      }
    }
    for (const [name, d] of [['scaleInCooldown', a.scaleInCooldown], ['scaleOutCooldown', a.scaleOutCooldown]] as const) {
      if (d && isResolved(d.toSeconds()) && d.toSeconds() < 0) {
        problems.push(`${prop}.autoScaling.${name} (${d.toHumanString()}) must not be negative`);
      }
    }
  }
  return problems;
}

function instanceTypeProblems(prop: string, type: ServingInstanceType): string[] {
  if (!isResolved(type.value)) {
    return [];
  }
  if (!type.value.startsWith('ml.') || type.family === undefined) {
    return [`${prop} ("${type.value}") is not a SageMaker instance type: they read ml.<family>.<size>, such as ml.m5.large or ml.g5.xlarge`];
  }
  if (!type.isKnown) {
    return [`${prop} ("${type.value}") is of the family "${type.family}", which this library does not know, so it cannot tell whether the type has ` +
      `an EBS volume to encrypt; known families: ${Object.keys(INSTANCE_FAMILIES).join(', ')}`];
  }
  return [];
}

function serverlessProblems(props: ModelEndpointProps, all: Array<[string, VariantOptions]>): string[] {
  const problems: string[] = [];
  const why = 'serverless endpoints do not support it';
  if (all.length > 1) {
    problems.push(`a serverless endpoint holds one variant, but ${all.length} are given (${all.map(([p]) => p).join(', ')}): ` +
      'use instance-based variants for A/B tests and shadow tests');
  }
  for (const [prop, v] of all) {
    const s = v.serverless;
    if (!s) {
      continue;
    }
    if (v.instanceType) {
      problems.push(v.instanceType.hasGpu
        ? `${prop}.instanceType (${v.instanceType}) requests a GPU on a serverless variant: serverless endpoints run on CPU only; ` +
          'drop serverless and use an instance-based variant on that type'
        : `${prop}.instanceType (${v.instanceType}) cannot be combined with serverless, which picks its own compute; drop one of them`);
    }
    if (v.initialInstanceCount !== undefined) {
      problems.push(`${prop}.initialInstanceCount (${v.initialInstanceCount}) cannot be combined with serverless; drop it (use maxConcurrency)`);
    }
    if (v.autoScaling && v.autoScaling.gpuUtilizationPercent === undefined) {
      problems.push(`${prop}.autoScaling cannot be combined with serverless, which scales by itself up to maxConcurrency; drop autoScaling`);
    }
    const mib = s.memorySize.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(mib) || mib < 1024 || mib > 6144 || mib % 1024 !== 0) {
      problems.push(`${prop}.serverless.memorySize (${mib} MiB) must be 1 to 6 GiB in whole GiB (Size.gibibytes(1) to Size.gibibytes(6))`);
    }
    if (!Number.isInteger(s.maxConcurrency) || s.maxConcurrency < 1 || s.maxConcurrency > 200) {
      problems.push(`${prop}.serverless.maxConcurrency (${s.maxConcurrency}) must be a whole number from 1 to 200`);
    }
    const pc = s.provisionedConcurrency;
    if (pc !== undefined && (!Number.isInteger(pc) || pc < 1 || pc > s.maxConcurrency)) {
      problems.push(`${prop}.serverless.provisionedConcurrency (${pc}) must be a whole number from 1 to maxConcurrency (${s.maxConcurrency})`);
    }
  }
  if (props.vpc) {
    problems.push(`vpc cannot be used with a serverless variant: ${why}; drop vpc or use an instance-based variant`);
  }
  if (props.dataCapture) {
    problems.push(`dataCapture cannot be used with a serverless variant: ${why}; drop dataCapture or use an instance-based variant`);
  }
  if (props.networkIsolation === true) {
    problems.push(`networkIsolation (true) cannot be used with a serverless variant: ${why}; drop networkIsolation or use an instance-based variant`);
  }
  if (props.volumeEncryptionKey) {
    problems.push('volumeEncryptionKey cannot be used with a serverless variant, which has no storage volume of yours; drop it');
  }
  if (props.guardrail && props.guardrail.kind !== DeploymentGuardrailKind.ALL_AT_ONCE) {
    problems.push(`guardrail (${props.guardrail.kind}) cannot be used with a serverless variant: deployment guardrails apply to instance-based variants`);
  }
  if (props.rollbackAlarms && props.rollbackAlarms.length > 0) {
    problems.push('rollbackAlarms cannot be used with a serverless variant, which has no deployment guardrail to roll back');
  }
  return problems;
}

function sourceProblems(prop: string, source: ModelSource, model: ServableModel): string[] {
  const s = source._spec;
  const problems: string[] = [];
  if (s.tag !== undefined && isResolved(s.tag) && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(s.tag)) {
    problems.push(`${prop} image tag ("${s.tag}") is not a valid tag: up to 128 letters, digits, _, . and -, not starting with . or -`);
  }
  if (s.digest !== undefined && isResolved(s.digest) && !/^sha256:[0-9a-f]{64}$/.test(s.digest)) {
    problems.push(`${prop} image digest ("${s.digest}") must read sha256:<64 lowercase hex digits>`);
  }
  if (s.artifactsKey !== undefined && isResolved(s.artifactsKey) &&
    (s.artifactsKey === '' || s.artifactsKey.startsWith('/') || s.artifactsKey.split('/').includes('..'))) {
    problems.push(`${prop} artifactsKey ("${s.artifactsKey}") must be a key below the model's prefix (${model.artifactsPrefix}), without a leading / or ..`);
  }
  const v = s.version;
  if (typeof v === 'number' && (!Number.isInteger(v) || v < 1)) {
    problems.push(`${prop} model package version (${v}) must be a whole number of at least 1`);
  }
  if (typeof v === 'string' && isResolved(v)) {
    const m = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/([^/]+)\/(\d+)$/.exec(v);
    if (!m) {
      problems.push(`${prop} model package ("${v}") must be the ARN of a versioned package, arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`);
    } else if (isResolved(model.modelPackageGroupName) && m[1].toLowerCase() !== model.modelPackageGroupName.toLowerCase()) {
      problems.push(`${prop} model package ("${v}") belongs to the group "${m[1]}", not to the model's group "${model.modelPackageGroupName}": ` +
        `an endpoint of model "${model.name}" serves only that model's versions, whose artifacts its role may read; use ModelSource.modelPackage(<version>)`);
    }
  }
  return problems;
}
