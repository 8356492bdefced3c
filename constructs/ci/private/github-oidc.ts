import { type Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { isResolved } from '../../private/tokens';

/** The issuer of GitHub Actions' OIDC tokens, as IAM names it in condition keys and provider ARNs. */
export const GITHUB_ISSUER = 'token.actions.githubusercontent.com';
/** The audience `aws-actions/configure-aws-credentials` asks GitHub to put in the token. */
export const STS_AUDIENCE = 'sts.amazonaws.com';
/** The qualifier `cdk bootstrap` uses unless told otherwise. */
export const DEFAULT_QUALIFIER = 'hnb659fds';

/**
 * The roles `cdk bootstrap` creates in each environment for the CDK CLI to assume: CloudFormation changes, file
 * assets, container image assets and context lookups (and reading deployed templates, for `cdk diff`).
 *
 * @see https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
 */
export type BootstrapRoleKind = 'deploy' | 'file-publishing' | 'image-publishing' | 'lookup';

/** Where the CDK CLI's bootstrap roles are: one set per account and region. */
export interface BootstrapTargets {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly qualifier: string;
}

/** ARNs of the given bootstrap roles in every target account and region, by the bootstrap template's names. */
export function bootstrapRoleArns(scope: Construct, targets: BootstrapTargets, kinds: readonly BootstrapRoleKind[]): string[] {
  const partition = Stack.of(scope).partition;
  return targets.accounts.flatMap(account => targets.regions.flatMap(region => kinds.map(kind =>
    `arn:${partition}:iam::${account}:role/cdk-${targets.qualifier}-${kind}-role-${account}-${region}`)));
}

/** The provider given, or the account's GitHub OIDC provider, new. */
export function githubProvider(scope: Construct, provider: iam.IOpenIdConnectProvider | undefined): iam.IOpenIdConnectProvider {
  return provider ?? new iam.OidcProviderNative(scope, 'Provider', {
    url: `https://${GITHUB_ISSUER}`,
    clientIds: [STS_AUDIENCE],
    // No thumbprints: IAM verifies GitHub's token signing keys through its own library of trusted root CAs.
  });
}

/**
 * Trust in tokens of the GitHub OIDC provider whose audience is STS and whose subject is exactly one of
 * `subjects`: `StringEquals`, so no wildcard in a subject can widen it.
 */
export function githubPrincipal(provider: iam.IOpenIdConnectProvider, subjects: readonly string[]): iam.IPrincipal {
  return new iam.OpenIdConnectPrincipal(provider, {
    StringEquals: {
      [`${GITHUB_ISSUER}:aud`]: STS_AUDIENCE,
      [`${GITHUB_ISSUER}:sub`]: [...subjects],
    },
  });
}

export function sessionDurationProblems(duration: Duration): string[] {
  if (duration.isUnresolved()) {
    return [];
  }
  const seconds = duration.toSeconds({ integral: false });
  if (seconds < 3600 || seconds > 43200) {
    return [`maxSessionDuration (${duration.toHumanString()}) must be between 1 and 12 hours, IAM's range for a role`];
  }
  return [];
}

export function providerProblems(provider: iam.IOpenIdConnectProvider | undefined): string[] {
  if (provider === undefined) {
    return [];
  }
  const issuer = provider.openIdConnectProviderIssuer;
  if (!isResolved(issuer) || issuer === GITHUB_ISSUER) {
    return [];
  }
  return [`provider's issuer (${JSON.stringify(issuer)}) must be ${GITHUB_ISSUER}, the issuer of GitHub Actions' OIDC tokens ` +
    '(GitHub Enterprise Server and per-enterprise issuer URLs are not supported)'];
}

/**
 * A second new GitHub provider in a stack, or in another stack of the same known account, would fail at deploy
 * time: IAM keeps one provider per issuer URL in an account (`EntityAlreadyExists`).
 */
export function secondProviderProblems(scope: Construct, provider: iam.IOpenIdConnectProvider | undefined): string[] {
  if (provider !== undefined) {
    return [];
  }
  const stack = Stack.of(scope);
  const sameAccount = (other: Stack) => other === stack || (isResolved(stack.account) && other.account === stack.account);
  const existing = scope.node.root.node.findAll().find(c => c instanceof iam.CfnOIDCProvider &&
    c.url === `https://${GITHUB_ISSUER}` && sameAccount(Stack.of(c)));
  if (existing === undefined) {
    return [];
  }
  // A provider made by OidcProviderNative is named by that construct, a raw CfnOIDCProvider by itself.
  const owner = existing.node.scope instanceof iam.OidcProviderNative ? existing.node.scope : existing;
  return [`provider is not given, but ${owner.node.path} already creates the GitHub OIDC provider of ` +
    `${Stack.of(existing) === stack ? 'this stack' : `account ${stack.account}`}, and IAM allows one per account: ` +
    'pass it, e.g. provider: deployRole.provider'];
}
