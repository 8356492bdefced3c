import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { billingStack, EMAILS } from './guardrails-fixtures';
import { AnomalyEmailFrequency, CostGuardrails, type CostGuardrailsProps, TagSchema } from '../../../constructs';

const TEAMS = { fraud: { monthlyLimitUsd: 20000 }, recsys: { monthlyLimitUsd: 45000 } };

function synth(props: Partial<CostGuardrailsProps> = {}, stack = billingStack()): { template: Template; guardrails: CostGuardrails } {
  const guardrails = new CostGuardrails(stack, 'CostGuardrails', { teams: TEAMS, subscribers: EMAILS, ...props });
  return { template: Template.fromStack(stack), guardrails };
}

function budgetOf(template: Template, team: string, key = 'team'): any {
  const found = Object.values(template.findResources('AWS::Budgets::Budget', {
    Properties: { Budget: { CostFilters: { TagKeyValue: [`user:${key}$${team}`] } } },
  }));
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

function tagsOf(resource: any): Record<string, string> {
  return Object.fromEntries((resource.ResourceTags ?? resource.Tags).map((t: any) => [t.Key, t.Value]));
}

describe('CostGuardrails budgets', () => {
  test('one monthly cost budget per team, filtered by the team tag in the user:key$value form', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::Budgets::Budget', 2);
    const fraud = budgetOf(template, 'fraud');
    expect(fraud.Budget).toMatchObject({ BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 20000, Unit: 'USD' } });
    expect(fraud.Budget.CostFilters).toEqual({ TagKeyValue: ['user:team$fraud'] });
    expect(budgetOf(template, 'recsys').Budget.BudgetLimit).toEqual({ Amount: 45000, Unit: 'USD' });
  });

  test('notifies at 80 % and 100 % actual and 100 % forecasted by default', () => {
    const { template } = synth();
    const notes = budgetOf(template, 'fraud').NotificationsWithSubscribers.map((n: any) => n.Notification);
    expect(notes).toEqual([
      { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' },
      { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' },
      { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' },
    ]);
  });

  test('thresholds of the guardrails apply to every team, a team\'s own override them', () => {
    const { template } = synth({
      actualThresholdsPercent: [50],
      forecastedThresholdsPercent: [90, 250],
      teams: { fraud: { monthlyLimitUsd: 10, actualThresholdsPercent: [95], forecastedThresholdsPercent: [] }, recsys: { monthlyLimitUsd: 5 } },
    });
    const thresholds = (team: string) => budgetOf(template, team).NotificationsWithSubscribers
      .map((n: any) => `${n.Notification.NotificationType}:${n.Notification.Threshold}`);
    expect(thresholds('fraud')).toEqual(['ACTUAL:95']);
    expect(thresholds('recsys')).toEqual(['ACTUAL:50', 'FORECASTED:90', 'FORECASTED:250']);
  });

  test('every notification goes to the topic and to each email', () => {
    const { template, guardrails } = synth();
    const topicRef = Stack.of(guardrails).resolve(guardrails.topic.topicArn);
    for (const n of budgetOf(template, 'fraud').NotificationsWithSubscribers) {
      expect(n.Subscribers).toEqual([
        { SubscriptionType: 'SNS', Address: topicRef },
        { SubscriptionType: 'EMAIL', Address: 'finops@example.com' },
        { SubscriptionType: 'EMAIL', Address: 'ml-leads@example.com' },
      ]);
    }
  });

  test('a team\'s budget and monitor are tagged to the team, the shared resources to the platform', () => {
    const { template } = synth();
    expect(tagsOf(budgetOf(template, 'fraud'))).toMatchObject({ team: 'fraud', project: 'mlops' });
    const monitors = Object.values(template.findResources('AWS::CE::AnomalyMonitor', { Properties: { MonitorType: 'CUSTOM' } }));
    expect(monitors.map(m => tagsOf(m.Properties).team).sort()).toEqual(['fraud', 'recsys']);
    const [topic] = Object.values(template.findResources('AWS::SNS::Topic'));
    expect(tagsOf(topic.Properties).team).toBe('ml-platform');
  });

  test('budgetTagKey filters by another key of the schema', () => {
    const { template } = synth({ budgetTagKey: 'project' });
    expect(budgetOf(template, 'fraud', 'project').Budget.CostFilters).toEqual({ TagKeyValue: ['user:project$fraud'] });
  });

  test('a custom schema\'s team key is the default filter', () => {
    const schema = TagSchema.define({ keys: [{ key: 'owner', required: true }], teamKey: 'owner' });
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'S');
    const { template } = synth({ schema }, stack);
    expect(budgetOf(template, 'fraud', 'owner').Budget.CostFilters).toEqual({ TagKeyValue: ['user:owner$fraud'] });
  });
});

describe('CostGuardrails topic', () => {
  test('is KMS-encrypted with a rotating key that is retained', () => {
    const { template } = synth();
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('removalPolicy DESTROY deletes the key', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('only Budgets and Cost Anomaly Detection for this account may publish, over TLS only', () => {
    const { template } = synth();
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const statements = policy.Properties.PolicyDocument.Statement;
    const allows = statements.filter((s: any) => s.Effect === 'Allow');
    expect(allows).toHaveLength(2);
    const budgetsAllow = allows.find((s: any) => s.Principal.Service === 'budgets.amazonaws.com');
    expect(budgetsAllow.Action).toBe('sns:Publish');
    expect(budgetsAllow.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':budgets::', { Ref: 'AWS::AccountId' }, ':*']] } },
    });
    const alertsAllow = allows.find((s: any) => s.Principal.Service === 'costalerts.amazonaws.com');
    expect(alertsAllow.Action).toBe('sns:Publish');
    expect(alertsAllow.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
  });

  test('the key lets the two services make data keys for this topic only', () => {
    const { template } = synth();
    const [topic] = Object.values(template.findResources('AWS::SNS::Topic'));
    // The name is fixed, so the key can name the topic's ARN without a reference between the two.
    const name = topic.Properties.TopicName;
    expect(name).toMatch(/^Billing-CostGuardrails-[0-9A-F]{8}$/);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: 'CostServicesPublishToTheTopic',
          Effect: 'Allow',
          Principal: { Service: ['budgets.amazonaws.com', 'costalerts.amazonaws.com'] },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'kms:EncryptionContext:aws:sns:topicArn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${name}`]],
              },
            },
          },
        }]),
      },
    });
  });

  test('budgets and the SNS subscription wait for the topic policy', () => {
    const { template } = synth();
    const [policyId] = Object.keys(template.findResources('AWS::SNS::TopicPolicy'));
    const budget = Object.values(template.findResources('AWS::Budgets::Budget'))[0];
    expect(budget.DependsOn).toEqual(expect.arrayContaining([policyId]));
    const [sub] = Object.values(template.findResources('AWS::CE::AnomalySubscription', { Properties: { Frequency: 'IMMEDIATE' } }));
    expect(sub.DependsOn).toEqual(expect.arrayContaining([policyId]));
  });
});

describe('CostGuardrails anomaly detection', () => {
  test('a services monitor and a custom monitor of each team\'s tag value', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::CE::AnomalyMonitor', 3);
    template.hasResourceProperties('AWS::CE::AnomalyMonitor', { MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' });
    const specs = Object.values(template.findResources('AWS::CE::AnomalyMonitor', { Properties: { MonitorType: 'CUSTOM' } }))
      .map(m => JSON.parse(m.Properties.MonitorSpecification));
    expect(specs).toEqual([
      { Tags: { Key: 'team', Values: ['fraud'], MatchOptions: ['EQUALS'] } },
      { Tags: { Key: 'team', Values: ['recsys'], MatchOptions: ['EQUALS'] } },
    ]);
  });

  test('monitorServices false leaves the account\'s one services monitor alone', () => {
    const { template, guardrails } = synth({ anomalyAlerts: { monitorServices: false } });
    template.resourceCountIs('AWS::CE::AnomalyMonitor', 2);
    expect(guardrails.serviceMonitor).toBeUndefined();
    const [sub] = Object.values(template.findResources('AWS::CE::AnomalySubscription'));
    expect(sub.Properties.MonitorArnList).toHaveLength(2);
  });

  test('the topic gets each anomaly immediately, the emails a daily summary, both over every monitor', () => {
    const { template, guardrails } = synth();
    const stack = Stack.of(guardrails);
    const monitors = Object.keys(template.findResources('AWS::CE::AnomalyMonitor')).sort();
    const subs = Object.values(template.findResources('AWS::CE::AnomalySubscription')).map(s => s.Properties);
    const monitored = (s: any) => s.MonitorArnList.map((a: any) => a['Fn::GetAtt'][0]).sort();
    const toTopic = subs.find(s => s.Frequency === 'IMMEDIATE');
    expect(toTopic.Subscribers).toEqual([{ Type: 'SNS', Address: stack.resolve(guardrails.topic.topicArn) }]);
    expect(monitored(toTopic)).toEqual(monitors);
    const byEmail = subs.find(s => s.Frequency === 'DAILY');
    expect(byEmail.Subscribers).toEqual(EMAILS.map(Address => ({ Type: 'EMAIL', Address })));
    expect(monitored(byEmail)).toEqual(monitors);
    expect(subs).toHaveLength(2);
  });

  test('an anomaly notifies only above both an absolute and a percentage impact', () => {
    const { template } = synth({ anomalyAlerts: { absoluteImpactUsd: 250, percentImpact: 15, emailFrequency: AnomalyEmailFrequency.WEEKLY } });
    const subs = Object.values(template.findResources('AWS::CE::AnomalySubscription')).map(s => s.Properties);
    expect(subs.map(s => s.Frequency).sort()).toEqual(['IMMEDIATE', 'WEEKLY']);
    for (const s of subs) {
      expect(s.Threshold).toBeUndefined();
      expect(JSON.parse(s.ThresholdExpression)).toEqual({
        And: [
          { Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['250'] } },
          { Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_PERCENTAGE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['15'] } },
        ],
      });
    }
  });

  test('defaults to USD 100 and 20 %', () => {
    const { template } = synth();
    const [sub] = Object.values(template.findResources('AWS::CE::AnomalySubscription'));
    const values = JSON.parse(sub.Properties.ThresholdExpression).And.map((e: any) => e.Dimensions.Values[0]);
    expect(values).toEqual(['100', '20']);
  });
});

describe('CostGuardrails cost category', () => {
  test('maps team tag values to finance names with a default bucket', () => {
    const { template } = synth({ costCategory: { name: 'Team', financeNames: { fraud: 'Fraud Detection', recsys: 'Recommendations' } } });
    const [cc] = Object.values(template.findResources('AWS::CE::CostCategory'));
    expect(cc.Properties).toMatchObject({ Name: 'Team', RuleVersion: 'CostCategoryExpression.v1', DefaultValue: 'Unallocated' });
    expect(JSON.parse(cc.Properties.Rules)).toEqual([
      { Value: 'Fraud Detection', Rule: { Tags: { Key: 'team', Values: ['fraud'], MatchOptions: ['EQUALS'] } } },
      { Value: 'Recommendations', Rule: { Tags: { Key: 'team', Values: ['recsys'], MatchOptions: ['EQUALS'] } } },
    ]);
  });

  test('takes its own default value', () => {
    const { template } = synth({ costCategory: { name: 'Team', financeNames: { fraud: 'Fraud' }, defaultValue: 'Shared platform' } });
    template.hasResourceProperties('AWS::CE::CostCategory', { DefaultValue: 'Shared platform' });
  });

  test('is not created unless asked for', () => {
    const { template, guardrails } = synth();
    template.resourceCountIs('AWS::CE::CostCategory', 0);
    expect(guardrails.costCategory).toBeUndefined();
  });
});
