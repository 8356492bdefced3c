import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  type BootstrapRoleKind, bootstrapRoleArns, DEFAULT_QUALIFIER, GITHUB_ISSUER, githubPrincipal, githubProvider, providerProblems,
  secondProviderProblems, sessionDurationProblems,
} from './private/github-oidc';
import { throwIfProblems } from '../private/errors';
import {
  accountProblems, branchProblems, environmentProblems, qualifierProblems, regionProblems, repositoryProblems, roleNameProblems,
} from './private/validation';

/**
 * The bootstrap roles the CDK CLI assumes to deploy. The CloudFormation execution role is not among them:
 * CloudFormation assumes it, passed by the deploy role.
 */
const DEPLOY_ROLES: readonly BootstrapRoleKind[] = ['deploy', 'file-publishing', 'image-publishing', 'lookup'];

/**
 * Properties of a {@link GitHubDeployRole}.
 */
export interface GitHubDeployRoleProps {
  /**
   * The GitHub repository whose workflows may assume the role, as `owner/name`, spelt as GitHub spells it:
   * IAM compares the token's `sub` claim case-sensitively.
   *
   * @see https://docs.github.com/en/actions/reference/security/oidc
   */
  readonly repository: string;

  /**
   * Branches whose workflow runs may assume the role: a token whose subject is
   * `repo:<owner>/<name>:ref:refs/heads/<branch>`. GitHub gives this subject only to jobs that do not reference an
   * environment and are not triggered by a pull request; a job with `environment:` is matched by
   * {@link environments} instead. Exact names (`main`), no wildcards.
   *
   * @default - no branch: at least one of `branches` and `environments` must be given
   * @see https://docs.github.com/en/actions/reference/security/oidc
   */
  readonly branches?: string[];

  /**
   * GitHub deployment environments whose jobs may assume the role: a token whose subject is
   * `repo:<owner>/<name>:environment:<environment>`. Prefer this for production: the environment's protection
   * rules (required reviewers, allowed branches) then gate who gets the role.
   *
   * @default - no environment: at least one of `branches` and `environments` must be given
   * @see https://docs.github.com/en/actions/how-tos/deploy/configure-and-manage-deployments/manage-environments
   */
  readonly environments?: string[];

  /**
   * The account's IAM OIDC provider for `token.actions.githubusercontent.com`, when it exists already. IAM keeps
   * at most one provider per issuer URL in an account, so a second stack that creates one fails
   * (`EntityAlreadyExists`): when the account has one (another app's deploy role, one made in the console or by
   * another tool), import it, e.g. with {@link GitHubDeployRole.accountProvider}. Its client ID list must include
   * `sts.amazonaws.com`.
   *
   * @default - a new provider (`AWS::IAM::OIDCProvider`) for `https://token.actions.githubusercontent.com` with
   *   client ID `sts.amazonaws.com`
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
   */
  readonly provider?: iam.IOpenIdConnectProvider;

  /**
   * AWS accounts the workflow deploys to. Each must be bootstrapped with the qualifier below and, when it is not
   * the account of this stack, trust this stack's account (`cdk bootstrap --trust <this account>`).
   *
   * @default - the account of this stack
   * @see https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
   */
  readonly targetAccounts?: string[];

  /**
   * AWS regions the workflow deploys to, in each of {@link targetAccounts}. The bootstrap roles are per region.
   *
   * @default - the region of this stack
   */
  readonly targetRegions?: string[];

  /**
   * The qualifier the target environments were bootstrapped with (`cdk bootstrap --qualifier`); it is part of
   * the bootstrap role names.
   *
   * @default - the qualifier of this stack's synthesizer: the `@aws-cdk/core:bootstrapQualifier` context value
   *   or `hnb659fds`
   * @see https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-customizing.html
   */
  readonly qualifier?: string;

  /**
   * Allow `sts:TagSession` on the bootstrap roles as well as `sts:AssumeRole`. The CDK CLI passes session tags
   * only when the app's synthesizer is given them (`DefaultStackSynthesizer`'s `deployRoleAdditionalOptions`,
   * `fileAssetPublishingRoleAdditionalOptions`, ... with `Tags`, which needs bootstrap version 22); without tags
   * it calls `AssumeRole` alone.
   *
   * @default false
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
   */
  readonly sessionTags?: boolean;

  /**
   * How long the workflow's credentials last. The bootstrap role sessions the CLI makes from them are limited
   * to one hour by role chaining whatever this is, but the CLI renews them with these credentials: raise it
   * when a deployment takes longer than an hour (and set `role-duration-seconds` in the workflow).
   *
   * @default Duration.hours(1)
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html#id_roles_use_view-role-max-session
   */
  readonly maxSessionDuration?: Duration;

  /**
   * Name of the role, so the workflow can name its ARN (`role-to-assume`) before the stack is deployed.
   *
   * @default - a name CloudFormation generates; read it from {@link GitHubDeployRole.role}
   */
  readonly roleName?: string;
}

/**
 * The IAM role a GitHub Actions workflow assumes, with OpenID Connect and no stored AWS keys, to run
 * `cdk deploy`: trusted only for tokens of one repository's given branches or deployment environments, and
 * allowed only to assume the CDK bootstrap roles (deploy, file publishing, image publishing, lookup) of the
 * target accounts and regions. What a deployment may change is what those roles allow (the CloudFormation
 * execution role's policies, chosen at `cdk bootstrap`), not this role.
 *
 * The trust policy allows `sts:AssumeRoleWithWebIdentity` alone, from the GitHub OIDC provider, when the
 * token's audience is `sts.amazonaws.com` and its subject is exactly one of {@link subjects}: no wildcards, so a
 * fork, another repository of the same owner, a pull request or another branch do not match. It assumes the
 * repository's default subject format; a repository or organization that customizes its OIDC subject template
 * produces subjects this role does not match.
 *
 * @see https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws
 * @example
 * const deploy = new GitHubDeployRole(stack, 'GitHubDeploy', {
 *   repository: 'octo-org/mlops-platform',
 *   branches: ['main'],
 *   roleName: 'github-deploy',
 * });
 * // In the workflow: aws-actions/configure-aws-credentials with role-to-assume set to deploy.role.roleArn
 */
export class GitHubDeployRole extends Construct {
  /**
   * The account's existing GitHub OIDC provider, imported by the ARN IAM gives it
   * (`arn:<partition>:iam::<account>:oidc-provider/token.actions.githubusercontent.com`).
   *
   * @param scope where to import it; its stack's account is the provider's
   * @param id construct ID of the import
   */
  public static accountProvider(scope: Construct, id: string): iam.IOpenIdConnectProvider {
    const stack = Stack.of(scope);
    const arn = `arn:${stack.partition}:iam::${stack.account}:oidc-provider/${GITHUB_ISSUER}`;
    return iam.OidcProviderNative.fromOidcProviderArn(scope, id, arn);
  }

  /** The role the workflow assumes. */
  public readonly role: iam.Role;
  /** The GitHub OIDC provider the role trusts: the new one, or the one given. */
  public readonly provider: iam.IOpenIdConnectProvider;
  /** The token subjects (`sub` claims) the role accepts, branches first. */
  public readonly subjects: string[];
  /** The bootstrap role qualifier. */
  public readonly qualifier: string;
  /** ARNs of the bootstrap roles the role may assume: four per target account and region. */
  public readonly bootstrapRoleArns: string[];

  constructor(scope: Construct, id: string, props: GitHubDeployRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const branches = props.branches ?? [];
    const environments = props.environments ?? [];
    const accounts = props.targetAccounts ?? [stack.account];
    const regions = props.targetRegions ?? [stack.region];
    this.qualifier = props.qualifier ?? stack.synthesizer.bootstrapQualifier ?? DEFAULT_QUALIFIER;
    const maxSessionDuration = props.maxSessionDuration ?? Duration.hours(1);
    throwIfProblems(this, 'invalid GitHubDeployRole properties', [
      ...repositoryProblems(props.repository),
      ...(branches.length + environments.length === 0
        ? ['at least one of branches and environments is required: which workflow runs of the repository may deploy, e.g. branches: ["main"]']
        : []),
      ...branchProblems(branches),
      ...environmentProblems(environments),
      ...qualifierProblems(this.qualifier),
      ...(props.targetAccounts?.length === 0 ? ['targetAccounts must not be empty; leave it out to deploy to this stack\'s account'] : []),
      ...accountProblems(accounts),
      ...(props.targetRegions?.length === 0 ? ['targetRegions must not be empty; leave it out to deploy to this stack\'s region'] : []),
      ...regionProblems(regions),
      ...sessionDurationProblems(maxSessionDuration),
      ...roleNameProblems(props.roleName),
      ...providerProblems(props.provider),
      ...secondProviderProblems(this, props.provider),
    ]);

    this.provider = githubProvider(this, props.provider);

    this.subjects = [
      ...branches.map(branch => `repo:${props.repository}:ref:refs/heads/${branch}`),
      ...environments.map(environment => `repo:${props.repository}:environment:${environment}`),
    ];

    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `GitHub Actions deploy role of ${props.repository}: may only assume the CDK bootstrap roles (qualifier ${this.qualifier})`,
      assumedBy: githubPrincipal(this.provider, this.subjects),
      maxSessionDuration,
    });

    this.bootstrapRoleArns = bootstrapRoleArns(this, { accounts, regions, qualifier: this.qualifier }, DEPLOY_ROLES);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'AssumeCdkBootstrapRoles',
      actions: props.sessionTags ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'],
      resources: this.bootstrapRoleArns,
    }));
  }
}

