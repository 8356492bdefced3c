import { Token } from 'aws-cdk-lib';

/**
 * Whether a value is known at synth time. Values that are tokens (a parameter, an attribute of another
 * resource) are checked by CloudFormation instead.
 */
export function isResolved(value: unknown): boolean {
  return !Token.isUnresolved(value);
}
