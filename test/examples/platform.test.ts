import { normalizedTemplate } from '../../constructs';
import { buildPlatform } from '../../examples/platform/platform';
import { acknowledgements, cfnLint, describeViolations, synthWithNag, templatePaths } from '../harness/validators';

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
  expect(lint.exitCode & 2).toBe(0);
});

test('every cdk-nag acknowledgement carries a specific reason', () => {
  const acks = stacks.flatMap(s => acknowledgements(s));
  expect(acks.length).toBeGreaterThan(0);
  // A reason is read by a security reviewer: it says why the finding does not apply here, not that it was seen.
  const vague = acks.filter(a => a.reason.trim().length < 40 || /^(n\/?a|ok|todo|fine|needed|required|false positive|suppressed?)\.?$/i.test(a.reason.trim()));
  expect(vague).toEqual([]);
});

test.each(stacks.map(s => [s.stackName, s] as const))('%s template matches the reviewed snapshot', (_name, stack) => {
  expect(normalizedTemplate(stack)).toMatchSnapshot();
});
