import { Stack } from 'aws-cdk-lib';
import { EMAILS, PLATFORM_TAGS } from './guardrails-fixtures';
import { BillingExport, CostAllocationTags, CostAttribution, CostGuardrails } from '../../../constructs';
import { cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';

/** A representative billing stack in us-east-1: guardrails for two teams with a cost category, tag activation, the export. */
const result = synthWithNag(app => {
  CostAttribution.apply(app, { tags: PLATFORM_TAGS });
  const stack = new Stack(app, 'Billing', { env: { account: '111122223333', region: 'us-east-1' } });
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
