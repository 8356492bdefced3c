// The shared helpers load without aws-cdk-lib; only the token check differs for charts (see below).
export { throwIfProblems, validationError } from '../../private/errors';

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
