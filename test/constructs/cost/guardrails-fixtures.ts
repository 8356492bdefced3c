import { App, Stack, type StackProps } from 'aws-cdk-lib';
import { CostAttribution } from '../../../constructs';

export const PLATFORM_TAGS = { 'team': 'ml-platform', 'project': 'mlops', 'cost-center': 'cc-4200', 'environment': 'prod' };
export const EMAILS = ['finops@example.com', 'ml-leads@example.com'];

/** A stack under an app with cost attribution, the validator off (these tests assert the template). */
export function billingStack(app = new App({ builtinCloudFormationValidation: false }), props: StackProps = {}): Stack {
  CostAttribution.apply(app, { tags: PLATFORM_TAGS });
  return new Stack(app, 'Billing', props);
}
