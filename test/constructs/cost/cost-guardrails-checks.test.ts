import { Stack } from 'aws-cdk-lib';
import { EMAILS, PLATFORM_TAGS } from './guardrails-fixtures';
import { BillingExport, CostAllocationTags, CostAttribution, CostGuardrails } from '../../../constructs';
import { acknowledgements, cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';

/** A representative billing stack in us-east-1: guardrails for two teams with a cost category, tag activation, the export. */
let stack: Stack;
const result = synthWithNag(app => {
  CostAttribution.apply(app, { tags: PLATFORM_TAGS });
  stack = new Stack(app, 'Billing', { env: { account: '111122223333', region: 'us-east-1' } });
  new CostGuardrails(stack, 'CostGuardrails', {
    teams: { fraud: { monthlyLimitUsd: 20000 }, recsys: { monthlyLimitUsd: 45000, forecastedThresholdsPercent: [110] } },
    subscribers: EMAILS,
    costCategory: { name: 'Team', financeNames: { fraud: 'Fraud Detection', recsys: 'Recommendations' } },
  });
  new CostAllocationTags(stack, 'CostAllocationTags');
  new BillingExport(stack, 'BillingExport');
});

test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cfn-lint finds no error', () => {
  const lint = cfnLint(templatePaths(result.assembly!));
  expect(lint.errors).toEqual([]);
});

test('every cdk-nag acknowledgement carries a specific reason', () => {
  const acks = acknowledgements(stack);
  expect(acks.map(a => a.rule.replace(/^Annotation::/, '')).sort()).toEqual([
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'AwsSolutions-IAM5[Resource::*]',
    expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<CostAllocationTagsHandler[0-9A-F]{8}\.Arn>:\*\]$/),
    expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<CostAllocationTagsLogs[0-9A-F]{8}\.Arn>\]$/),
    'AwsSolutions-S1',
  ]);
  expect(acks.filter(a => a.reason.trim().length < 40)).toEqual([]);
});
