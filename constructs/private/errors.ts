// No aws-cdk-lib here: the cdk8s charts use these helpers too, and they load with cdk8s alone.
import type { IConstruct } from 'constructs';
import { MlopsStackError } from '../../src/errors';

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
