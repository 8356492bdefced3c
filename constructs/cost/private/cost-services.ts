import { Aws, Token } from 'aws-cdk-lib';

/** Budgets publishes to a topic on behalf of this principal. */
export const BUDGETS_PRINCIPAL = 'budgets.amazonaws.com';
/** Cost Anomaly Detection publishes to a topic on behalf of this principal. */
export const COST_ALERTS_PRINCIPAL = 'costalerts.amazonaws.com';

/**
 * The address form Cost Anomaly Detection accepts for an email subscriber (the pattern of
 * `AWS::CE::AnomalySubscription.Subscriber.Address`); Budgets accepts the same addresses.
 */
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+=?^_`{|}~-]+@[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)+$/;

/** Problems with a list of email subscribers, for the prop named `prop`. */
export function emailProblems(prop: string, emails: readonly string[], max: number): string[] {
  const problems: string[] = [];
  if (emails.length === 0) {
    problems.push(`${prop} is empty; give at least one email address, or leave ${prop} out where it is optional`);
  }
  if (emails.length > max) {
    problems.push(`${prop} has ${emails.length} addresses; a budget notification takes at most ${max} email subscribers`);
  }
  for (const email of emails) {
    if (!Token.isUnresolved(email) && !EMAIL.test(email)) {
      problems.push(`${prop} contains "${email}", which is not an email address (name@domain.tld)`);
    }
  }
  const seen = new Set<string>();
  for (const email of emails) {
    const lower = email.toLowerCase();
    if (seen.has(lower)) {
      problems.push(`${prop} lists "${email}" twice; list each address once`);
    }
    seen.add(lower);
  }
  return problems;
}

/**
 * A positive, finite amount, or a problem naming `prop`. Tokens are left to CloudFormation.
 */
export function positiveProblem(prop: string, value: number, unit: string): string | undefined {
  if (Token.isUnresolved(value)) {
    return undefined;
  }
  if (!Number.isFinite(value) || value <= 0) {
    return `${prop} (${value}) must be a positive number of ${unit}`;
  }
  return undefined;
}

/** `arn:<partition>:<service>::<account>:<resource>`: the ARN form of the global billing services. */
export function globalArn(service: string, resource: string): string {
  return `arn:${Aws.PARTITION}:${service}::${Aws.ACCOUNT_ID}:${resource}`;
}
