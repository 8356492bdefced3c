import { crossAccountPromotion, promotionFixture } from './promotion-fixtures';
import { cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';

/** A representative app: a promotion with a cross-account production and an approval topic, and the production account's roles. */
const result = synthWithNag(app => {
  const f = promotionFixture(app);
  crossAccountPromotion(f, { approvalEmails: ['ml-oncall@example.com'] });
});

test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cfn-lint finds no error', () => {
  const lint = cfnLint(templatePaths(result.assembly!));
  expect(lint.errors).toEqual([]);
});
