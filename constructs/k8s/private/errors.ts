import type { IConstruct } from 'constructs';
import { MlopsStackError } from '../../../src/errors';

// The charts keep their own copy of these helpers instead of importing `constructs/private/errors.ts`: that file
// needs aws-cdk-lib (for `Token`), and a chart must load, synthesize and test with cdk8s alone.

/**
 * An {@link MlopsStackError} prefixed with the path of the construct that received the bad input.
 */
export function validationError(scope: IConstruct, message: string): MlopsStackError {
  return new MlopsStackError(message, scope.node.path);
}

/**
 * Throw once with every problem, so a user fixes them all in one round instead of one per synth.
 */
export function throwIfProblems(scope: IConstruct, what: string, problems: readonly string[]): void {
  if (problems.length === 1) {
    throw validationError(scope, problems[0]);
  }
  if (problems.length > 1) {
    throw validationError(scope, `${what}:\n  - ${problems.join('\n  - ')}`);
  }
}

// Chart props are plain values, but cost tags often come from `CostAttribution.tagsOf(stack)`, where a value may
// be a CDK token (a parameter, a pseudo parameter) known only at deploy time. aws-cdk-lib encodes such a string as
// `${Token[NAME.123]}`, possibly inside a longer string; this is the marker its `Token.isUnresolved` looks for in
// strings, matched here without loading aws-cdk-lib.
const CDK_STRING_TOKEN = /\$\{Token\[[a-zA-Z0-9:._-]+\]\}/;

/**
 * Whether a string is known at synth time, i.e. holds no CDK token. A value that does is produced at deploy
 * time and is not validated here.
 */
export function isResolved(value: string): boolean {
  return !CDK_STRING_TOKEN.test(value);
}
