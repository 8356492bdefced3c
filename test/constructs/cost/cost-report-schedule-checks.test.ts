import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { TAGS } from './report-schedule-fixtures';
import { CostAttribution, CostReportSchedule } from '../../../constructs';
import { cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';

/** A representative stack: a weekly report with its own bucket and a daily one of another team. */
const result = synthWithNag(app => {
  CostAttribution.apply(app, { tags: TAGS });
  const stack = new Stack(app, 'CostReports');
  const topic = new sns.Topic(stack, 'Alerts', { masterKey: new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true }), enforceSSL: true });
  new CostReportSchedule(stack, 'Weekly', {
    topic,
    schedule: 'cron(0 7 ? * MON *)',
    timeZone: TimeZone.EUROPE_BERLIN,
    monthsOfHistory: 12,
    reportRetention: Duration.days(400),
  });
  new CostReportSchedule(stack, 'Daily', { topic, schedule: 'rate(1 day)', costTags: { team: 'finops' } });
});

test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cfn-lint finds no error', () => {
  const lint = cfnLint(templatePaths(result.assembly!));
  expect(lint.errors).toEqual([]);
});
