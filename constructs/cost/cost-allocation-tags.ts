import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { CostAttribution } from './cost-attribution';
import { ACTIVATE_TAGS_HANDLER } from './private/activate-tags-handler';
import type { TagSchema } from '../../src/tags/tag-schema';
import { throwIfProblems } from '../private/errors';
import { nagResource } from '../private/nag';

/**
 * Properties of {@link CostAllocationTags}.
 */
export interface CostAllocationTagsProps {
  /**
   * The schema whose keys are activated.
   *
   * @default - the schema applied with CostAttribution at this scope (`TagSchema.DEFAULT` if none)
   */
  readonly schema?: TagSchema;

  /**
   * The keys to activate; each must be a key of the schema.
   *
   * @default - every key of the schema
   */
  readonly tagKeys?: string[];

  /**
   * How long the handler's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Activates the tag schema's keys as cost allocation tags, so Cost Explorer, budgets, anomaly monitors and the
 * billing export can filter and group by them (Cost Explorer cannot group by a tag that is not active).
 *
 * A custom resource calls Cost Explorer's `UpdateCostAllocationTagsStatus` with every key `Active` on create and
 * update; activating an active tag is a no-op, so the resource is idempotent. The deploy fails, naming each key
 * and the service's reason, when a key cannot be activated: a key appears for activation only after resources
 * have carried it (up to 24 hours), and only the management (payer) account may activate tags. Deleting the
 * resource leaves the tags active.
 *
 * @see https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html
 */
export class CostAllocationTags extends Construct {
  /** The keys activated. */
  public readonly tagKeys: readonly string[];
  /** The custom resource. */
  public readonly resource: CustomResource;
  /** The handler calling Cost Explorer. */
  public readonly handler: lambda.Function;

  constructor(scope: Construct, id: string, props: CostAllocationTagsProps = {}) {
    super(scope, id);
    const schema = props.schema ?? CostAttribution.schemaOf(this);
    const keys = props.tagKeys ?? schema.keys.map(k => k.key);
    const problems: string[] = [];
    if (keys.length === 0) {
      problems.push('tagKeys is empty; give at least one key of the tag schema, or leave tagKeys out to activate all of them');
    }
    for (const key of keys) {
      if (!schema.hasKey(key)) {
        problems.push(`tagKeys contains "${key}", which is not a key of the tag schema; allowed keys: ${schema.keys.map(k => k.key).join(', ')}`);
      }
    }
    if (new Set(keys).size !== keys.length) {
      problems.push(`tagKeys (${keys.join(', ')}) lists a key twice; list each once`);
    }
    throwIfProblems(this, 'invalid CostAllocationTags props', problems);
    this.tagKeys = [...keys];

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Activates cost allocation tags for ${this.node.path}`,
    });
    const policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({ actions: ['ce:UpdateCostAllocationTagsStatus'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}`] }),
      ],
    });
    role.attachInlinePolicy(policy);
    this.handler = new lambda.Function(this, 'Handler', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(ACTIVATE_TAGS_HANDLER),
      role,
      logGroup,
      timeout: Duration.minutes(1),
      description: 'Activates the tag schema\'s cost allocation tags (UpdateCostAllocationTagsStatus)',
    });
    this.handler.node.addDependency(policy);

    const frameworkLogs = new logs.LogGroup(this, 'ProviderLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: this.handler, logGroup: frameworkLogs });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CostAllocationTags',
      properties: { TagKeys: this.tagKeys },
    });
    this.acknowledge(policy, provider, logGroup);
  }

  private acknowledge(policy: iam.Policy, provider: cr.Provider, logGroup: logs.LogGroup): void {
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ce:UpdateCostAllocationTagsStatus has no resource-level permission (Cost Explorer acts on the account); the policy grants that one action only',
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(this, logGroup.logGroupArn)}]`,
      reason: 'The ARN of the handler\'s own log group ends in :* to cover its log streams; nothing else is writable',
    });
    const framework = provider.node.findChild('framework-onEvent');
    Validations.of(framework).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The custom-resource framework function of aws-cdk-lib writes only its own logs with the basic execution role',
    });
    Validations.of(framework).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.handler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'The framework may invoke every version of this construct\'s handler function and nothing else',
    });
  }
}
