import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CostAttribution, CostReportSchedule, type CostReportScheduleProps } from '../../../constructs';

export const TAGS = { 'team': 'ml-platform', 'project': 'recsys', 'cost-center': 'cc-4200', 'environment': 'prod' };

/** A stack with cost attribution and a KMS-encrypted topic, as CostGuardrails would give. */
export function scheduleFixture(app = new App({ builtinCloudFormationValidation: false })): { app: App; stack: Stack; topic: sns.Topic } {
  CostAttribution.apply(app, { tags: TAGS });
  const stack = new Stack(app, 'S');
  const topic = new sns.Topic(stack, 'Alerts', { masterKey: new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true }), enforceSSL: true });
  return { app, stack, topic };
}

/** A CostReportSchedule in a fresh fixture, with `props` over the defaults. */
export function reportSchedule(props: Partial<CostReportScheduleProps> = {}) {
  const f = scheduleFixture();
  const schedule = new CostReportSchedule(f.stack, 'CostReport', { topic: f.topic, ...props });
  return { ...f, schedule };
}
