import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { allows, glob, render, type Deployment } from './policy-evaluator';
import { GitHubDeployRole, MlopsStackError, type GitHubDeployRoleProps } from '../../../constructs';
import { acknowledgements, cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const REPO = 'octo-org/mlops-platform';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const ISSUER = 'token.actions.githubusercontent.com';

function build(props: Partial<GitHubDeployRoleProps> = {}, options: { context?: Record<string, string>; env?: boolean } = {}) {
  const app = new App({ context: options.context });
  const stack = new Stack(app, 'Deploy', options.env === false ? {} : { env: { account: ACCOUNT, region: REGION } });
  const deploy = new GitHubDeployRole(stack, 'GitHubDeploy', { repository: REPO, branches: ['main'], ...props });
  const template = Template.fromStack(stack);
  const logicalId = (c: { node: { defaultChild?: any } }) => stack.getLogicalId(c.node.defaultChild as any);
  const roles = Object.values(template.findResources('AWS::IAM::Role'));
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  expect(roles).toHaveLength(1);
  expect(policies).toHaveLength(1);
  const providerId = props.provider ? undefined : logicalId(deploy.provider as any);
  const deployment: Deployment = { partition: 'aws', accountId: ACCOUNT, region: REGION, refs: providerId ? { [providerId]: PROVIDER_ARN } : {} };
  return {
    stack,
    deploy,
    template,
    deployment,
    trust: roles[0].Properties.AssumeRolePolicyDocument,
    permissions: policies[0].Properties.PolicyDocument,
  };
}

/** The claims GitHub puts in a job's OIDC token, by its documented default subject format. */
interface Job {
  readonly repository?: string;
  /** The ref the workflow runs on (push, workflow_dispatch, schedule, ...). */
  readonly ref?: string;
  readonly environment?: string;
  readonly event?: 'push' | 'pull_request';
  readonly audience?: string;
}

function subject(job: Job): string {
  const repo = job.repository ?? REPO;
  if (job.environment !== undefined) {
    return `repo:${repo}:environment:${job.environment}`;
  }
  if (job.event === 'pull_request') {
    return `repo:${repo}:pull_request`;
  }
  return `repo:${repo}:ref:${job.ref ?? 'refs/heads/main'}`;
}

/** Whether a trust policy lets a job's token assume the role through `federated`. */
function admits(trust: any, job: Job, deployment: Deployment, federated = PROVIDER_ARN): boolean {
  return allows(trust, {
    action: 'sts:AssumeRoleWithWebIdentity',
    federated,
    context: { [`${ISSUER}:aud`]: job.audience ?? 'sts.amazonaws.com', [`${ISSUER}:sub`]: subject(job) },
  }, deployment);
}

const bootstrapRole = (kind: string, account = ACCOUNT, region = REGION, qualifier = 'hnb659fds') =>
  `arn:aws:iam::${account}:role/cdk-${qualifier}-${kind}-role-${account}-${region}`;
const KINDS = ['deploy', 'file-publishing', 'image-publishing', 'lookup'];
const PARTITION_ARN = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

describe('GitHubDeployRole: the provider', () => {
  test('creates the native GitHub OIDC provider for sts.amazonaws.com, with no thumbprints', () => {
    const { template } = build();
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    const [provider] = Object.values(template.findResources('AWS::IAM::OIDCProvider'));
    expect(provider.Properties).toEqual({ Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] });
  });

  test('an existing provider is used, not created: accountProvider() imports the account\'s by its ARN', () => {
    const app = new App();
    const stack = new Stack(app, 'Deploy', { env: { account: ACCOUNT, region: REGION } });
    const provider = GitHubDeployRole.accountProvider(stack, 'GitHubOidc');
    const deploy = new GitHubDeployRole(stack, 'GitHubDeploy', { repository: REPO, branches: ['main'], provider });
    expect(deploy.provider).toBe(provider);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    const principal = role.Properties.AssumeRolePolicyDocument.Statement[0].Principal;
    expect(principal).toEqual({ Federated: PARTITION_ARN(`:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`) });
  });

  test('a provider imported with OpenIdConnectProvider.fromOpenIdConnectProviderArn works the same', () => {
    const stack = new Stack(new App(), 'Deploy', { env: { account: ACCOUNT, region: REGION } });
    const provider = iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'GitHubOidc', PROVIDER_ARN);
    new GitHubDeployRole(stack, 'GitHubDeploy', { repository: REPO, branches: ['main'], provider });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Federated: PROVIDER_ARN });
  });

  test('a second deploy role that would create a second provider in the account is an error', () => {
    const stack = new Stack(new App(), 'Deploy', { env: { account: ACCOUNT, region: REGION } });
    const first = new GitHubDeployRole(stack, 'Production', { repository: REPO, environments: ['production'] });
    expect(() => new GitHubDeployRole(stack, 'Staging', { repository: REPO, environments: ['staging'] }))
      .toThrow(/^Deploy\/Staging: provider is not given, but Deploy\/Production\/Provider already creates/);
    expect(() => new GitHubDeployRole(stack, 'Staging2', { repository: REPO, environments: ['staging'], provider: first.provider })).not.toThrow();
  });

  test('a provider of another issuer is an error', () => {
    const stack = new Stack(new App(), 'Deploy');
    const provider = iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Gitlab', `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com`);
    expect(() => new GitHubDeployRole(stack, 'GitHubDeploy', { repository: REPO, branches: ['main'], provider }))
      .toThrow(/^Deploy\/GitHubDeploy: provider's issuer \("gitlab\.com"\) must be token\.actions\.githubusercontent\.com/);
  });
});

describe('GitHubDeployRole: the trust policy', () => {
  test('is exactly AssumeRoleWithWebIdentity from the provider, for the audience and the branch subject; 1 h sessions', () => {
    const { template, trust, stack, deploy } = build();
    expect(trust.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: { Ref: stack.getLogicalId((deploy.provider as any).node.defaultChild) } },
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': [`repo:${REPO}:ref:refs/heads/main`],
        },
      },
    }]);
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    expect(role.Properties.MaxSessionDuration).toBe(3600);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  test('branches and environments each add their exact subject, branches first', () => {
    const { deploy, trust } = build({ branches: ['main', 'release/2.x'], environments: ['production'] });
    const subjects = [`repo:${REPO}:ref:refs/heads/main`, `repo:${REPO}:ref:refs/heads/release/2.x`, `repo:${REPO}:environment:production`];
    expect(deploy.subjects).toEqual(subjects);
    expect(trust.Statement[0].Condition).toEqual({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com', [`${ISSUER}:sub`]: subjects } });
  });

  test('a token of the repository\'s main branch is admitted; other repositories, branches, events and audiences are not', () => {
    const { trust, deployment } = build();
    expect(admits(trust, {}, deployment)).toBe(true);
    const refused: Array<[string, Job]> = [
      ['another repository of the owner', { repository: 'octo-org/other-repo' }],
      ['a fork (same name, another owner)', { repository: 'attacker/mlops-platform' }],
      ['the repository spelt in another case', { repository: 'Octo-Org/mlops-platform' }],
      ['a repository whose name extends this one', { repository: 'octo-org/mlops-platform-fork' }],
      ['another branch', { ref: 'refs/heads/feature/x' }],
      ['a branch whose name extends main', { ref: 'refs/heads/main-old' }],
      ['a tag named main', { ref: 'refs/tags/main' }],
      ['a pull request', { event: 'pull_request' }],
      ['a job with an environment', { environment: 'production' }],
      ['a token for another audience', { audience: 'https://github.com/octo-org' }],
    ];
    expect(refused.filter(([, job]) => admits(trust, job, deployment)).map(([why]) => why)).toEqual([]);
  });

  test('a token from another identity provider is not admitted, whatever its claims', () => {
    const { trust, deployment } = build();
    expect(admits(trust, {}, deployment, `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com`)).toBe(false);
  });

  test('with environments only, a job of that environment is admitted, a branch push or another environment is not', () => {
    const { trust, deployment } = build({ branches: undefined, environments: ['production'] });
    expect(admits(trust, { environment: 'production' }, deployment)).toBe(true);
    expect(admits(trust, {}, deployment)).toBe(false);
    expect(admits(trust, { environment: 'staging' }, deployment)).toBe(false);
    expect(admits(trust, { environment: 'Production' }, deployment)).toBe(false);
    expect(admits(trust, { environment: 'production', repository: 'octo-org/other-repo' }, deployment)).toBe(false);
  });

  test('the check fails for a wrong wiring: a wildcard subject or a missing subject condition admits other repositories', () => {
    const { trust, deployment } = build();
    const condition = trust.Statement[0].Condition;
    const wildcard = { ...trust, Statement: [{ ...trust.Statement[0], Condition: { StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${ISSUER}:sub`]: 'repo:octo-org/*' } } }] };
    const audienceOnly = { ...trust, Statement: [{ ...trust.Statement[0], Condition: { StringEquals: { [`${ISSUER}:aud`]: condition.StringEquals[`${ISSUER}:aud`] } } }] };
    expect(admits(wildcard, { repository: 'octo-org/other-repo', event: 'pull_request' }, deployment)).toBe(true);
    expect(admits(audienceOnly, { repository: 'attacker/anything' }, deployment)).toBe(true);
    // ... while the construct's own policy refuses both.
    expect(admits(trust, { repository: 'octo-org/other-repo', event: 'pull_request' }, deployment)).toBe(false);
    expect(admits(trust, { repository: 'attacker/anything' }, deployment)).toBe(false);
  });
});

describe('GitHubDeployRole: the permissions', () => {
  test('are exactly sts:AssumeRole on the four bootstrap roles of the stack\'s environment', () => {
    const { permissions, deploy } = build();
    expect(permissions.Statement).toEqual([{
      Sid: 'AssumeCdkBootstrapRoles',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: KINDS.map(kind => PARTITION_ARN(`:iam::${ACCOUNT}:role/cdk-hnb659fds-${kind}-role-${ACCOUNT}-${REGION}`)),
    }]);
    expect(deploy.bootstrapRoleArns).toHaveLength(4);
  });

  test('allow assuming the bootstrap roles and nothing else: not the execution role, other accounts, regions or qualifiers', () => {
    const { permissions, deployment } = build();
    const may = (action: string, resource: string) => allows(permissions, { action, resource }, deployment);
    expect(KINDS.filter(kind => !may('sts:AssumeRole', bootstrapRole(kind)))).toEqual([]);
    const refused = [
      ['sts:AssumeRole', bootstrapRole('cfn-exec')],
      ['sts:AssumeRole', bootstrapRole('deploy', '222222222222')],
      ['sts:AssumeRole', bootstrapRole('deploy', ACCOUNT, 'us-east-1')],
      ['sts:AssumeRole', bootstrapRole('deploy', ACCOUNT, REGION, 'other')],
      ['sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/Admin`],
      ['sts:TagSession', bootstrapRole('deploy')],
      ['iam:PassRole', bootstrapRole('deploy')],
      ['cloudformation:CreateStack', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Any/1`],
    ];
    expect(refused.filter(([action, resource]) => may(action, resource))).toEqual([]);
    // A wrong wiring is caught: a wildcard on the role name would let the workflow assume any role of the account.
    const wildcard = { ...permissions, Statement: [{ ...permissions.Statement[0], Resource: PARTITION_ARN(`:iam::${ACCOUNT}:role/*`) }] };
    expect(allows(wildcard, { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/Admin` }, deployment)).toBe(true);
  });

  test('cover every target account and region', () => {
    const { permissions, deploy, stack, deployment } = build({ targetAccounts: ['222222222222', '333333333333'], targetRegions: ['eu-west-1', 'us-east-1'] });
    const expected = ['222222222222', '333333333333'].flatMap(a => ['eu-west-1', 'us-east-1'].flatMap(r => KINDS.map(k => bootstrapRole(k, a, r))));
    expect(deploy.bootstrapRoleArns.map(arn => render(stack.resolve(arn), deployment))).toEqual(expected);
    expect(permissions.Statement[0].Resource.map((r: unknown) => render(r, deployment))).toEqual(expected);
    expect(allows(permissions, { action: 'sts:AssumeRole', resource: bootstrapRole('deploy', '333333333333', 'us-east-1') }, deployment)).toBe(true);
    // The stack's own account is a target only when listed.
    expect(allows(permissions, { action: 'sts:AssumeRole', resource: bootstrapRole('deploy') }, deployment)).toBe(false);
  });

  test('an environment-agnostic stack targets its own account and region as deploy-time values', () => {
    const { permissions } = build({}, { env: false });
    const join = (kind: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:role/cdk-hnb659fds-${kind}-role-`,
        { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]],
    });
    expect(permissions.Statement[0].Resource).toEqual(KINDS.map(join));
  });

  test('the qualifier comes from the prop, else from the app\'s bootstrap qualifier context', () => {
    expect(build({ qualifier: 'mlops' }).deploy.bootstrapRoleArns[0]).toMatch(/:role\/cdk-mlops-deploy-role-111111111111-eu-west-1$/);
    const fromContext = build({}, { context: { '@aws-cdk/core:bootstrapQualifier': 'platform1' } });
    expect(fromContext.deploy.qualifier).toBe('platform1');
    expect(allows(fromContext.permissions, { action: 'sts:AssumeRole', resource: bootstrapRole('deploy', ACCOUNT, REGION, 'platform1') }, fromContext.deployment)).toBe(true);
    expect(allows(fromContext.permissions, { action: 'sts:AssumeRole', resource: bootstrapRole('deploy') }, fromContext.deployment)).toBe(false);
  });

  test('sessionTags adds sts:TagSession on the same roles', () => {
    const { permissions, deployment } = build({ sessionTags: true });
    expect(permissions.Statement[0].Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(allows(permissions, { action: 'sts:TagSession', resource: bootstrapRole('lookup') }, deployment)).toBe(true);
  });

  test('roleName and maxSessionDuration are passed to the role', () => {
    const { template } = build({ roleName: 'github-deploy', maxSessionDuration: Duration.hours(2) });
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    expect(role.Properties).toMatchObject({ RoleName: 'github-deploy', MaxSessionDuration: 7200 });
  });
});

describe('GitHubDeployRole: validation', () => {
  const error = (props: Partial<GitHubDeployRoleProps>, context?: Record<string, string>) => {
    try {
      build(props, { context });
    } catch (e) {
      return e;
    }
    return undefined;
  };

  test('errors are the library\'s error type, carrying the construct path', () => {
    const e = error({ repository: 'mlops-platform' });
    expect(e).toBeInstanceOf(MlopsStackError);
    expect((e as MlopsStackError).path).toBe('Deploy/GitHubDeploy');
  });

  test.each([
    ['no slash', 'mlops-platform'],
    ['a URL', 'https://github.com/octo-org/mlops-platform'],
    ['three parts', 'octo-org/mlops/platform'],
    ['an owner starting with a hyphen', '-octo/mlops-platform'],
    ['a name with a space', 'octo-org/mlops platform'],
    ['a wildcard', 'octo-org/*'],
  ])('repository as %s is an error', (_, repository) => {
    expect(() => build({ repository })).toThrow(new RegExp(`^Deploy/GitHubDeploy: repository \\(${JSON.stringify(repository).replace(/[.*+?/()[\]]/g, '\\$&')}\\) must be "owner/name"`));
  });

  test('repository with .git is an error that names the fix', () => {
    expect(() => build({ repository: 'octo-org/mlops-platform.git' })).toThrow(/repository \("octo-org\/mlops-platform\.git"\) must name the repository without "\.git": "octo-org\/mlops-platform"/);
  });

  test('a missing repository is an error', () => {
    expect(() => build({ repository: undefined as any })).toThrow(/^Deploy\/GitHubDeploy: repository is required/);
  });

  test('neither branches nor environments is an error', () => {
    expect(() => build({ branches: [] })).toThrow(/^Deploy\/GitHubDeploy: at least one of branches and environments is required/);
    expect(() => build({ branches: undefined, environments: [] })).toThrow(/at least one of branches and environments is required/);
  });

  test.each([
    ['refs/heads/main', /branches\[0\] \("refs\/heads\/main"\) must be a branch name without "refs\/heads\/"/],
    ['release/*', /branches\[0\] \("release\/\*"\) must be one branch: wildcards are not supported/],
    ['my branch', /branches\[0\] \("my branch"\) must be a branch name git accepts/],
    ['a..b', /branches\[0\] \("a\.\.b"\) must be a branch name git accepts/],
    ['feature/x.lock', /must be a branch name git accepts/],
    ['feature//x', /must be a branch name git accepts/],
    ['-main', /must be a branch name git accepts/],
    ['main.', /must be a branch name git accepts/],
    ['.hidden', /must be a branch name git accepts/],
    ['a:b', /must be a branch name git accepts/],
    ['', /branches\[0\] \(""\) must be a branch name git accepts/],
  ])('branch %j is an error', (branch, message) => {
    expect(() => build({ branches: [branch] })).toThrow(message);
  });

  test('a branch listed twice is an error', () => {
    expect(() => build({ branches: ['main', 'main'] })).toThrow(/branches lists "main" twice/);
  });

  test.each([
    ['a wildcard', 'prod*', /environments\[0\] \("prod\*"\) must be one environment: wildcards are not supported/],
    ['empty', '', /environments\[0\] \(""\) must be a GitHub environment name: 1 to 255 characters/],
    ['with a leading space', ' production', /must be a GitHub environment name/],
    ['of 256 characters', 'x'.repeat(256), /must be a GitHub environment name: 1 to 255 characters/],
    ['with a control character', 'prod\nuction', /must be a GitHub environment name/],
  ])('an environment %s is an error', (_, environment, message) => {
    expect(() => build({ environments: [environment] })).toThrow(message);
  });

  test('an environment listed twice is an error', () => {
    expect(() => build({ environments: ['production', 'production'] })).toThrow(/environments lists "production" twice/);
  });

  test.each(['toolongqualifier', 'with space', 'a.b', ''])('qualifier %j is an error, from the prop or the context', qualifier => {
    const message = new RegExp(`qualifier \\(${JSON.stringify(qualifier).replace(/[.]/g, '\\.')}\\) must be 1 to 10 letters, digits, "_" or "-"`);
    expect(() => build({ qualifier })).toThrow(message);
    if (qualifier !== '') {
      expect(() => build({}, { context: { '@aws-cdk/core:bootstrapQualifier': qualifier } })).toThrow(message);
    }
  });

  test.each(['11111111111', '1111111111111', '11111111111a', 'default'])('target account %j is an error', account => {
    expect(() => build({ targetAccounts: [account] })).toThrow(new RegExp(`targetAccounts\\[0\\] \\("${account}"\\) must be a 12-digit AWS account ID`));
  });

  test('an empty or repeated target account list is an error', () => {
    expect(() => build({ targetAccounts: [] })).toThrow(/targetAccounts must not be empty/);
    expect(() => build({ targetAccounts: [ACCOUNT, ACCOUNT] })).toThrow(/targetAccounts lists "111111111111" twice/);
  });

  test.each(['EU-WEST-1', 'eu-west', 'euwest1', '*'])('target region %j is an error', region => {
    expect(() => build({ targetRegions: [region] })).toThrow(new RegExp(`targetRegions\\[0\\] \\("${region.replace('*', '\\*')}"\\) must be an AWS region code`));
  });

  test('an empty target region list is an error; partitions other than aws are accepted', () => {
    expect(() => build({ targetRegions: [] })).toThrow(/targetRegions must not be empty/);
    expect(() => build({ targetRegions: ['us-gov-west-1', 'cn-northwest-1', 'ap-southeast-5'] })).not.toThrow();
  });

  test.each([Duration.minutes(30), Duration.hours(13)])('maxSessionDuration %s is an error', duration => {
    expect(() => build({ maxSessionDuration: duration })).toThrow(/maxSessionDuration \(.+\) must be between 1 and 12 hours/);
  });

  test('an invalid roleName is an error', () => {
    expect(() => build({ roleName: 'github deploy' })).toThrow(/roleName \("github deploy"\) must be 1 to 64 letters/);
    expect(() => build({ roleName: 'r'.repeat(65) })).toThrow(/roleName \("r+"\) must be 1 to 64/);
  });

  test('every problem is reported at once', () => {
    expect(() => build({ repository: 'mlops-platform', branches: ['release/*'], targetAccounts: ['123'] }))
      .toThrow(/^Deploy\/GitHubDeploy: invalid GitHubDeployRole properties:\n {2}- repository .*\n {2}- branches\[0\] .*\n {2}- targetAccounts\[0\] /);
  });

  test('values known only at deploy time are not checked', () => {
    const stack = new Stack(new App(), 'Deploy', { env: { account: ACCOUNT, region: REGION } });
    const repository = new CfnParameter(stack, 'Repository').valueAsString;
    const branch = new CfnParameter(stack, 'Branch').valueAsString;
    const account = new CfnParameter(stack, 'Account').valueAsString;
    const deploy = new GitHubDeployRole(stack, 'GitHubDeploy', { repository, branches: [branch], targetAccounts: [account] });
    expect(stack.resolve(deploy.subjects)).toEqual([{ 'Fn::Join': ['', ['repo:', { Ref: 'Repository' }, ':ref:refs/heads/', { Ref: 'Branch' }]] }]);
  });
});

describe('the policy evaluator', () => {
  const deployment: Deployment = { partition: 'aws', accountId: ACCOUNT, region: REGION };
  const doc = (...Statement: any[]) => ({ Version: '2012-10-17', Statement });

  test('an explicit Deny wins, nothing allowed is denied', () => {
    const allow = { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' };
    const deny = { Effect: 'Deny', Action: 'sts:*', Resource: bootstrapRole('deploy') };
    expect(allows(doc(allow, deny), { action: 'sts:AssumeRole', resource: bootstrapRole('deploy') }, deployment)).toBe(false);
    expect(allows(doc(allow, deny), { action: 'sts:AssumeRole', resource: bootstrapRole('lookup') }, deployment)).toBe(true);
    expect(allows(doc(), { action: 'sts:AssumeRole', resource: bootstrapRole('lookup') }, deployment)).toBe(false);
  });

  test('condition keys must all match, values any; a missing key does not match', () => {
    const statement = {
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: PROVIDER_ARN },
      Condition: { StringEquals: { 'k:a': ['1', '2'], 'k:b': '3' } },
    };
    const request = (context: Record<string, string>) => ({ action: 'sts:AssumeRoleWithWebIdentity', federated: PROVIDER_ARN, context });
    expect(allows(doc(statement), request({ 'k:a': '2', 'k:b': '3' }), deployment)).toBe(true);
    expect(allows(doc(statement), request({ 'k:a': '2', 'k:b': '4' }), deployment)).toBe(false);
    expect(allows(doc(statement), request({ 'k:a': '1' }), deployment)).toBe(false);
  });

  test('unsupported operators and elements throw instead of passing', () => {
    const statement = { Effect: 'Allow', Action: '*', Resource: '*', Condition: { ForAnyValueStringLike: { k: '*' } } };
    expect(() => allows(doc(statement), { action: 'x', resource: 'y', context: { k: 'v' } }, deployment)).toThrow(/not supported/);
    expect(() => allows(doc({ Effect: 'Allow', NotAction: 'x', Resource: '*' }), { action: 'x', resource: 'y' }, deployment)).toThrow(/NotAction/);
  });

  test('wildcards: * any run, ? one character, everything else literal', () => {
    expect(glob('repo:octo-org/*', 'repo:octo-org/x:ref:refs/heads/main')).toBe(true);
    expect(glob('a?c', 'abc')).toBe(true);
    expect(glob('a.c', 'abc')).toBe(false);
  });
});

describe('a stack with the deploy role under cdk-nag and cfn-lint', () => {
  const result = synthWithNag(app => {
    const stack = new Stack(app, 'Deploy', { env: { account: ACCOUNT, region: REGION } });
    new GitHubDeployRole(stack, 'GitHubDeploy', { repository: REPO, branches: ['main'], environments: ['production'] });
  });

  test('cdk-nag AwsSolutions finds nothing, and nothing is acknowledged', () => {
    expect(describeViolations(result.violations)).toBe('');
    const stack = new Stack(new App(), 'Deploy', { env: { account: ACCOUNT, region: REGION } });
    expect(acknowledgements(new GitHubDeployRole(stack, 'GitHubDeploy', { repository: REPO, branches: ['main'] }))).toEqual([]);
  });

  test('cfn-lint finds no error', () => {
    expect(cfnLint(templatePaths(result.assembly!)).errors).toEqual([]);
  });
});
