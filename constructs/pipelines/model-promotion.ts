import { Annotations, ArnFormat, CfnCapabilities, Duration, Fn, PhysicalName, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { CostAttribution } from '../cost/cost-attribution';
import { createAccessLogsBucket } from '../private/access-logs';
import { throwIfProblems } from '../private/errors';
import { nagResource } from '../private/nag';
import { isResolved } from '../private/tokens';
import { type IModelRegistry, ModelRegistry, type RegisteredModel } from '../registry/model-registry';
import { newDeploymentRole } from './private/promotion-deploy-role';
import { LATEST, PACKAGE_FILE, RESOLVE_SCRIPT, SMOKE_TEST_SCRIPT } from './private/promotion-scripts';
import { modelNameProblems, singleAccountIdProblems } from '../registry/private/validation';
import { ModelEndpoint } from '../serving/model-endpoint';

/** The CloudFormation stack of one environment of a promotion: a stack holding the model's `ModelEndpoint`. */
export interface PromotionStackOptions {
  /**
   * Name of the CloudFormation stack deployed (the stack's `stackName` in your CDK app).
   *
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-using-console-create-stack-parameters.html
   */
  readonly stackName: string;
  /**
   * Path of the stack's template in the templates archive, e.g. `FraudStaging.template.json` (the file
   * `cdk synth` writes to `cdk.out`).
   */
  readonly templateFile: string;
  /**
   * Name of the stack's endpoint (give the `ModelEndpoint` this `endpointName`): the smoke test invokes it and
   * the deployment role may change this endpoint only.
   */
  readonly endpointName: string;
}

/** The production environment of a promotion, optionally in another account. */
export interface ProductionStackOptions extends PromotionStackOptions {
  /**
   * Account of the production stack. When it differs from the pipeline's, the pipeline's stack needs an
   * explicit `env.account`, the account must be one of the registry's `consumerAccounts`, and `actionRole` and
   * `deploymentRole` are required (create them in that account with {@link ModelPromotion.productionRoles}).
   *
   * @default - the pipeline's account
   */
  readonly account?: string;
  /**
   * Role in the production account that the pipeline assumes to run the CloudFormation action.
   *
   * @default - a role created by CodePipeline in the pipeline's account (same-account production only)
   */
  readonly actionRole?: iam.IRole;
  /**
   * Role CloudFormation assumes to deploy the production stack.
   *
   * @default - a least-privilege role created here (same-account production only)
   */
  readonly deploymentRole?: iam.IRole;
}

/** The request the smoke test sends to the staging endpoint. */
export interface SmokeTestOptions {
  /** Body of the request, e.g. `'{"instances": [[0.1, 3, 7]]}'`. Not for secrets: it is stored in the build project. */
  readonly payload: string;
  /**
   * `Content-Type` of the request.
   *
   * @default 'application/json'
   */
  readonly contentType?: string;
  /**
   * `Accept` of the request.
   *
   * @default 'application/json'
   */
  readonly accept?: string;
  /**
   * Time after which the smoke test fails.
   *
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;
}

/** Properties of a {@link ModelPromotion}. */
export interface ModelPromotionProps {
  /** The registry that holds the model. */
  readonly registry: IModelRegistry;
  /** The registry model promoted. A registry defined in the app must hold it. */
  readonly modelName: string;
  /** The staging stack, in the pipeline's account and region. */
  readonly staging: PromotionStackOptions;
  /** The production stack. */
  readonly production: ProductionStackOptions;
  /** The smoke test of the staging endpoint. */
  readonly smokeTest: SmokeTestOptions;
  /**
   * Name of the stacks' parameter that receives the approved package's ARN (see
   * `ModelSource.modelPackageParameter`).
   *
   * @default 'ModelPackageArn'
   */
  readonly parameterName?: string;
  /**
   * Topic notified when a promotion waits for the manual approval.
   *
   * @default - a KMS-encrypted topic when `approvalEmails` is given, else no notification
   */
  readonly approvalTopic?: sns.ITopic;
  /**
   * Email addresses subscribed to a new approval topic. Not with `approvalTopic`.
   *
   * @default - none
   */
  readonly approvalEmails?: string[];
  /**
   * Key of the templates archive (a zip of the staging and production templates) in the artifact bucket.
   *
   * @default 'templates/<model name>.zip'
   */
  readonly templatesKey?: string;
  /**
   * Name of the pipeline.
   *
   * @default '<model name>-promotion'
   */
  readonly pipelineName?: string;
  /**
   * What happens to the key and the buckets when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Properties of {@link ModelPromotion.productionRoles}. */
export interface ProductionRolesProps {
  /** The account of the promotion pipeline, whose pipeline role may assume the action role. */
  readonly pipelineAccount: string;
  /** The registry of the model, as seen from the production account (`ModelRegistry.fromModelRegistryAttributes`). */
  readonly registry: IModelRegistry;
  /** The model promoted. */
  readonly modelName: string;
  /** The production stack's name. */
  readonly stackName: string;
  /** The production endpoint's name. */
  readonly endpointName: string;
}

/** The roles of a cross-account production, made by {@link ModelPromotion.productionRoles}. */
export interface ProductionRoles {
  /** The role the pipeline assumes in the production account. */
  readonly actionRole: iam.Role;
  /** The role CloudFormation deploys the production stack with. */
  readonly deploymentRole: iam.Role;
}

const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9.@_-]{1,100}$/;
const ENDPOINT_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const PARAMETER_NAME_PATTERN = /^[A-Za-z0-9]{1,255}$/;
const BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0;

/**
 * Promotion of a registry model from approval to production: a CodePipeline (V2) that an EventBridge rule
 * starts when a version of the model's package group becomes `Approved`.
 *
 * 1. **Source**: the templates archive (`templatesKey`) from the pipeline's versioned, KMS-encrypted artifact
 *    bucket; CI uploads it (`cdk synth`, zip the two templates, {@link grantUploadTemplates}).
 * 2. **Resolve**: a CodeBuild step picks the version: the pipeline variable `ModelPackageArn` when a person
 *    starts the pipeline with one (a rollback), else the newest `Approved` version of the group; a version
 *    of another group, or one not `Approved`, fails the step.
 * 3. **Staging**: CloudFormation deploys the staging stack with that ARN as its parameter (so the
 *    endpoint's deployment guardrail and auto-rollback apply), then a CodeBuild smoke test invokes the
 *    staging endpoint with a sample payload and fails on an error.
 * 4. **Approve**: a manual approval, optionally notified on a KMS-encrypted SNS topic.
 * 5. **Production**: CloudFormation deploys the production stack with the same ARN, in this account or in a
 *    consumer account of the registry through roles made there by {@link ModelPromotion.productionRoles}.
 *
 * Rejected or pending versions never start the pipeline, and cannot be deployed through it.
 *
 * @example
 * const promotion = new ModelPromotion(stack, 'FraudPromotion', {
 *   registry, modelName: 'fraud-scoring',
 *   staging: { stackName: 'FraudStaging', templateFile: 'FraudStaging.template.json', endpointName: 'fraud-staging' },
 *   production: { stackName: 'FraudProd', templateFile: 'FraudProd.template.json', endpointName: 'fraud-prod' },
 *   smokeTest: { payload: '{"instances": [[0.1, 3, 7]]}' },
 *   approvalEmails: ['ml-oncall@example.com'],
 * });
 * promotion.grantUploadTemplates(ciRole);
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-deploy.html
 */
export class ModelPromotion extends Construct {
  /**
   * The roles a cross-account production needs, in a stack of the production account: an action role the
   * pipeline's account may assume, and a least-privilege CloudFormation deployment role for the production
   * stack. Their names are generated so that a pipeline stack of the same app can reference them.
   */
  public static productionRoles(scope: Construct, id: string, props: ProductionRolesProps): ProductionRoles {
    const c = new Construct(scope, id);
    throwIfProblems(c, 'invalid ModelPromotion.productionRoles props', [
      ...singleAccountIdProblems('pipelineAccount', props.pipelineAccount),
      ...modelNameProblems('modelName', props.modelName),
      ...stackNameProblems('stackName', props.stackName),
      ...endpointNameProblems('endpointName', props.endpointName),
    ]);
    CostAttribution.tagModel(c, props.modelName);
    const actionRole = new iam.Role(c, 'ActionRole', {
      roleName: PhysicalName.GENERATE_IF_NEEDED,
      assumedBy: new iam.AccountPrincipal(props.pipelineAccount),
      description: `Assumed by the promotion pipeline of ${props.modelName} in ${props.pipelineAccount} to deploy ${props.stackName}`,
    });
    const deploymentRole = newDeploymentRole(c, 'DeploymentRole', {
      stackName: props.stackName,
      endpointName: props.endpointName,
      packagesArn: packagesArnOf(c, props.registry, props.modelName),
      keyArn: props.registry.encryptionKey.keyArn,
    });
    return { actionRole, deploymentRole };
  }

  /** The pipeline. */
  public readonly pipeline: codepipeline.Pipeline;
  /** The rule that starts the pipeline when a version of the group becomes Approved. */
  public readonly rule: events.Rule;
  /** The bucket of the templates archive and the pipeline's artifacts. */
  public readonly artifactBucket: s3.Bucket;
  /** The bucket of the artifact bucket's server access logs. */
  public readonly accessLogsBucket: s3.Bucket;
  /** The key of the artifacts, the build projects and the approval topic. */
  public readonly encryptionKey: kms.Key;
  /** The key of the templates archive in {@link artifactBucket}. */
  public readonly templatesKey: string;
  /** The pipeline variable that names the version to deploy (`latest` by default). */
  public readonly packageVariable: codepipeline.Variable;
  /** The build project that resolves the version to deploy. */
  public readonly resolveProject: codebuild.PipelineProject;
  /** The build project of the smoke test. */
  public readonly smokeTestProject: codebuild.PipelineProject;
  /** The role CloudFormation deploys the staging stack with; add statements for resources beyond an endpoint. */
  public readonly stagingDeploymentRole: iam.Role;
  /** The role CloudFormation deploys the production stack with. */
  public readonly productionDeploymentRole: iam.IRole;
  /** The approval topic, when there is one. */
  public readonly approvalTopic?: sns.ITopic;
  /** The name of the model package group promoted. */
  public readonly modelPackageGroupName: string;

  constructor(scope: Construct, id: string, props: ModelPromotionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const registered = this.registeredModel(props);
    const modelName = registered?.name ?? props.modelName;
    const parameterName = props.parameterName ?? 'ModelPackageArn';
    const pipelineName = props.pipelineName ?? `${modelName}-promotion`;
    const production = props.production;
    const crossAccount = production.account !== undefined && isResolved(production.account) && production.account !== stack.account;
    throwIfProblems(this, 'invalid ModelPromotion props', this.problems(props, parameterName, pipelineName, crossAccount));

    this.modelPackageGroupName = registered?.modelPackageGroupName ?? modelName;
    const groupArn = registered?.modelPackageGroupArn ?? groupArnOf(this, props.registry, modelName);
    const packagesArn = packagesArnOf(this, props.registry, modelName);
    this.templatesKey = props.templatesKey ?? `templates/${modelName}.zip`;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    CostAttribution.tagModel(this, modelName);
    CostAttribution.tagPipeline(this, pipelineName);
    this.billToModelOwner(registered);

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the promotion pipeline of ${modelName} (${this.node.path})`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.accessLogsBucket = createAccessLogsBucket(this, { logsOf: 'the artifact bucket', removalPolicy });
    this.artifactBucket = new s3.Bucket(this, 'Artifacts', {
      // A cross-account action role's policy names the bucket, so the name must be known in the other account.
      bucketName: PhysicalName.GENERATE_IF_NEEDED,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      // The S3 source action reads a version of the archive: every execution records which templates it deployed.
      versioned: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
    });
    this.logAccess();

    this.packageVariable = new codepipeline.Variable({
      variableName: 'ModelPackageArn',
      defaultValue: LATEST,
      description: `Version of ${this.modelPackageGroupName} to deploy: a model package ARN, or ${LATEST} for the newest Approved one`,
    });
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName,
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: this.artifactBucket,
      crossAccountKeys: crossAccount,
      variables: [this.packageVariable],
      restartExecutionOnUpdate: false,
    });

    this.resolveProject = this.newProject('ResolvePackage', 'Resolves the model package version a promotion deploys', {
      GROUP_ARN: groupArn,
      GROUP_NAME: this.modelPackageGroupName.toLowerCase(),
      PARAMETER_NAME: parameterName,
    }, RESOLVE_SCRIPT, Duration.minutes(5), { 'exported-variables': ['MODEL_PACKAGE_ARN'] }, [PACKAGE_FILE]);
    this.resolveProject.addToRolePolicy(new iam.PolicyStatement({
      actions: ['sagemaker:ListModelPackages', 'sagemaker:DescribeModelPackage'],
      resources: [groupArn, packagesArn],
    }));

    const smoke = props.smokeTest;
    this.smokeTestProject = this.newProject('SmokeTest', `Invokes the staging endpoint ${props.staging.endpointName} once`, {
      ENDPOINT_NAME: props.staging.endpointName,
      CONTENT_TYPE: smoke.contentType ?? 'application/json',
      ACCEPT: smoke.accept ?? 'application/json',
      SMOKE_PAYLOAD_B64: Buffer.from(smoke.payload, 'utf8').toString('base64'),
    }, SMOKE_TEST_SCRIPT, smoke.timeout ?? Duration.minutes(10));
    ModelEndpoint.fromEndpointAttributes(this, 'StagingEndpoint', { endpointName: props.staging.endpointName }).grantInvoke(this.smokeTestProject);

    const keyArn = props.registry.encryptionKey.keyArn;
    this.stagingDeploymentRole = newDeploymentRole(this, 'StagingDeploymentRole', {
      stackName: props.staging.stackName, endpointName: props.staging.endpointName, packagesArn, keyArn,
    });
    this.productionDeploymentRole = production.deploymentRole ?? newDeploymentRole(this, 'ProductionDeploymentRole', {
      stackName: production.stackName, endpointName: production.endpointName, packagesArn, keyArn,
    });

    if (props.approvalTopic) {
      this.approvalTopic = props.approvalTopic;
    } else if (props.approvalEmails && props.approvalEmails.length > 0) {
      const topic = new sns.Topic(this, 'ApprovalTopic', { masterKey: this.encryptionKey, enforceSSL: true });
      for (const email of props.approvalEmails) {
        topic.addSubscription(new subscriptions.EmailSubscription(email));
      }
      this.approvalTopic = topic;
    }

    const templates = new codepipeline.Artifact('Templates');
    const resolved = new codepipeline.Artifact('Package');
    const parameterOverrides = { [parameterName]: resolved.getParam(PACKAGE_FILE, parameterName) };
    const deploy = (stage: PromotionStackOptions, extra: Partial<actions.CloudFormationCreateUpdateStackActionProps>) =>
      new actions.CloudFormationCreateUpdateStackAction({
        actionName: 'Deploy',
        stackName: stage.stackName,
        templatePath: templates.atPath(stage.templateFile),
        adminPermissions: false,
        parameterOverrides,
        extraInputs: [resolved],
        // Templates synthesized from a ModelEndpoint create unnamed IAM roles.
        cfnCapabilities: [CfnCapabilities.ANONYMOUS_IAM],
        runOrder: 1,
        ...extra,
      });

    this.pipeline.addStage({
      stageName: 'Source',
      actions: [new actions.S3SourceAction({
        actionName: 'Templates',
        bucket: this.artifactBucket,
        bucketKey: this.templatesKey,
        output: templates,
        // Only an approval (or a person) starts a promotion; a new archive waits for the next one.
        trigger: actions.S3Trigger.NONE,
      })],
    });
    this.pipeline.addStage({
      stageName: 'Resolve',
      actions: [new actions.CodeBuildAction({
        actionName: 'ResolvePackage',
        project: this.resolveProject,
        input: templates,
        outputs: [resolved],
        variablesNamespace: 'Resolve',
        environmentVariables: { REQUESTED_PACKAGE_ARN: { value: this.packageVariable.reference() } },
      })],
    });
    this.pipeline.addStage({
      stageName: 'Staging',
      actions: [
        deploy(props.staging, { deploymentRole: this.stagingDeploymentRole }),
        new actions.CodeBuildAction({ actionName: 'SmokeTest', project: this.smokeTestProject, input: templates, runOrder: 2 }),
      ],
    });
    this.pipeline.addStage({
      stageName: 'Approve',
      actions: [new actions.ManualApprovalAction({
        actionName: 'Approve',
        notificationTopic: this.approvalTopic,
        additionalInformation: `Promote #{Resolve.MODEL_PACKAGE_ARN} to ${production.stackName}: it passed the staging smoke test on ${props.staging.endpointName}.`,
      })],
    });
    this.pipeline.addStage({
      stageName: 'Production',
      actions: [deploy(production, {
        deploymentRole: crossAccount ? this.subRoleArn('ProductionDeploymentRoleRef', this.productionDeploymentRole, production.account!) : this.productionDeploymentRole,
        account: crossAccount ? production.account : undefined,
        role: crossAccount ? production.actionRole : undefined,
      })],
    });

    this.rule = new events.Rule(this, 'OnApproval', {
      description: `Starts the promotion of ${this.modelPackageGroupName} when one of its versions is Approved`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: {
          ModelPackageGroupName: [this.modelPackageGroupName],
          ModelApprovalStatus: ['Approved'],
        },
      },
      targets: [new targets.CodePipeline(this.pipeline)],
    });
    this.acknowledgeFindings(props);
  }

  /**
   * Let `grantee` (a CI role) upload the templates archive: `s3:PutObject` on {@link templatesKey} only, with the
   * key through S3.
   */
  public grantUploadTemplates(grantee: iam.IGrantable): iam.Grant {
    return this.artifactBucket.grantPut(grantee, this.templatesKey);
  }

  /**
   * A role of another account's stack by an `Fn::Sub` ARN: aws-cdk-lib writes its cross-account reference as an
   * `Fn::Join` with an empty delimiter, which cfn-lint reports as an error (E3703) in the pipeline's action.
   */
  private subRoleArn(id: string, role: iam.IRole, account: string): iam.IRole {
    return iam.Role.fromRoleArn(this, id, Fn.sub(`arn:\${AWS::Partition}:iam::${account}:role/\${Name}`, { Name: role.roleName }), { mutable: false });
  }

  /** The registry model when the registry is defined in this app; an error when it does not hold the model. */
  private registeredModel(props: ModelPromotionProps): RegisteredModel | undefined {
    throwIfProblems(this, 'invalid ModelPromotion props', modelNameProblems('modelName', props.modelName));
    if (!(props.registry instanceof ModelRegistry)) {
      return undefined;
    }
    const found = props.registry.models.find(m => m.name.toLowerCase() === props.modelName.toLowerCase());
    if (!found) {
      const known = props.registry.models.map(m => `"${m.name}"`).join(', ') || 'none';
      throwIfProblems(this, 'invalid ModelPromotion props', [`modelName ("${props.modelName}") is not a model of the registry ` +
        `${props.registry.node.path} (models: ${known}): only registered versions can be approved and promoted; add it with registry.addModel first`]);
    }
    return found;
  }

  private problems(props: ModelPromotionProps, parameterName: string, pipelineName: string, crossAccount: boolean): string[] {
    const stack = Stack.of(this);
    const p = props.production;
    const problems = [
      ...stackNameProblems('staging.stackName', props.staging.stackName),
      ...stackNameProblems('production.stackName', p.stackName),
      ...endpointNameProblems('staging.endpointName', props.staging.endpointName),
      ...endpointNameProblems('production.endpointName', p.endpointName),
      ...templateFileProblems('staging.templateFile', props.staging.templateFile),
      ...templateFileProblems('production.templateFile', p.templateFile),
      ...(p.account === undefined ? [] : singleAccountIdProblems('production.account', p.account)),
    ];
    if (!crossAccount && props.staging.stackName === p.stackName) {
      problems.push(`staging.stackName and production.stackName are both "${p.stackName}" in one account: production would redeploy staging; name them apart`);
    }
    if (isResolved(parameterName) && !PARAMETER_NAME_PATTERN.test(parameterName)) {
      problems.push(`parameterName ("${parameterName}") must be 1 to 255 letters and digits, as CloudFormation parameter names are`);
    }
    if (isResolved(pipelineName) && !PIPELINE_NAME_PATTERN.test(pipelineName)) {
      problems.push(`pipelineName ("${pipelineName}") must be 1 to 100 letters, digits and . @ _ -`);
    }
    if (props.smokeTest.payload.length === 0) {
      problems.push('smokeTest.payload is empty: give a request the model answers, e.g. \'{"instances": [[0.1, 3, 7]]}\'');
    }
    if (props.approvalTopic && props.approvalEmails) {
      problems.push('approvalTopic and approvalEmails cannot be combined: subscribe the addresses to your topic, or drop approvalTopic');
    }
    const registryEnv = props.registry.encryptionKey.env;
    for (const dim of ['account', 'region'] as const) {
      const ours = stack[dim];
      const theirs = registryEnv[dim];
      if (isResolved(ours) && isResolved(theirs) && ours !== theirs) {
        problems.push(`the pipeline's ${dim} (${ours}) differs from the registry's (${theirs}): SageMaker sends approval events in the registry's ` +
          'account and region only; define the promotion in a stack there');
      }
    }
    if (p.account !== undefined && crossAccount) {
      if (!isResolved(stack.account)) {
        problems.push(`production.account (${p.account}) needs the pipeline's stack to have an explicit env.account, for the cross-account roles and keys`);
      }
      if (!p.actionRole || !p.deploymentRole) {
        problems.push(`production.account (${p.account}) is another account, so production.actionRole and production.deploymentRole are required: ` +
          'create them in a stack of that account with ModelPromotion.productionRoles and pass them here');
      }
      for (const [name, role] of [['actionRole', p.actionRole], ['deploymentRole', p.deploymentRole]] as const) {
        const account = role?.env.account;
        if (role && account !== undefined && isResolved(account) && account !== p.account) {
          problems.push(`production.${name} (${role.node.path}) is in account ${account}, not in production.account (${p.account})`);
        }
      }
      const consumers = consumerAccountsOf(props.registry, props.modelName);
      if (consumers === undefined) {
        Annotations.of(this).addWarningV2('mlops-stack:promotion-consumer-unchecked',
          `the registry is imported, so whether production.account (${p.account}) is one of its consumerAccounts cannot be checked: without it the ` +
          'production endpoint cannot create its model from the package.');
      } else if (!consumers.includes(p.account)) {
        problems.push(`production.account (${p.account}) is not one of the registry's consumerAccounts (${consumers.join(', ') || 'none'}): ` +
          'the production account could not read the model\'s package, artifacts or images; add it to the registry\'s consumerAccounts');
      }
    }
    if (!crossAccount) {
      if (p.actionRole) {
        problems.push('production.actionRole is for a production in another account; drop it (CodePipeline creates the action role here)');
      }
    }
    return problems;
  }

  private newProject(id: string, description: string, env: Record<string, string>, script: string, timeout: Duration,
    extraEnv: Record<string, unknown> = {}, files?: string[]): codebuild.PipelineProject {
    return new codebuild.PipelineProject(this, id, {
      description,
      encryptionKey: this.encryptionKey,
      environment: { buildImage: BUILD_IMAGE, computeType: codebuild.ComputeType.SMALL },
      environmentVariables: Object.fromEntries(Object.entries(env).map(([k, value]) => [k, { value }])),
      timeout,
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { shell: 'bash', ...extraEnv },
        phases: { build: { commands: [script] } },
        ...(files ? { artifacts: { files } } : {}),
      }),
    });
  }

  /** Server access logs under a bucket policy, as the registry does (log-delivery ACLs need ObjectWriter ownership). */
  private logAccess(): void {
    const cfn = this.artifactBucket.node.defaultChild as s3.CfnBucket;
    cfn.loggingConfiguration = { destinationBucketName: this.accessLogsBucket.bucketName, logFilePrefix: 'artifacts/' };
    this.accessLogsBucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [this.accessLogsBucket.arnForObjects('artifacts/*')],
      conditions: {
        ArnLike: { 'aws:SourceArn': this.artifactBucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      },
    }));
  }

  /** The pipeline is billed to the team that owns the model, as the model's endpoints are. */
  private billToModelOwner(model?: RegisteredModel): void {
    if (!model) {
      return;
    }
    const teamKey = CostAttribution.schemaOf(this).teamKey;
    const owner = CostAttribution.tagsOf(model.repository)[teamKey];
    if (owner !== undefined && !Token.isUnresolved(owner) && CostAttribution.tagsOf(this)[teamKey] !== owner) {
      CostAttribution.apply(this, { tags: { [teamKey]: owner } });
    }
  }

  /**
   * The findings of aws-cdk-lib's own CodePipeline and CodeBuild grants, each scoped to this pipeline's bucket, key,
   * projects or deployed stacks, on every role policy of the promotion (and the production action role).
   */
  private acknowledgeFindings(props: ModelPromotionProps): void {
    const stack = Stack.of(this);
    const policies = this.node.findAll().filter((c): c is iam.Policy => c instanceof iam.Policy);
    const actionRolePolicy = props.production.actionRole?.node.tryFindChild('DefaultPolicy');
    if (actionRolePolicy instanceof iam.Policy) {
      policies.push(actionRolePolicy);
    }
    const artifactsReason = 'CodePipeline\'s artifact grant (aws-cdk-lib): the pipeline\'s own artifact bucket and its objects only, whose keys ' +
      'CodePipeline derives from each execution.';
    const keyReason = 'The grant on the pipeline\'s own key, which encrypts only this pipeline\'s artifacts, build projects and approval topic.';
    const stackReason = 'CodePipeline\'s CloudFormation action reads and changes the one stack it deploys; a stack ARN ends in an ID assigned at creation.';
    for (const policy of policies) {
      const ack = (finding: string, reason: string) => Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
      for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
        ack(`Action::${action}`, artifactsReason);
      }
      ack(`Resource::${nagResource(policy, this.artifactBucket.arnForObjects('*'))}`, artifactsReason);
      ack('Action::kms:ReEncrypt*', keyReason);
      ack('Action::kms:GenerateDataKey*', keyReason);
      ack('Action::cloudformation:DescribeStack*', stackReason);
      ack('Action::cloudformation:GetTemplate*', stackReason);
      const deployed = [[props.staging.stackName, stack.account], [props.production.stackName, props.production.account ?? stack.account]];
      for (const [name, account] of deployed) {
        ack(`Resource::${nagResource(policy, stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${name}/*`, account }))}`, stackReason);
      }
      ack(`Resource::${nagResource(policy, stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.modelPackageGroupName.toLowerCase()}/*` }))}`,
        'Every version of this model\'s package group only: the version promoted is chosen when the pipeline runs.');
      if (Stack.of(policy) !== stack) {
        ack('Resource::*', 'A role of the production account using the pipeline\'s key: its key policy, in the pipeline\'s account, grants this role ' +
          'that one key, and a role policy cannot name a key of another account before it is deployed.');
        continue;
      }
      for (const project of [this.resolveProject, this.smokeTestProject]) {
        const logs = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/codebuild/${project.projectName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
        ack(`Resource::${nagResource(policy, logs)}`, 'CodeBuild names each build\'s log stream after the build ID, in this project\'s log group only.');
        const reports = stack.formatArn({ service: 'codebuild', resource: 'report-group', resourceName: `${project.projectName}-*` });
        ack(`Resource::${nagResource(policy, reports)}`, 'aws-cdk-lib\'s default grant on the report groups named after this project only; the builds create none.');
      }
    }
  }
}

function stackNameProblems(what: string, name: string): string[] {
  return isResolved(name) && !STACK_NAME_PATTERN.test(name)
    ? [`${what} ("${name}") must be 1 to 128 letters, digits and hyphens, starting with a letter, as CloudFormation stack names are`]
    : [];
}

function endpointNameProblems(what: string, name: string): string[] {
  return isResolved(name) && !ENDPOINT_NAME_PATTERN.test(name)
    ? [`${what} ("${name}") must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit, as endpoint names are`]
    : [];
}

function templateFileProblems(what: string, file: string): string[] {
  return isResolved(file) && (file === '' || file.startsWith('/') || file.split('/').includes('..'))
    ? [`${what} ("${file}") must be a path inside the templates archive, without a leading / or .., e.g. "FraudStaging.template.json"`]
    : [];
}

function registryEnvOf(registry: IModelRegistry): { account?: string; region?: string } {
  const env = registry.encryptionKey.env;
  return { account: env.account, region: env.region };
}

function groupArnOf(scope: Construct, registry: IModelRegistry, modelName: string): string {
  return Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: modelName.toLowerCase(), ...registryEnvOf(registry) });
}

function packagesArnOf(scope: Construct, registry: IModelRegistry, modelName: string): string {
  return Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${modelName.toLowerCase()}/*`, ...registryEnvOf(registry) });
}

/**
 * The accounts the package group's resource policy lets create models, which the registry writes for its
 * `consumerAccounts`; undefined for an imported registry, whose policy is not known here.
 */
function consumerAccountsOf(registry: IModelRegistry, modelName: string): string[] | undefined {
  if (!(registry instanceof ModelRegistry)) {
    return undefined;
  }
  const model = registry.models.find(m => m.name.toLowerCase() === modelName.toLowerCase());
  const policy = model?.modelPackageGroup.modelPackageGroupPolicy;
  if (!model || !policy) {
    return [];
  }
  const rendered = JSON.stringify(Stack.of(model.modelPackageGroup).resolve(policy));
  return [...new Set([...rendered.matchAll(/:iam::(\d{12}):root/g)].map(m => m[1]))];
}
