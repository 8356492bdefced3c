import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { allows, type Deployment } from './policy-evaluator';
import { GitHubDeployRole, GitHubDiffRole, type GitHubDiffRoleProps } from '../../../constructs';
import { acknowledgements, cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const REPO = 'octo-org/mlops-platform';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const ISSUER = 'token.actions.githubusercontent.com';

function build(props: Partial<GitHubDiffRoleProps> = {}) {
  const stack = new Stack(new App(), 'Ci', { env: { account: ACCOUNT, region: REGION } });
  const diff = new GitHubDiffRole(stack, 'GitHubDiff', { repository: REPO, ...props });
  const template = Template.fromStack(stack);
  const [role] = Object.values(template.findResources('AWS::IAM::Role'));
  const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
  const providerId = props.provider ? undefined : stack.getLogicalId((diff.provider as any).node.defaultChild);
  const deployment: Deployment = { partition: 'aws', accountId: ACCOUNT, region: REGION, refs: providerId ? { [providerId]: PROVIDER_ARN } : {} };
  return { stack, diff, template, deployment, trust: role.Properties.AssumeRolePolicyDocument, permissions: policy.Properties.PolicyDocument };
}

/** Whether the trust policy lets a token with this subject (and audience) assume the role. */
function admits(trust: any, sub: string, deployment: Deployment, audience = 'sts.amazonaws.com'): boolean {
  return allows(trust, {
    action: 'sts:AssumeRoleWithWebIdentity',
    federated: PROVIDER_ARN,
    context: { [`${ISSUER}:aud`]: audience, [`${ISSUER}:sub`]: sub },
  }, deployment);
}

const lookupRole = (account = ACCOUNT, region = REGION, kind = 'lookup') =>
  `arn:aws:iam::${account}:role/cdk-hnb659fds-${kind}-role-${account}-${region}`;

describe('GitHubDiffRole: who may assume it', () => {
  test('a pull-request token of the repository only: not a branch push, an environment, another repository or audience', () => {
    const { trust, deployment, diff } = build();
    expect(diff.subject).toBe(`repo:${REPO}:pull_request`);
    expect(admits(trust, `repo:${REPO}:pull_request`, deployment)).toBe(true);
    const refused: Array<[string, string, string?]> = [
      ['a push to main', `repo:${REPO}:ref:refs/heads/main`],
      ['a job with an environment', `repo:${REPO}:environment:production`],
      ['another repository\'s pull request', 'repo:octo-org/other-repo:pull_request'],
      ['a fork\'s pull request, as its own repository', 'repo:attacker/mlops-platform:pull_request'],
      ['the repository spelt in another case', 'repo:Octo-Org/mlops-platform:pull_request'],
      ['another audience', `repo:${REPO}:pull_request`, 'https://github.com/octo-org'],
    ];
    expect(refused.filter(([, sub, audience]) => admits(trust, sub, deployment, audience)).map(([why]) => why)).toEqual([]);
  });

  test('the check can fail: a trust policy on the subject pattern repo:<owner>/* admits other repositories', () => {
    const { trust, deployment } = build();
    const wildcard = { ...trust, Statement: [{ ...trust.Statement[0], Condition: { StringLike: { [`${ISSUER}:sub`]: 'repo:octo-org/*' } } }] };
    expect(admits(wildcard, 'repo:octo-org/other-repo:pull_request', deployment)).toBe(true);
    expect(admits(trust, 'repo:octo-org/other-repo:pull_request', deployment)).toBe(false);
  });
});

describe('GitHubDiffRole: what it may do', () => {
  test('assume the lookup role of the stack\'s environment and read Cost Explorer: nothing else', () => {
    const { permissions, deployment, diff, stack } = build();
    expect(diff.lookupRoleArns.map(arn => stack.resolve(arn))).toHaveLength(1);
    const may = (action: string, resource = '*') => allows(permissions, { action, resource }, deployment);
    expect(may('sts:AssumeRole', lookupRole())).toBe(true);
    expect(may('ce:GetCostAndUsage')).toBe(true);
    const refused: Array<[string, string?]> = [
      // Any of them would let a pull request deploy, publish assets or read the deployed secrets' keys.
      ['sts:AssumeRole', lookupRole(ACCOUNT, REGION, 'deploy')],
      ['sts:AssumeRole', lookupRole(ACCOUNT, REGION, 'file-publishing')],
      ['sts:AssumeRole', lookupRole(ACCOUNT, REGION, 'image-publishing')],
      ['sts:AssumeRole', lookupRole(ACCOUNT, REGION, 'cfn-exec')],
      ['sts:AssumeRole', lookupRole('222222222222')],
      ['sts:AssumeRole', lookupRole(ACCOUNT, 'us-east-1')],
      ['sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/Admin`],
      ['sts:TagSession', lookupRole()],
      ['ce:GetAnomalies'],
      ['ce:UpdateCostAllocationTagsStatus'],
      ['ce:CreateAnomalyMonitor'],
      ['cloudformation:CreateChangeSet', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Any/1`],
    ];
    expect(refused.filter(([action, resource]) => may(action, resource)).map(([action, resource]) => `${action} ${resource ?? '*'}`)).toEqual([]);
  });

  test('the check can fail: the deploy role\'s permissions let a pull request assume the deploy bootstrap role', () => {
    const { deployment } = build();
    const deployStack = new Stack(new App(), 'Deploy', { env: { account: ACCOUNT, region: REGION } });
    new GitHubDeployRole(deployStack, 'GitHubDeploy', { repository: REPO, branches: ['main'] });
    const [deployPolicy] = Object.values(Template.fromStack(deployStack).findResources('AWS::IAM::Policy'));
    expect(allows(deployPolicy.Properties.PolicyDocument, { action: 'sts:AssumeRole', resource: lookupRole(ACCOUNT, REGION, 'deploy') }, deployment)).toBe(true);
  });

  test('awsAnomalies adds ce:GetAnomalies; costReport: false leaves Cost Explorer out', () => {
    const anomalies = build({ awsAnomalies: true });
    expect(allows(anomalies.permissions, { action: 'ce:GetAnomalies', resource: '*' }, anomalies.deployment)).toBe(true);
    const noCosts = build({ costReport: false });
    expect(allows(noCosts.permissions, { action: 'ce:GetCostAndUsage', resource: '*' }, noCosts.deployment)).toBe(false);
    expect(noCosts.permissions.Statement.map((s: any) => s.Sid)).toEqual(['AssumeCdkLookupRoles']);
  });

  test('every target account and region gets its lookup role; sessionTags adds sts:TagSession', () => {
    const { permissions, deployment } = build({ targetAccounts: ['222222222222', '333333333333'], targetRegions: ['eu-west-1', 'us-east-1'], sessionTags: true });
    for (const account of ['222222222222', '333333333333']) {
      for (const region of ['eu-west-1', 'us-east-1']) {
        expect(allows(permissions, { action: 'sts:TagSession', resource: lookupRole(account, region) }, deployment)).toBe(true);
      }
    }
    expect(allows(permissions, { action: 'sts:AssumeRole', resource: lookupRole() }, deployment)).toBe(false);
  });
});

describe('GitHubDiffRole: the provider', () => {
  test('shares the deploy role\'s provider: one AWS::IAM::OIDCProvider in the stack, both roles federated to it', () => {
    const stack = new Stack(new App(), 'Ci', { env: { account: ACCOUNT, region: REGION } });
    const deploy = new GitHubDeployRole(stack, 'GitHubDeploy', { repository: REPO, branches: ['main'] });
    const diff = new GitHubDiffRole(stack, 'GitHubDiff', { repository: REPO, provider: deploy.provider });
    expect(diff.provider).toBe(deploy.provider);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    const federated = Object.values(template.findResources('AWS::IAM::Role')).map(r => r.Properties.AssumeRolePolicyDocument.Statement[0].Principal);
    const provider = { Federated: { Ref: stack.getLogicalId((deploy.provider as any).node.defaultChild) } };
    expect(federated).toEqual([provider, provider]);
  });

  test('a second new provider for the same account is an error at synth time, naming the first', () => {
    const app = new App();
    const stack = new Stack(app, 'Ci', { env: { account: ACCOUNT, region: REGION } });
    new GitHubDeployRole(stack, 'GitHubDeploy', { repository: REPO, branches: ['main'] });
    expect(() => new GitHubDiffRole(stack, 'GitHubDiff', { repository: REPO }))
      .toThrow(/^Ci\/GitHubDiff: provider is not given, but Ci\/GitHubDeploy\/Provider already creates the GitHub OIDC provider of this stack/);
    const other = new Stack(app, 'Other', { env: { account: ACCOUNT, region: 'us-east-1' } });
    expect(() => new GitHubDiffRole(other, 'GitHubDiff', { repository: REPO })).toThrow(/provider of account 111111111111, and IAM allows one per account/);
    // Another account may have its own.
    const elsewhere = new Stack(app, 'Elsewhere', { env: { account: '222222222222', region: REGION } });
    expect(() => new GitHubDiffRole(elsewhere, 'GitHubDiff', { repository: REPO })).not.toThrow();
  });
});

describe('GitHubDiffRole: validation', () => {
  test.each<[string, Partial<GitHubDiffRoleProps>, RegExp]>([
    ['a repository that is a URL', { repository: 'https://github.com/octo-org/mlops-platform' }, /repository \("https:\/\/github\.com\/octo-org\/mlops-platform"\) must be "owner\/name"/],
    ['an empty list of accounts', { targetAccounts: [] }, /targetAccounts must not be empty/],
    ['an account that is not 12 digits', { targetAccounts: ['1234'] }, /targetAccounts\[0\] \("1234"\) must be a 12-digit AWS account ID/],
    ['a region that is not one', { targetRegions: ['europe'] }, /targetRegions\[0\] \("europe"\) must be an AWS region code/],
    ['a qualifier too long', { qualifier: 'much-too-long-qualifier' }, /qualifier \("much-too-long-qualifier"\) must be 1 to 10/],
    ['anomalies without the cost report', { costReport: false, awsAnomalies: true }, /awsAnomalies needs costReport/],
  ])('%s', (_what, props, message) => {
    expect(() => build(props)).toThrow(/^Ci\/GitHubDiff: /);
    expect(() => build(props)).toThrow(message);
  });
});

test('several problems are reported together', () => {
  expect(() => build({ repository: 'octo-org', targetRegions: ['europe'] }))
    .toThrow(/^Ci\/GitHubDiff: invalid GitHubDiffRole properties[\s\S]*repository \("octo-org"\)[\s\S]*targetRegions\[0\] \("europe"\)/);
});

describe('a stack with the deploy and diff roles under cdk-nag and cfn-lint', () => {
  const result = synthWithNag(app => {
    const stack = new Stack(app, 'Ci', { env: { account: ACCOUNT, region: REGION } });
    const deploy = new GitHubDeployRole(stack, 'GitHubDeploy', { repository: REPO, branches: ['main'] });
    new GitHubDiffRole(stack, 'GitHubDiff', { repository: REPO, provider: deploy.provider, awsAnomalies: true });
  });

  test('cdk-nag AwsSolutions finds nothing; the one acknowledgement is Cost Explorer\'s Resource *, with its reason', () => {
    expect(describeViolations(result.violations)).toBe('');
    const stack = new Stack(new App(), 'Ci', { env: { account: ACCOUNT, region: REGION } });
    const diff = new GitHubDiffRole(stack, 'GitHubDiff', { repository: REPO });
    expect(acknowledgements(diff)).toEqual([expect.objectContaining({ rule: 'Annotation::AwsSolutions-IAM5[Resource::*]', reason: expect.stringMatching(/no resource-level permissions/) })]);
  });

  test('cfn-lint finds no error', () => {
    expect(cfnLint(templatePaths(result.assembly!)).errors).toEqual([]);
  });
});
