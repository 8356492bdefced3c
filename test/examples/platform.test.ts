import { normalizedTemplate } from '../../constructs';
import { buildPlatform } from '../../examples/platform/platform';
import { cfnLint, describeViolations, synthWithNag, templatePaths } from '../harness/validators';

// One synth of the whole example, shared by the checks below.
let stacks: ReturnType<typeof buildPlatform> = [];
const result = synthWithNag(app => {
  stacks = buildPlatform(app);
});

test('cdk-nag AWS Solutions checks: no unacknowledged finding', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cfn-lint: no error in any template', () => {
  const templates = templatePaths(result.assembly!);
  expect(templates.length).toBe(stacks.length);
  const lint = cfnLint(templates);
  expect(lint.errors).toEqual([]);
});

test.each(stacks.map(s => [s.stackName, s] as const))('%s template matches the reviewed snapshot', (_name, stack) => {
  expect(normalizedTemplate(stack)).toMatchSnapshot();
});
