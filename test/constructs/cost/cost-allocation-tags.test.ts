import { CostExplorerClient, UpdateCostAllocationTagsStatusCommand } from '@aws-sdk/client-cost-explorer';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { billingStack } from './guardrails-fixtures';
import { CostAllocationTags, TagSchema } from '../../../constructs';
import { ACTIVATE_TAGS_HANDLER } from '../../../constructs/cost/private/activate-tags-handler';

describe('CostAllocationTags template', () => {
  test('a custom resource activates every key of the schema', () => {
    const stack = billingStack();
    new CostAllocationTags(stack, 'Tags');
    Template.fromStack(stack).hasResourceProperties('Custom::CostAllocationTags', {
      TagKeys: ['team', 'project', 'cost-center', 'environment', 'model', 'pipeline'],
    });
  });

  test('tagKeys narrows the keys', () => {
    const stack = billingStack();
    new CostAllocationTags(stack, 'Tags', { tagKeys: ['team', 'cost-center'] });
    Template.fromStack(stack).hasResourceProperties('Custom::CostAllocationTags', { TagKeys: ['team', 'cost-center'] });
  });

  test('the handler may call UpdateCostAllocationTagsStatus and write its own logs, nothing else', () => {
    const stack = billingStack();
    const tags = new CostAllocationTags(stack, 'Tags');
    const template = Template.fromStack(stack);
    const logGroupId = Stack.of(tags).getLogicalId(tags.node.findChild('Logs').node.defaultChild as any);
    const roleId = Stack.of(tags).getLogicalId(tags.handler.role!.node.defaultChild as any);
    const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'ce:UpdateCostAllocationTagsStatus', Resource: '*' },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
    ]);
    const [role] = Object.values(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('Activates cost allocation tags') } }));
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('the handler is inline Node.js code on the 24.x runtime', () => {
    const stack = billingStack();
    new CostAllocationTags(stack, 'Tags');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Code: { ZipFile: ACTIVATE_TAGS_HANDLER },
    });
  });

  test('the handler\'s log group is kept a year and retained', () => {
    const stack = billingStack();
    new CostAllocationTags(stack, 'Tags');
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
  });

  test('a key that is not in the schema is an error', () => {
    expect(() => new CostAllocationTags(billingStack(), 'Tags', { tagKeys: ['team', 'owner'] }))
      .toThrow(/^Billing\/Tags: tagKeys contains "owner", which is not a key of the tag schema; allowed keys: team, project/);
  });

  test('an empty or repeated key list is an error', () => {
    expect(() => new CostAllocationTags(billingStack(), 'Tags', { tagKeys: [] })).toThrow(/tagKeys is empty/);
    expect(() => new CostAllocationTags(billingStack(), 'Tags', { tagKeys: ['team', 'team'] })).toThrow(/lists a key twice/);
  });

  test('a custom schema\'s keys are activated', () => {
    const schema = TagSchema.define({ keys: [{ key: 'owner', required: true }, { key: 'CostCenter', required: true }], teamKey: 'owner' });
    const stack = billingStack();
    new CostAllocationTags(stack, 'Tags', { schema });
    Template.fromStack(stack).hasResourceProperties('Custom::CostAllocationTags', { TagKeys: ['owner', 'CostCenter'] });
  });
});

/** The deployed handler text, loaded as CommonJS with this project's AWS SDK. */
function loadHandler(): (event: any) => Promise<any> {
  const module = { exports: {} as any };
  new Function('module', 'exports', 'require', 'process', ACTIVATE_TAGS_HANDLER)(module, module.exports, require, process);
  return module.exports.handler;
}

function event(requestType: 'Create' | 'Update' | 'Delete', keys: string[]): any {
  return { RequestType: requestType, PhysicalResourceId: requestType === 'Create' ? undefined : 'cost-allocation-tags', ResourceProperties: { TagKeys: keys } };
}

describe('CostAllocationTags handler', () => {
  const ce = mockClient(CostExplorerClient);
  beforeEach(() => ce.reset());

  test('activates every key and reports them', async () => {
    ce.on(UpdateCostAllocationTagsStatusCommand).resolves({ Errors: [] });
    const out = await loadHandler()(event('Create', ['team', 'project']));
    expect(ce.commandCalls(UpdateCostAllocationTagsStatusCommand).map(c => c.args[0].input)).toEqual([
      { CostAllocationTagsStatus: [{ TagKey: 'team', Status: 'Active' }, { TagKey: 'project', Status: 'Active' }] },
    ]);
    expect(out).toEqual({ PhysicalResourceId: 'cost-allocation-tags', Data: { ActivatedTagKeys: 'team,project' } });
  });

  test('calls Cost Explorer in us-east-1', async () => {
    ce.on(UpdateCostAllocationTagsStatusCommand).resolves({});
    await loadHandler()(event('Update', ['team']));
    const client = ce.commandCalls(UpdateCostAllocationTagsStatusCommand)[0].thisValue as CostExplorerClient;
    await expect(client.config.region()).resolves.toBe('us-east-1');
  });

  test('sends at most 20 keys per call, as the API allows', async () => {
    ce.on(UpdateCostAllocationTagsStatusCommand).resolves({ Errors: [] });
    const keys = Array.from({ length: 45 }, (_, i) => `k${i}`);
    await loadHandler()(event('Update', keys));
    const sizes = ce.commandCalls(UpdateCostAllocationTagsStatusCommand).map(c => c.args[0].input.CostAllocationTagsStatus!.length);
    expect(sizes).toEqual([20, 20, 5]);
  });

  test('fails, naming each key and the service\'s reason, when the response lists errors', async () => {
    ce.on(UpdateCostAllocationTagsStatusCommand).resolves({
      Errors: [{ TagKey: 'pipeline', Code: 'TagKeysNotFoundException', Message: 'The tag key was not found' }],
    });
    await expect(loadHandler()(event('Create', ['team', 'pipeline'])))
      .rejects.toThrow(/did not activate 1 cost allocation tag\(s\): pipeline: TagKeysNotFoundException \(The tag key was not found\)\. A tag key can be activated only after resources have carried it \(it can take up to 24 hours/);
  });

  test('a refused account is told to deploy from the management (payer) account', async () => {
    ce.on(UpdateCostAllocationTagsStatusCommand).rejects(Object.assign(new Error('Linked account doesn\'t have access to cost allocation tags'), { name: 'AccessDeniedException' }));
    await expect(loadHandler()(event('Create', ['team'])))
      .rejects.toThrow(/can be activated only from the management \(payer\) account .*AccessDeniedException: Linked account/);
  });

  test('other service errors are passed on unchanged', async () => {
    ce.on(UpdateCostAllocationTagsStatusCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' }));
    await expect(loadHandler()(event('Create', ['team']))).rejects.toThrow(/^Rate exceeded$/);
  });

  test('delete leaves the tags active and calls nothing', async () => {
    const out = await loadHandler()(event('Delete', ['team']));
    expect(ce.calls()).toHaveLength(0);
    expect(out).toEqual({ PhysicalResourceId: 'cost-allocation-tags' });
  });
});
