import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cdk8s from 'cdk8s';
import { CostAttribution, TagSchema } from '../../../constructs';

const PLATFORM = { 'project': 'recsys', 'cost-center': 'cc-1234', 'environment': 'prod' };

function tagsOn(stack: Stack, type: string): Record<string, string> {
  const [resource] = Object.values(Template.fromStack(stack).findResources(type));
  return Object.fromEntries((resource.Properties.Tags as { Key: string; Value: string }[]).map(t => [t.Key, t.Value]));
}

describe('CostAttribution', () => {
  test('tags every taggable resource below the scope', () => {
    const app = new App();
    CostAttribution.apply(app, { tags: { ...PLATFORM, team: 'platform' } });
    const stack = new Stack(app, 'S');
    new sns.Topic(stack, 'T');
    expect(tagsOn(stack, 'AWS::SNS::Topic')).toEqual({ ...PLATFORM, team: 'platform' });
  });

  test('a narrower scope overrides values of a wider one', () => {
    const app = new App();
    CostAttribution.apply(app, { tags: { ...PLATFORM, team: 'platform' } });
    const stack = new Stack(app, 'S');
    new sns.Topic(stack, 'Shared');
    const pool = new sns.Topic(stack, 'FraudPool');
    CostAttribution.apply(pool, { tags: { team: 'fraud' } });

    const topics = Template.fromStack(stack).findResources('AWS::SNS::Topic');
    const teamOf = (prefix: string) => Object.entries(topics).find(([id]) => id.startsWith(prefix))![1]
      .Properties.Tags.find((t: any) => t.Key === 'team').Value;
    expect(teamOf('Shared')).toBe('platform');
    expect(teamOf('FraudPool')).toBe('fraud');
    expect(CostAttribution.tagsOf(pool)).toEqual({ ...PLATFORM, team: 'fraud' });
  });

  test('fails synthesis listing each resource path and its missing keys', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    CostAttribution.apply(stack, { tags: { project: 'recsys' } });
    new sns.Topic(stack, 'A');
    new sns.Topic(stack, 'B');
    expect(() => app.synth()).toThrow(
      /2 taggable resource\(s\) lack required cost-attribution tags[^]*S\/A\/Resource \(AWS::SNS::Topic\): missing team, cost-center, environment[^]*S\/B\/Resource \(AWS::SNS::Topic\): missing team, cost-center, environment/,
    );
  });

  test('passes once a narrower scope supplies the missing key', () => {
    const app = new App();
    CostAttribution.apply(app, { tags: PLATFORM });
    const stack = new Stack(app, 'S');
    new sns.Topic(stack, 'A');
    CostAttribution.apply(stack, { tags: { team: 'fraud' } });
    expect(() => app.synth()).not.toThrow();
  });

  test('resources that cannot carry tags are not required to', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    CostAttribution.apply(stack, { tags: { ...PLATFORM, team: 'fraud' } });
    new CfnResource(stack, 'WaitHandle', { type: 'AWS::CloudFormation::WaitConditionHandle' });
    expect(() => app.synth()).not.toThrow();
  });

  test('reports a resource once when attribution is applied at nested scopes', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    CostAttribution.apply(stack, { tags: { project: 'recsys' } });
    CostAttribution.apply(app, { tags: { environment: 'dev' } });
    new sns.Topic(stack, 'A');
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.match(/S\/A\/Resource/g)).toHaveLength(1);
  });

  test.each([
    [{ team: 'ML Platform' }, /"ML Platform" cannot be a Kubernetes label value/],
    [{ teams: 'fraud' }, /tag key "teams" is not in the schema; allowed keys: team, project/],
    [{ team: 'x'.repeat(300) }, /AWS allows at most 256/],
  ])('rejects invalid values at the call, naming the construct path: %j', (tags, message) => {
    const stack = new Stack(new App(), 'Platform');
    expect(() => CostAttribution.apply(stack, { tags })).toThrow(/^Platform: CostAttribution tags are invalid/);
    expect(() => CostAttribution.apply(stack, { tags })).toThrow(message);
  });

  test('a custom schema drives the tags, the check and the labels', () => {
    const schema = TagSchema.define({
      keys: [{ key: 'owner', required: true }, { key: 'CostCenter', required: true, labelName: 'cost-center' }],
      teamKey: 'owner',
    });
    const app = new App();
    CostAttribution.apply(app, { schema, tags: { CostCenter: 'cc-9' } });
    const stack = new Stack(app, 'S');
    const topic = new sns.Topic(stack, 'A');
    expect(() => CostAttribution.apply(stack, { tags: { team: 'fraud' } })).toThrow(/allowed keys: owner, CostCenter/);
    CostAttribution.apply(stack, { tags: { owner: 'fraud' } });
    expect(CostAttribution.schemaOf(topic)).toBe(schema);
    expect(CostAttribution.labelsOf(topic)).toEqual({ 'mlops-stack.io/owner': 'fraud', 'mlops-stack.io/cost-center': 'cc-9' });
    expect(tagsOn(stack, 'AWS::SNS::Topic')).toEqual({ owner: 'fraud', CostCenter: 'cc-9' });
  });

  test('a custom schema fails synthesis on its own required keys', () => {
    const schema = TagSchema.define({ keys: [{ key: 'owner', required: true }, { key: 'env', required: true }], teamKey: 'owner' });
    const app = new App();
    const stack = new Stack(app, 'S');
    CostAttribution.apply(stack, { schema, tags: { owner: 'fraud' } });
    new sns.Topic(stack, 'A');
    expect(() => app.synth()).toThrow(/S\/A\/Resource \(AWS::SNS::Topic\): missing env/);
  });

  test('one tree uses one schema', () => {
    const app = new App();
    CostAttribution.apply(app, { tags: PLATFORM });
    const other = TagSchema.define({ keys: [{ key: 'owner', required: true }], teamKey: 'owner' });
    expect(() => CostAttribution.apply(new Stack(app, 'S'), { schema: other, tags: { owner: 'x' } }))
      .toThrow(/^S: schema differs from the tag schema applied at "<app>"/);
  });

  test('tagModel uses the schema model key, and does nothing when the schema has none', () => {
    const app = new App();
    CostAttribution.apply(app, { tags: { ...PLATFORM, team: 'fraud' } });
    const stack = new Stack(app, 'S');
    const topic = new sns.Topic(stack, 'A');
    CostAttribution.tagModel(topic, 'fraud-xgb');
    expect(tagsOn(stack, 'AWS::SNS::Topic').model).toBe('fraud-xgb');

    const bare = TagSchema.define({ keys: [{ key: 'owner', required: true }], teamKey: 'owner' });
    const app2 = new App();
    const stack2 = new Stack(app2, 'S');
    CostAttribution.apply(stack2, { schema: bare, tags: { owner: 'fraud' } });
    const topic2 = new sns.Topic(stack2, 'A');
    CostAttribution.tagModel(topic2, 'fraud-xgb');
    expect(tagsOn(stack2, 'AWS::SNS::Topic')).toEqual({ owner: 'fraud' });
  });

  test('tagModel adds no check of its own: the enclosing scope reports every resource once', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    CostAttribution.apply(stack, { tags: { project: 'recsys' } });
    new sns.Topic(stack, 'Shared');
    const model = new sns.Topic(stack, 'Model');
    CostAttribution.tagModel(model, 'fraud-xgb');
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/2 taggable resource\(s\)/);
    expect(message.match(/S\/Model\/Resource/g)).toHaveLength(1);
  });

  test('tagModel without any enclosing attribution only tags', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const topic = new sns.Topic(stack, 'A');
    CostAttribution.tagModel(topic, 'fraud-xgb');
    expect(() => app.synth()).not.toThrow();
    expect(tagsOn(stack, 'AWS::SNS::Topic')).toEqual({ model: 'fraud-xgb' });
  });

  test('labelsOf gives the effective tags as Kubernetes labels', () => {
    const app = new App();
    CostAttribution.apply(app, { tags: PLATFORM });
    const stack = new Stack(app, 'S');
    CostAttribution.apply(stack, { tags: { team: 'fraud' } });
    expect(CostAttribution.labelsOf(stack)).toEqual({
      'mlops-stack.io/team': 'fraud',
      'mlops-stack.io/project': 'recsys',
      'mlops-stack.io/cost-center': 'cc-1234',
      'mlops-stack.io/environment': 'prod',
    });
  });

  describe('plain CfnResources that aws-cdk-lib adds and Tags.of() alone does not reach', () => {
    const ALL = { ...PLATFORM, team: 'platform' };

    test('the kubectl barrier parameter of an aws-eks-v2 cluster carries every tag', () => {
      const app = new App();
      CostAttribution.apply(app, { tags: ALL });
      const stack = new Stack(app, 'S');
      new eks.Cluster(stack, 'Cluster', { version: eks.KubernetesVersion.V1_35, defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0 });
      const barrier = Template.fromStack(stack).findResources('AWS::SSM::Parameter', { Properties: { Value: 'aws:cdk:eks:kubectl-ready' } });
      expect(Object.values(barrier).map(r => r.Properties.Tags)).toEqual([ALL]);
    });

    test('a list-tagged type gets Key/Value tags, and the tags it already had are kept', () => {
      const app = new App();
      CostAttribution.apply(app, { tags: ALL });
      const stack = new Stack(app, 'S');
      new CfnResource(stack, 'Role', {
        type: 'AWS::IAM::Role',
        properties: { AssumeRolePolicyDocument: {}, Tags: [{ Key: 'owner', Value: 'sre' }, { Key: 'team', Value: 'overridden' }] },
      });
      const [role] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
      const tags = Object.fromEntries((role.Properties.Tags as { Key: string; Value: string }[]).map(t => [t.Key, t.Value]));
      expect(tags).toEqual({ ...ALL, owner: 'sre' });
    });

    test('a narrower scope wins on them as on any resource', () => {
      const app = new App();
      CostAttribution.apply(app, { tags: ALL });
      const stack = new Stack(app, 'S');
      const param = new CfnResource(stack, 'Param', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x' } });
      CostAttribution.apply(param, { tags: { team: 'fraud' } });
      const [p] = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'));
      expect(p.Properties.Tags).toEqual({ ...ALL, team: 'fraud' });
    });

    test('the check counts them: one missing a key fails synthesis', () => {
      const app = new App();
      const stack = new Stack(app, 'S');
      CostAttribution.apply(stack, { tags: PLATFORM });
      new CfnResource(stack, 'Param', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x' } });
      expect(() => app.synth()).toThrow(/1 taggable resource\(s\) lack required cost-attribution tags[^]*S\/Param \(AWS::SSM::Parameter\): missing team/);
    });

    test('tags made of intrinsic functions are left as written', () => {
      const app = new App();
      CostAttribution.apply(app, { tags: ALL });
      const stack = new Stack(app, 'S');
      const tags = { 'Fn::If': ['Cond', { a: 'b' }, { Ref: 'AWS::NoValue' }] };
      new CfnResource(stack, 'Param', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x', Tags: tags } });
      const [p] = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'));
      expect(p.Properties.Tags).toEqual(tags);
    });
  });
});

test('CostAttribution.apply on a cdk8s construct throws and says how charts get their tags', () => {
  const chart = new cdk8s.Chart(new cdk8s.App(), 'Pools');
  expect(() => CostAttribution.apply(chart, { tags: { team: 'fraud' } }))
    .toThrow(/Pools: CostAttribution applies to aws-cdk-lib constructs .* cdk8s charts get their cost labels from their props: pass `costTags`/);
});
