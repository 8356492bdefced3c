import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  type BootstrapRoleKind, bootstrapRoleArns, DEFAULT_QUALIFIER, githubPrincipal, githubProvider, providerProblems, secondProviderProblems,
  sessionDurationProblems,
} from './private/github-oidc';
import { accountProblems, qualifierProblems, regionProblems, repositoryProblems, roleNameProblems } from './private/validation';
import { throwIfProblems } from '../private/errors';

/**
 * `cdk diff --no-change-set` reads the deployed templates through the bootstrap lookup role, which
 * `cdk bootstrap` gives read-only access (and denies KMS decryption). The deploy role is not needed, and must not
 * be reachable from a pull request.
 */
const DIFF_ROLES: readonly BootstrapRoleKind[] = ['lookup'];

/**
 * Properties of a {@link GitHubDiffRole}.
 */
export interface GitHubDiffRoleProps {
  /**
   * The GitHub repository whose pull-request workflows may assume the role, as `owner/name`, spelt as GitHub
   * spells it: IAM compares the token's `sub` claim case-sensitively.
   *
   * @see https://docs.github.com/en/actions/reference/security/oidc
   */
  readonly repository: string;

  /**
   * The account's IAM OIDC provider for `token.actions.githubusercontent.com`. IAM keeps at most one per account:
   * pass the deploy role's (`deployRole.provider`) or {@link GitHubDeployRole.accountProvider} when the account
   * has one.
   *
   * @default - a new provider for `https://token.actions.githubusercontent.com` with client ID `sts.amazonaws.com`
   */
  readonly provider?: iam.IOpenIdConnectProvider;

  /**
   * AWS accounts whose deployed stacks `cdk diff` compares with. Each must be bootstrapped with the qualifier
   * below and, when it is not the account of this stack, trust this account for lookups
   * (`cdk bootstrap --trust-for-lookup <this account>`).
   *
   * @default - the account of this stack
   * @see https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
   */
  readonly targetAccounts?: string[];

  /**
   * AWS regions of the deployed stacks, in each of {@link targetAccounts}.
   *
   * @default - the region of this stack
   */
  readonly targetRegions?: string[];

  /**
   * The qualifier the target environments were bootstrapped with (`cdk bootstrap --qualifier`).
   *
   * @default - the qualifier of this stack's synthesizer: the `@aws-cdk/core:bootstrapQualifier` context value
   *   or `hnb659fds`
   */
  readonly qualifier?: string;

  /**
   * Allow `sts:TagSession` on the lookup roles as well as `sts:AssumeRole`, for a synthesizer that passes session
   * tags (`lookupRoleAdditionalOptions` with `Tags`).
   *
   * @default false
   */
  readonly sessionTags?: boolean;

  /**
   * Allow `ce:GetCostAndUsage`, which `mlops-cost-report` calls for the per-team report (and its root-cause
   * drill-downs). Cost Explorer has no resource-level permission for it: the statement's resource is `*`.
   *
   * @default true
   * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscostexplorerservice.html
   */
  readonly costReport?: boolean;

  /**
   * Allow `ce:GetAnomalies` too, for `mlops-cost-report --aws-anomalies`: the findings of every anomaly monitor
   * of the account.
   *
   * @default false
   */
  readonly awsAnomalies?: boolean;

  /**
   * How long the workflow's credentials last.
   *
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;

  /**
   * Name of the role, so the workflow can name its ARN before the stack is deployed.
   *
   * @default - a name CloudFormation generates; read it from {@link GitHubDiffRole.role}
   */
  readonly roleName?: string;
}

/**
 * The read-only IAM role a GitHub Actions pull-request workflow assumes, with OpenID Connect, to run
 * `cdk diff --no-change-set` and the cost report: trusted only for pull-request tokens of one repository
 * (subject `repo:<owner>/<name>:pull_request`), allowed only to assume the CDK bootstrap lookup roles of the
 * target environments and to read Cost Explorer.
 *
 * GitHub gives pull requests from forks no OIDC token, so the role is reachable from pull requests of branches
 * in the repository itself: anyone who can push a branch there can run code with it. That is why it can change
 * nothing. It can still read what the lookup role reads (`cdk bootstrap` attaches `ReadOnlyAccess` to it) and the
 * account's costs: give write access to the repository accordingly.
 *
 * The trust policy is the one {@link GitHubDeployRole} uses (audience `sts.amazonaws.com`, the subject matched
 * exactly), and the two roles share the account's single GitHub provider: pass `provider: deployRole.provider`.
 *
 * @see https://docs.github.com/en/actions/reference/security/oidc
 * @example
 * const deploy = new GitHubDeployRole(stack, 'GitHubDeploy', { repository: 'octo-org/mlops-platform', branches: ['main'] });
 * const diff = new GitHubDiffRole(stack, 'GitHubDiff', { repository: 'octo-org/mlops-platform', provider: deploy.provider });
 * // In pull-request.yml: aws-actions/configure-aws-credentials with role-to-assume set to diff.role.roleArn
 */
export class GitHubDiffRole extends Construct {
  /** The role the pull-request workflow assumes. */
  public readonly role: iam.Role;
  /** The GitHub OIDC provider the role trusts: the new one, or the one given. */
  public readonly provider: iam.IOpenIdConnectProvider;
  /** The token subject (`sub` claim) the role accepts: `repo:<owner>/<name>:pull_request`. */
  public readonly subject: string;
  /** The bootstrap role qualifier. */
  public readonly qualifier: string;
  /** ARNs of the bootstrap lookup roles the role may assume: one per target account and region. */
  public readonly lookupRoleArns: string[];

  constructor(scope: Construct, id: string, props: GitHubDiffRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const accounts = props.targetAccounts ?? [stack.account];
    const regions = props.targetRegions ?? [stack.region];
    this.qualifier = props.qualifier ?? stack.synthesizer.bootstrapQualifier ?? DEFAULT_QUALIFIER;
    const maxSessionDuration = props.maxSessionDuration ?? Duration.hours(1);
    throwIfProblems(this, 'invalid GitHubDiffRole properties', [
      ...repositoryProblems(props.repository),
      ...qualifierProblems(this.qualifier),
      ...(props.targetAccounts?.length === 0 ? ['targetAccounts must not be empty; leave it out to compare with this stack\'s account'] : []),
      ...accountProblems(accounts),
      ...(props.targetRegions?.length === 0 ? ['targetRegions must not be empty; leave it out to compare with this stack\'s region'] : []),
      ...regionProblems(regions),
      ...sessionDurationProblems(maxSessionDuration),
      ...roleNameProblems(props.roleName),
      ...providerProblems(props.provider),
      ...secondProviderProblems(this, props.provider),
      ...(props.costReport === false && props.awsAnomalies ? ['awsAnomalies needs costReport: --aws-anomalies is an option of the cost report'] : []),
    ]);

    this.provider = githubProvider(this, props.provider);
    this.subject = `repo:${props.repository}:pull_request`;
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `GitHub Actions pull-request role of ${props.repository}: read-only (CDK lookup roles, Cost Explorer)`,
      assumedBy: githubPrincipal(this.provider, [this.subject]),
      maxSessionDuration,
    });

    this.lookupRoleArns = bootstrapRoleArns(this, { accounts, regions, qualifier: this.qualifier }, DIFF_ROLES);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'AssumeCdkLookupRoles',
      actions: props.sessionTags ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'],
      resources: this.lookupRoleArns,
    }));
    const costActions = [
      ...(props.costReport === false ? [] : ['ce:GetCostAndUsage']),
      ...(props.awsAnomalies ? ['ce:GetAnomalies'] : []),
    ];
    if (costActions.length > 0) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadCostExplorer', actions: costActions, resources: ['*'] }));
      Validations.of(this.role.node.findChild('DefaultPolicy')).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Cost Explorer reads only: ce:GetCostAndUsage has no resource-level permissions, and ce:GetAnomalies (with awsAnomalies) ' +
          'reads the findings of every monitor of the account, as the report does',
      });
    }
  }
}
