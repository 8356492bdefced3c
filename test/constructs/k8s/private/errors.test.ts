import { Aws, CfnParameter, Lazy, Stack, Token } from 'aws-cdk-lib';
import { isResolved } from '../../../../constructs/k8s/private/errors';

// The charts detect CDK tokens by their string markers, without aws-cdk-lib: these cases pin that the result
// agrees with aws-cdk-lib's own Token.isUnresolved for the strings a cost tag can hold.
const stack = new Stack();
const parameter = new CfnParameter(stack, 'Environment');

test.each<[string, string]>([
  ['a lazy string', Lazy.string({ produce: () => 'prod' })],
  ['a parameter value', parameter.valueAsString],
  ['a pseudo parameter', Aws.ACCOUNT_ID],
  ['a token inside a longer string', `env-${parameter.valueAsString}`],
])('%s is unresolved', (_what, value) => {
  expect(Token.isUnresolved(value)).toBe(true);
  expect(isResolved(value)).toBe(false);
});

test.each(['prod', 'cc-4200', 'Token[x]', '${Token}', '${Token[has space]}', '-1.5e+289'])('%p is resolved', (value) => {
  expect(Token.isUnresolved(value)).toBe(false);
  expect(isResolved(value)).toBe(true);
});
