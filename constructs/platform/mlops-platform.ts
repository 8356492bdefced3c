import { Annotations, type Environment, RemovalPolicy, Stack, type StackProps, Stage } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as cdk8s from 'cdk8s';
import { Construct } from 'constructs';
import { PlatformCharts, type ClusterPoolsConfig, type TeamConfig } from './platform-charts';
import { configProblems } from './private/config-validation';
import { pascalCase } from './private/names';
import { platformVpc } from './private/platform-vpc';
import { defaultStackNames } from './private/stack-names';
import { TagSchema, type CostTags } from '../../src/tags/tag-schema';
import { GpuCluster, type GpuClusterProps } from '../compute/gpu-cluster';
import { TrainingPodIdentity } from '../compute/training-pod-identity';
import { BillingExport, type BillingExportProps } from '../cost/billing-export';
import { CostAllocationTags, type CostAllocationTagsProps } from '../cost/cost-allocation-tags';
import { CostAttribution } from '../cost/cost-attribution';
import { CostGuardrails, type CostGuardrailsProps, type TeamBudget, type TeamCostCategoryOptions } from '../cost/cost-guardrails';
import { CostReportSchedule, type CostReportScheduleProps } from '../cost/cost-report-schedule';
import { K8sWarnings } from '../k8s/k8s-warnings';
import { ModelPromotion, type ModelPromotionProps } from '../pipelines/model-promotion';
import { TrainingPipeline, type NewDataTriggerOptions, type RetrainingScheduleOptions, type TrainingPipelineProps } from '../pipelines/training-pipeline';
import { throwIfProblems, validationError } from '../private/errors';
import { ModelRegistry, type ModelOptions, type ModelRegistryProps, type RegisteredModel } from '../registry/model-registry';
import type { DataQualityMonitor, DataQualityMonitorOptions } from '../serving/data-quality-monitor';
import { ModelEndpoint, type ModelEndpointProps } from '../serving/model-endpoint';
import { ModelSource } from '../serving/model-source';

/**
 * The platform team: it runs the shared services (registry, cluster, serving and training infrastructure,
 * shared pools) and is billed for them.
 */
export interface PlatformTeamConfig {
  /** The team's name, the value of the schema's team key on the shared services (e.g. `ml-platform`). */
  readonly name: string;
  /**
   * The platform team's monthly AWS budget (see `CostGuardrails`).
   *
   * @default - no budget for the platform team
   */
  readonly budget?: TeamBudget;
  /**
   * Finance's name for the platform team in the cost category.
   *
   * @default - the platform team falls into the cost category's default value
   */
  readonly financeName?: string;
}

/**
 * Names, descriptions and environments of the platform's stacks. Each stack's construct id is its stack name,
 * so renaming a stack makes a new stack (and, deployed, a new copy of every resource in it).
 */
export interface PlatformStacksOptions {
  /**
   * The shared-services stack: cost guardrails, tag activation, billing export, the cost report.
   *
   * @default - stack name `<id>SharedServices`
   */
  readonly sharedServices?: StackProps;
  /**
   * The model registry stack.
   *
   * @default - stack name `<id>Registry`
   */
  readonly registry?: StackProps;
  /**
   * The network stack (the VPC of a platform without a GPU cluster and without a `vpc` of yours).
   *
   * @default - stack name `<id>Network`
   */
  readonly network?: StackProps;
  /**
   * The GPU cluster stack (EKS, Karpenter, Kueue, the pools, teams and queues).
   *
   * @default - stack name `<id>GpuCluster`
   */
  readonly gpuCluster?: StackProps;
  /**
   * The serving stack (the models' endpoints and their monitors).
   *
   * @default - stack name `<id>Serving`
   */
  readonly serving?: StackProps;
  /**
   * The training stack (pipelines, promotions, cluster training identities).
   *
   * @default - stack name `<id>Training`
   */
  readonly training?: StackProps;
}

/** The VPC a platform without a GPU cluster creates for its SageMaker jobs and endpoints. */
export interface PlatformNetworkOptions {
  /**
   * Availability zones of the VPC (an env-agnostic stack gets two).
   *
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * What happens to the flow-log group and its key when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The platform's budgets, anomaly alerts and cost category: `CostGuardrailsProps` without the teams. */
export interface PlatformCostGuardrailsConfig extends Omit<CostGuardrailsProps, 'teams' | 'schema' | 'costCategory'> {
  /**
   * A cost category naming the teams as finance does: each team's `financeName`.
   *
   * @default - no cost category
   */
  readonly costCategory?: Omit<TeamCostCategoryOptions, 'financeNames'>;
}

/** The platform's GPU cluster: `GpuClusterProps` (without the VPC, see `MlopsPlatformProps.vpc`) and its shared pools. */
export interface PlatformGpuClusterConfig extends Omit<GpuClusterProps, 'vpc'>, ClusterPoolsConfig {}

/** The platform's model registry: `ModelRegistryProps` without the models (see `MlopsPlatformProps.models`). */
export interface PlatformRegistryConfig extends Omit<ModelRegistryProps, 'models'> {}

/** Where a model's training data lives. */
export interface TrainingDataConfig {
  /**
   * The bucket of the data.
   *
   * @default - the registry's artifact bucket
   */
  readonly bucket?: s3.IBucket;
  /**
   * The key prefix of the data, ending in `/`.
   *
   * @default 'datasets/<model name>/'
   */
  readonly prefix?: string;
}

/** What {@link ModelTrainingConfig.steps} gets besides the pipeline. */
export interface TrainingStepsContext {
  /** The registry. */
  readonly registry: ModelRegistry;
  /** The model trained. */
  readonly model: RegisteredModel;
  /** The model's endpoint, when it has one. */
  readonly endpoint?: ModelEndpoint;
  /** The endpoint's data-quality monitor, when it has one. */
  readonly monitor?: DataQualityMonitor;
  /** `s3://<artifact bucket>/models/<model>/<key>`: an object under the model's artifacts prefix (a baseline, code). */
  artifactUri(key: string): string;
}

/** Events that start a training run. */
export interface RetrainingConfig {
  /**
   * Schedules, by construct id (e.g. `{ Weekly: { expression: 'cron(0 3 ? * MON *)' } }`).
   *
   * @default - no schedule
   */
  readonly schedules?: Record<string, RetrainingScheduleOptions>;
  /**
   * Start a run when data lands under the data prefix (construct id `NewData`).
   *
   * @default - new data starts no run
   */
  readonly onNewData?: NewDataTriggerOptions;
  /**
   * Start a run when the model's endpoint monitor finds data-quality violations (construct id `Drift`). Needs
   * the model's `endpoint.dataQuality`.
   *
   * @default false
   */
  readonly onDrift?: boolean;
}

/**
 * A model's SageMaker training pipeline: `TrainingPipelineProps` (registry, model and VPC come from the
 * platform), its steps and what retrains it.
 */
export interface ModelTrainingConfig extends Omit<TrainingPipelineProps, 'registry' | 'model' | 'vpc' | 'data'> {
  /**
   * Construct id of the pipeline in the training stack.
   *
   * @default - `<Model>Training`, the model name in PascalCase
   */
  readonly id?: string;
  /**
   * The training data.
   *
   * @default - `datasets/<model name>/` in the registry's artifact bucket
   */
  readonly data?: TrainingDataConfig;
  /**
   * Adds the steps with the pipeline's typed methods (`addProcessing`, `addTraining`, `addEvaluation`,
   * `addCondition`, `addRegistration`, ...), in the order they should be added.
   */
  readonly steps: (pipeline: TrainingPipeline, context: TrainingStepsContext) => void;
  /**
   * What starts a run besides a person.
   *
   * @default - nothing
   */
  readonly retraining?: RetrainingConfig;
}

/** A model's endpoint's data-quality monitor: `DataQualityMonitorOptions` with the baseline under the model's prefix. */
export interface EndpointDataQualityConfig extends Omit<DataQualityMonitorOptions, 'baselineStatisticsUri' | 'baselineConstraintsUri'> {
  /**
   * Key prefix, under the model's artifacts prefix, of the baseline's `statistics.json` and `constraints.json`
   * (what a SageMaker baselining job writes), e.g. `1.4.0/baseline/`.
   */
  readonly baselinePrefix: string;
}

/** A model's real-time endpoint in the serving stack: `ModelEndpointProps` (registry, model and VPC come from the platform). */
export interface ModelEndpointConfig extends Omit<ModelEndpointProps, 'registry' | 'model' | 'vpc'> {
  /**
   * Construct id of the endpoint in the serving stack.
   *
   * @default - the model name in PascalCase
   */
  readonly id?: string;
  /**
   * A data-quality monitor of the captured requests (needs `dataCapture`).
   *
   * @default - no monitor
   */
  readonly dataQuality?: EndpointDataQualityConfig;
}

/**
 * One stage (staging or production) of a promotion: a stack of its own with the model's endpoint, serving the
 * approved package version the promotion deploys it with.
 */
export interface PromotionStageConfig extends Omit<ModelEndpointProps, 'registry' | 'model' | 'vpc' | 'source'> {
  /**
   * The stage's stack.
   *
   * @default - stack name `<id><Model>Staging` or `<id><Model>Production`
   */
  readonly stack?: StackProps;
  /**
   * Construct id of the endpoint in the stage's stack.
   *
   * @default - the model name in PascalCase
   */
  readonly id?: string;
}

/** A model's promotion from an approved version to production: `ModelPromotionProps` with stage stacks the platform makes. */
export interface ModelPromotionConfig extends Omit<ModelPromotionProps, 'registry' | 'modelName' | 'staging' | 'production'> {
  /**
   * Construct id of the promotion in the training stack.
   *
   * @default - `<Model>Promotion`, the model name in PascalCase
   */
  readonly id?: string;
  /**
   * The staging stage.
   *
   * @default - endpointName `<model>-staging`
   */
  readonly staging: PromotionStageConfig;
  /**
   * The production stage, in the platform's account.
   *
   * @default - endpointName `<model>-production`
   */
  readonly production: PromotionStageConfig;
}

/** The identity of a model's training jobs on the GPU cluster (`TrainingPodIdentity`), in its team's namespace. */
export interface ClusterTrainingConfig {
  /**
   * Construct id of the identity in the training stack.
   *
   * @default - `<Model>ClusterTraining`, the model name in PascalCase
   */
  readonly id?: string;
  /**
   * The service account of the jobs.
   *
   * @default '<model name>-training'
   */
  readonly serviceAccountName?: string;
}

/** One model of the platform: its registry entry and what trains and serves it. */
export interface ModelConfig extends Omit<ModelOptions, 'team'> {
  /** The model's name (see `ModelDefinition.name`), unique in the platform regardless of case. */
  readonly name: string;
  /**
   * The team that owns the model: one of `teams` or the platform team. Its repository, package group, pipeline,
   * promotion and endpoints are billed to it.
   *
   * @default - the platform team
   */
  readonly team?: string;
  /**
   * The model's training pipeline.
   *
   * @default - no pipeline
   */
  readonly training?: ModelTrainingConfig;
  /**
   * The model's real-time endpoint.
   *
   * @default - no endpoint
   */
  readonly endpoint?: ModelEndpointConfig;
  /**
   * The model's promotion to staging and production.
   *
   * @default - no promotion
   */
  readonly promotion?: ModelPromotionConfig;
  /**
   * Training jobs of the model on the GPU cluster, in its team's namespace (needs `gpuCluster`, and a team of
   * `teams` with a pool or a quota).
   *
   * @default - no cluster training identity
   */
  readonly clusterTraining?: ClusterTrainingConfig;
}

/**
 * Properties of an {@link MlopsPlatform}: the whole platform as one typed configuration.
 */
export interface MlopsPlatformProps {
  /**
   * Cost-attribution tags of the whole platform (project, cost centre, environment, ...): every required key of
   * the schema except the team key, which each part gets from its team.
   */
  readonly tags: CostTags;

  /**
   * The tag schema.
   *
   * @default TagSchema.DEFAULT
   */
  readonly tagSchema?: TagSchema;

  /** The platform team, billed for the shared services. */
  readonly platformTeam: PlatformTeamConfig;

  /**
   * The teams: budgets, and with a GPU cluster their pools, quotas and namespaces.
   *
   * @default - none
   */
  readonly teams?: TeamConfig[];

  /**
   * The models: registry entries, pipelines, endpoints, promotions. Not on a Kubernetes-only platform.
   *
   * @default - none
   */
  readonly models?: ModelConfig[];

  /**
   * The model registry. Every platform but a Kubernetes-only one has one.
   *
   * @default - a registry with ModelRegistry's defaults
   */
  readonly registry?: PlatformRegistryConfig;

  /**
   * The GPU cluster (EKS with Karpenter and Kueue), its shared pools and queues.
   *
   * @default - no cluster: a SageMaker-only platform
   * @see https://docs.aws.amazon.com/eks/latest/userguide/what-is-eks.html
   */
  readonly gpuCluster?: PlatformGpuClusterConfig;

  /**
   * A Kubernetes-only platform: the GPU cluster with its pools, teams and queues, and the cost guardrails; no
   * registry, models or SageMaker resources. Needs `gpuCluster`.
   *
   * @default false
   */
  readonly kubernetesOnly?: boolean;

  /**
   * The VPC of the cluster and of the SageMaker jobs and endpoints.
   *
   * @default - the GPU cluster's new VPC; without a cluster, a new VPC in the network stack
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/infrastructure-give-access.html
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The VPC the platform creates when it has neither a GPU cluster nor a `vpc`.
   *
   * @default - see PlatformNetworkOptions
   */
  readonly network?: PlatformNetworkOptions;

  /**
   * Budgets of the teams that have one, anomaly alerts and the cost category, in the shared-services stack.
   *
   * @default - no guardrails; a team `budget` then is an error
   */
  readonly costGuardrails?: PlatformCostGuardrailsConfig;

  /**
   * Activate the schema's tag keys as cost allocation tags (payer account), so Cost Explorer and the budgets can
   * group by them. `false` when they are activated elsewhere.
   *
   * @default true
   * @see https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html
   */
  readonly costAllocationTags?: CostAllocationTagsProps | boolean;

  /**
   * A CUR 2.0 export with resource IDs and EKS split cost allocation (per-pod cost of shared nodes).
   *
   * @default false
   * @see https://docs.aws.amazon.com/cur/latest/userguide/split-cost-allocation-data.html
   */
  readonly billingExport?: BillingExportProps | boolean;

  /**
   * The scheduled per-team cost report, posting to the guardrails' topic (needs `costGuardrails`).
   *
   * @default - no scheduled report
   */
  readonly costReport?: Omit<CostReportScheduleProps, 'topic'>;

  /**
   * Names, descriptions and environments of the stacks.
   *
   * @default - stack names `<id><Part>`, env-agnostic
   */
  readonly stacks?: PlatformStacksOptions;

  /**
   * Environment of every stack that does not give its own.
   *
   * @default - env-agnostic: synthesizes with no AWS account or credentials
   * @see https://docs.aws.amazon.com/cdk/v2/guide/environments.html
   */
  readonly env?: Environment;
}

/** The two stages of a promotion. */
export interface PromotionStages<T> {
  /** The staging stage. */
  readonly staging: T;
  /** The production stage. */
  readonly production: T;
}

/**
 * A whole MLOps platform from one typed configuration: the model registry, the GPU cluster with its pools,
 * teams and queues, training and promotion pipelines, serving endpoints and cost guardrails, with the
 * cost-attribution tags on everything and each team's resources billed to that team.
 *
 * - **Stacks.** The platform creates the stacks it needs beside itself, in the App or Stage it is placed in
 *   (not under it): each stack's construct path, template file and `cdk deploy` name is its stack name, and a
 *   platform composed by hand before keeps its paths. Default names are `<id>SharedServices`, `<id>Registry`,
 *   `<id>Network` (SageMaker only), `<id>GpuCluster`, `<id>Serving`, `<id>Training` and, per promoted model,
 *   `<id><Model>Staging` / `<id><Model>Production`; every stack is env-agnostic unless `env` says otherwise.
 *   Reach them with {@link stacks} (tags and aspects on the platform construct itself reach none of them).
 * - **Billing.** Every stack carries `tags` with the platform team as team. A team's pools (their EC2NodeClass
 *   tags, so Karpenter's instances and volumes), namespace, queue and budget carry the team's tag; a model's
 *   repository, package group, pipeline, promotion and endpoints carry its owning team's.
 * - **Parts are optional.** Without `gpuCluster` the platform is SageMaker-only (no EKS; pipelines and endpoints
 *   run in `vpc` or a VPC of the network stack). With `kubernetesOnly` it is the cluster, its pools, teams and
 *   queues and the guardrails, with no registry or SageMaker resource.
 * - **Customization.** Every part is a public property (the stacks, the registry, the cluster and its charts,
 *   per-model maps of pipelines, endpoints and promotions), to add to or adjust with the underlying constructs'
 *   own API. The cluster's charts are applied as built: add more with `gpuCluster.addWorkloadChart`, in
 *   {@link k8sApp} to place work on the platform's pools and teams.
 * - **Validation.** The whole configuration is checked before anything is created: one `MlopsStackError` lists
 *   every problem, each naming its path in the configuration (`teams[1].pools[0].gpuLimit (0) must be ...`).
 *
 * Construct ids inside the stacks follow the configured names (`fraud-scoring` → `FraudScoring`), or a part's
 * `id`: they are public API, since they set logical IDs.
 *
 * @example
 * new MlopsPlatform(app, 'Mlops', {
 *   tags: { project: 'scoring', 'cost-center': 'cc-4200', environment: 'prod' },
 *   platformTeam: { name: 'ml-platform' },
 *   teams: [
 *     { name: 'fraud', budget: { monthlyLimitUsd: 20_000 }, pools: [{ name: 'fraud-training', instanceFamilies: ['g6'], gpuLimit: 16 }] },
 *     { name: 'recsys', budget: { monthlyLimitUsd: 45_000 }, pools: [{ name: 'recsys-training', instanceFamilies: ['p4d'], gpuLimit: 32 }] },
 *   ],
 *   gpuCluster: {},
 *   costGuardrails: { subscribers: ['finops@example.com'] },
 * });
 */
export class MlopsPlatform extends Construct {
  /** Every stack of the platform, in the order they were created. */
  public readonly stacks: Stack[];
  /** The shared-services stack, unless the platform has no shared service. */
  public readonly sharedServicesStack?: Stack;
  /** The registry stack, unless the platform is Kubernetes-only. */
  public readonly registryStack?: Stack;
  /** The network stack, when the platform created a VPC without a GPU cluster. */
  public readonly networkStack?: Stack;
  /** The GPU cluster stack, when the platform has a GPU cluster. */
  public readonly gpuClusterStack?: Stack;
  /** The serving stack, when a model has an endpoint. */
  public readonly servingStack?: Stack;
  /** The training stack, when a model has a pipeline, a promotion or cluster training. */
  public readonly trainingStack?: Stack;
  /** Each promoted model's stage stacks, by model name. */
  public readonly stageStacks: Readonly<Record<string, PromotionStages<Stack>>>;

  /** The tag schema of the platform. */
  public readonly tagSchema: TagSchema;
  /** The platform's cost tags: `tags` with the team key set to the platform team. */
  public readonly platformTags: CostTags;

  /** The budgets, anomaly alerts and cost category, when `costGuardrails` is given. */
  public readonly costGuardrails?: CostGuardrails;
  /** The activation of the cost allocation tags, unless `costAllocationTags` is false. */
  public readonly costAllocationTags?: CostAllocationTags;
  /** The CUR 2.0 export, when `billingExport` is on. */
  public readonly billingExport?: BillingExport;
  /** The scheduled cost report, when `costReport` is given. */
  public readonly costReport?: CostReportSchedule;

  /** The model registry, unless the platform is Kubernetes-only. */
  public readonly registry?: ModelRegistry;
  /** The VPC of the cluster and of the SageMaker jobs and endpoints, when the platform needs one. */
  public readonly vpc?: ec2.IVpc;

  /** The GPU cluster, when `gpuCluster` is given. */
  public readonly gpuCluster?: GpuCluster;
  /** The cdk8s app of the cluster's charts: build team workload charts in it, so the pools' tenancy is checked. */
  public readonly k8sApp?: cdk8s.App;
  /** The pools, team namespaces and queues, when `gpuCluster` is given. */
  public readonly charts?: PlatformCharts;
  /** The manifests that apply {@link charts} to the cluster, by chart id (`GpuNodePools`, `GpuTeams`, `GpuQueues`). */
  public readonly chartManifests: Readonly<Record<string, eks.KubernetesManifest>>;

  /** Each model's registry entry, by model name. */
  public readonly models: Readonly<Record<string, RegisteredModel>>;
  /** Each model's training pipeline, by model name. */
  public readonly pipelines: Readonly<Record<string, TrainingPipeline>>;
  /** Each model's endpoint, by model name. */
  public readonly endpoints: Readonly<Record<string, ModelEndpoint>>;
  /** Each model's endpoint's data-quality monitor, by model name. */
  public readonly monitors: Readonly<Record<string, DataQualityMonitor>>;
  /** Each model's promotion, by model name. */
  public readonly promotions: Readonly<Record<string, ModelPromotion>>;
  /** Each promoted model's stage endpoints, by model name. */
  public readonly stageEndpoints: Readonly<Record<string, PromotionStages<ModelEndpoint>>>;
  /** Each model's cluster training identity, by model name. */
  public readonly clusterTraining: Readonly<Record<string, TrainingPodIdentity>>;

  /**
   * @param scope an App or a Stage: the platform's stacks are created in it
   * @throws MlopsStackError listing every problem of the configuration, each with its path in `props`
   */
  constructor(scope: Construct, id: string, props: MlopsPlatformProps) {
    super(scope, id);
    if (!Stage.isStage(scope)) {
      throw validationError(this, 'an MlopsPlatform creates stacks beside itself, so its scope must be an App or a Stage, and ' +
        `"${scope.node.path}" is neither; create it with new MlopsPlatform(app, '${id}', ...)`);
    }
    const schema = props.tagSchema ?? TagSchema.DEFAULT;
    const stackNames = defaultStackNames(id, props);
    throwIfProblems(this, 'invalid MlopsPlatform configuration', configProblems(props, schema, stackNames));

    this.tagSchema = schema;
    this.platformTags = schema.forTeam(props.tags, props.platformTeam.name);
    const teams = props.teams ?? [];
    const models = props.models ?? [];
    const stacks: Stack[] = [];
    const newStack = (options: StackProps | undefined, stackName: string, description: string): Stack => {
      const stack = new Stack(scope, stackName, { env: props.env, description, ...options, stackName });
      // The platform team pays for what is in its stacks; team resources inside carry their own team tag.
      CostAttribution.apply(stack, { tags: this.platformTags, schema: props.tagSchema });
      stacks.push(stack);
      return stack;
    };
    const optional = <T extends object>(value: T | boolean | undefined, byDefault: boolean): T | undefined =>
      value === undefined ? (byDefault ? {} as T : undefined) : value === false ? undefined : value === true ? {} as T : value;

    // Shared services.
    const allocation = optional(props.costAllocationTags, true);
    const billing = optional(props.billingExport, false);
    if (props.costGuardrails || allocation || billing || props.costReport) {
      const shared = newStack(props.stacks?.sharedServices, stackNames.sharedServices, 'MLOps platform: shared services (cost guardrails)');
      this.sharedServicesStack = shared;
      if (props.costGuardrails) {
        this.costGuardrails = this.newGuardrails(shared, props, teams);
      }
      if (allocation) {
        this.costAllocationTags = new CostAllocationTags(shared, 'CostAllocationTags', { schema: props.tagSchema, ...allocation });
      }
      if (billing) {
        this.billingExport = new BillingExport(shared, 'BillingExport', billing);
      }
      if (props.costReport && this.costGuardrails) {
        this.costReport = new CostReportSchedule(shared, 'CostReport', { ...props.costReport, topic: this.costGuardrails.topic });
      }
    }

    // The registry.
    const registered: Record<string, RegisteredModel> = {};
    let registry: ModelRegistry | undefined;
    if (!props.kubernetesOnly) {
      this.registryStack = newStack(props.stacks?.registry, stackNames.registry, 'MLOps platform: model registry');
      registry = new ModelRegistry(this.registryStack, 'Registry', {
        ...props.registry,
        // The registry entry only: what trains and serves a model is built below, in the stacks that run it.
        models: models.map(m => ({ name: m.name, description: m.description, untaggedImagesToKeep: m.untaggedImagesToKeep, team: m.team })),
      });
      for (const model of registry.models) {
        registered[model.name] = model;
      }
      this.registry = registry;
    }

    // The network: the cluster's VPC, yours, or one of its own for SageMaker.
    let vpc = props.vpc;
    const sagemakerNeedsVpc = models.some(m => m.training || m.endpoint || m.promotion);
    if (!props.gpuCluster && !vpc && sagemakerNeedsVpc) {
      this.networkStack = newStack(props.stacks?.network, stackNames.network, 'MLOps platform: network of the SageMaker jobs and endpoints');
      vpc = platformVpc(this.networkStack, props.network?.removalPolicy ?? RemovalPolicy.RETAIN, props.network?.maxAzs ?? 2);
    }

    // The GPU cluster with the teams' pools, namespaces and queues.
    const manifests: Record<string, eks.KubernetesManifest> = {};
    if (props.gpuCluster) {
      this.gpuClusterStack = newStack(props.stacks?.gpuCluster, stackNames.gpuCluster, 'MLOps platform: GPU compute on EKS');
      const { sharedPools, cpuPools, queues, ...clusterProps } = props.gpuCluster;
      const cluster = new GpuCluster(this.gpuClusterStack, 'GpuCluster', { ...clusterProps, vpc });
      vpc = cluster.vpc;
      this.gpuCluster = cluster;
      this.k8sApp = new cdk8s.App();
      this.charts = new PlatformCharts(this.k8sApp, {
        clusterName: cluster.clusterName,
        nodeRoleName: cluster.nodeRoleName,
        discoveryTagValue: cluster.discoveryTagValue,
        costTags: CostAttribution.tagsOf(this.gpuClusterStack),
        tagSchema: schema,
        teams,
        sharedPools,
        cpuPools,
        queues,
      });
      for (const chart of this.charts.all) {
        if (chart.toJson().length > 0) {
          manifests[chart.node.id] = cluster.addWorkloadChart(chart.node.id, chart);
        }
      }
      // Team queues live in the team namespaces.
      if (manifests.GpuQueues && manifests.GpuTeams) {
        manifests.GpuQueues.node.addDependency(manifests.GpuTeams);
      }
      // cdk8s has no annotations: surface the charts' warnings where `cdk synth` shows them.
      for (const w of K8sWarnings.of(this.k8sApp)) {
        Annotations.of(cluster).addWarningV2(w.id, w.message);
      }
    }
    this.vpc = vpc;
    this.chartManifests = manifests;

    // Serving.
    const endpoints: Record<string, ModelEndpoint> = {};
    const monitors: Record<string, DataQualityMonitor> = {};
    const served = models.filter(m => m.endpoint);
    if (registry && served.length > 0) {
      const serving = newStack(props.stacks?.serving, stackNames.serving, 'MLOps platform: model serving');
      this.servingStack = serving;
      for (const model of served) {
        const { id: endpointId, dataQuality, ...endpointProps } = model.endpoint!;
        const endpoint = new ModelEndpoint(serving, endpointId ?? pascalCase(model.name), {
          ...endpointProps, registry, model: registered[model.name], vpc,
        });
        endpoints[model.name] = endpoint;
        if (dataQuality) {
          const { baselinePrefix, ...monitorOptions } = dataQuality;
          monitors[model.name] = endpoint.monitorDataQuality({
            ...monitorOptions,
            baselineStatisticsUri: artifactUri(registry, registered[model.name], `${baselinePrefix}statistics.json`),
            baselineConstraintsUri: artifactUri(registry, registered[model.name], `${baselinePrefix}constraints.json`),
          });
        }
      }
    }

    // The stages of each promotion: stacks of their own, which the promotion deploys with an approved version.
    const stageStacks: Record<string, PromotionStages<Stack>> = {};
    const stageEndpoints: Record<string, PromotionStages<ModelEndpoint>> = {};
    for (const model of models.filter(m => m.promotion)) {
      const promotion = model.promotion!;
      const stage = (which: 'staging' | 'production') => {
        const { stack: stackOptions, id: endpointId, ...endpointProps } = promotion[which];
        const stack = newStack(stackOptions, stackNames.stages[model.name][which],
          `MLOps platform: ${model.name} ${which} endpoint, deployed by its promotion`);
        const endpoint = new ModelEndpoint(stack, endpointId ?? pascalCase(model.name), {
          ...endpointProps,
          registry: registry!,
          model: registered[model.name],
          vpc,
          endpointName: endpointProps.endpointName ?? `${model.name}-${which}`,
          source: ModelSource.modelPackageParameter(stack, promotion.parameterName),
        });
        return { stack, endpoint };
      };
      const staging = stage('staging');
      const production = stage('production');
      stageStacks[model.name] = { staging: staging.stack, production: production.stack };
      stageEndpoints[model.name] = { staging: staging.endpoint, production: production.endpoint };
    }

    // Training: pipelines, promotions and the identities of cluster training jobs.
    const pipelines: Record<string, TrainingPipeline> = {};
    const promotions: Record<string, ModelPromotion> = {};
    const identities: Record<string, TrainingPodIdentity> = {};
    const trained = models.filter(m => m.training || m.promotion || m.clusterTraining);
    if (registry && trained.length > 0) {
      const training = newStack(props.stacks?.training, stackNames.training, 'MLOps platform: model training');
      this.trainingStack = training;
      for (const model of trained) {
        const entry = registered[model.name];
        const name = pascalCase(model.name);
        if (model.training) {
          const { id: pipelineId, data, steps, retraining, ...pipelineProps } = model.training;
          const pipeline = new TrainingPipeline(training, pipelineId ?? `${name}Training`, {
            ...pipelineProps,
            registry,
            model: entry,
            vpc: vpc!,
            data: { bucket: data?.bucket ?? registry.artifactBucket, prefix: data?.prefix ?? `datasets/${model.name}/` },
          });
          steps(pipeline, {
            registry,
            model: entry,
            endpoint: endpoints[model.name],
            monitor: monitors[model.name],
            artifactUri: key => artifactUri(registry!, entry, key),
          });
          for (const [scheduleId, schedule] of Object.entries(retraining?.schedules ?? {})) {
            pipeline.scheduleRetraining(scheduleId, schedule);
          }
          if (retraining?.onNewData) {
            pipeline.retrainOnNewData('NewData', retraining.onNewData);
          }
          if (retraining?.onDrift) {
            pipeline.retrainOnDrift('Drift', monitors[model.name]);
          }
          pipelines[model.name] = pipeline;
        }
        if (model.promotion) {
          const { id: promotionId, staging: _s, production: _p, ...promotionProps } = model.promotion;
          const target = (which: 'staging' | 'production') => ({
            stackName: stageStacks[model.name][which].stackName,
            templateFile: stageStacks[model.name][which].templateFile,
            endpointName: stageEndpoints[model.name][which].endpointName,
          });
          promotions[model.name] = new ModelPromotion(training, promotionId ?? `${name}Promotion`, {
            ...promotionProps,
            registry,
            modelName: model.name,
            staging: target('staging'),
            production: target('production'),
          });
        }
        if (model.clusterTraining) {
          identities[model.name] = new TrainingPodIdentity(training, model.clusterTraining.id ?? `${name}ClusterTraining`, {
            cluster: this.gpuCluster!.cluster,
            registry,
            modelName: model.name,
            namespace: this.charts!.gpuTeams[model.team!].namespaceName,
            serviceAccountName: model.clusterTraining.serviceAccountName,
          });
        }
      }
    }

    this.stacks = stacks;
    this.stageStacks = stageStacks;
    this.models = registered;
    this.endpoints = endpoints;
    this.monitors = monitors;
    this.stageEndpoints = stageEndpoints;
    this.pipelines = pipelines;
    this.promotions = promotions;
    this.clusterTraining = identities;
  }

  private newGuardrails(scope: Stack, props: MlopsPlatformProps, teams: readonly TeamConfig[]): CostGuardrails {
    const { costCategory, ...guardrails } = props.costGuardrails!;
    const payers = [...teams, props.platformTeam];
    const budgets = Object.fromEntries(payers.filter(t => t.budget).map(t => [t.name, t.budget!]));
    const financeNames = Object.fromEntries(payers.filter(t => t.financeName !== undefined).map(t => [t.name, t.financeName!]));
    return new CostGuardrails(scope, 'CostGuardrails', {
      ...guardrails,
      teams: budgets,
      schema: props.tagSchema,
      costCategory: costCategory ? { ...costCategory, financeNames } : undefined,
    });
  }
}

function artifactUri(registry: ModelRegistry, model: RegisteredModel, key: string): string {
  return `s3://${registry.artifactBucket.bucketName}/${model.artifactsPrefix}${key}`;
}
