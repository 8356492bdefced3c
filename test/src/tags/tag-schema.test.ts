import { MlopsStackError, TagSchema } from '../../../src';

const VALID = { 'team': 'fraud', 'project': 'scoring', 'cost-center': 'cc-1234', 'environment': 'prod' };

describe('TagSchema.DEFAULT', () => {
  test('requires team, project, cost-center and environment; model and pipeline are optional', () => {
    expect(TagSchema.DEFAULT.requiredKeys).toEqual(['team', 'project', 'cost-center', 'environment']);
    expect(TagSchema.DEFAULT.keys.map(k => k.key)).toEqual(['team', 'project', 'cost-center', 'environment', 'model', 'pipeline']);
    expect(TagSchema.DEFAULT.teamKey).toBe('team');
    expect(TagSchema.DEFAULT.modelKey).toBe('model');
  });

  test('accepts valid values', () => {
    expect(TagSchema.DEFAULT.problems(VALID)).toEqual([]);
    expect(TagSchema.DEFAULT.missingKeys(VALID)).toEqual([]);
  });

  test('reports missing and empty required keys', () => {
    expect(TagSchema.DEFAULT.missingKeys({ team: 'fraud', project: '' })).toEqual(['project', 'cost-center', 'environment']);
  });

  test('rejects keys outside the schema, naming the allowed keys', () => {
    const problems = TagSchema.DEFAULT.problems({ costcenter: 'cc-1' });
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/"costcenter" is not in the schema; allowed keys: team, project, cost-center/);
  });

  test.each([
    ['too long', 'x'.repeat(257), /at most 256/],
    ['a disallowed character', 'fraud#1', /may contain only letters/],
    ['the aws: prefix', 'aws:fraud', /must not start with "aws:"/],
    ['empty', '', /empty value/],
  ])('rejects a value that is %s', (_what, value, message) => {
    const problems = TagSchema.DEFAULT.problems({ team: value });
    expect(problems.map(p => p.message).join('\n')).toMatch(message);
  });

  test('rejects a valid AWS tag value that cannot become a Kubernetes label value', () => {
    // Spaces are fine in AWS tags but not in labels: an error, not a silent rewrite.
    expect(TagSchema.DEFAULT.problems({ team: 'ML Platform' }).map(p => p.message)).toEqual([
      expect.stringMatching(/"ML Platform" cannot be a Kubernetes label value/),
    ]);
    expect(TagSchema.DEFAULT.problems({ project: 'a'.repeat(64) })[0].message).toMatch(/at most 63 characters/);
    expect(TagSchema.DEFAULT.problems({ project: '-leading' })[0].message).toMatch(/starting and ending alphanumeric/);
  });

  test('assertValid throws one MlopsStackError listing every problem, prefixed with the path', () => {
    const attempt = () => TagSchema.DEFAULT.assertValid({ team: 'ML Platform', owner: 'x' }, 'App/Stack');
    expect(attempt).toThrow(MlopsStackError);
    expect(attempt).toThrow(/^App\/Stack: invalid cost-attribution tags:\n {2}- tag "team".*\n {2}- tag key "owner"/);
  });
});

describe('Kubernetes labels', () => {
  test('carry the same values under the label prefix', () => {
    expect(TagSchema.DEFAULT.toLabels({ ...VALID, model: 'fraud-xgb' })).toEqual({
      'mlops-stack.io/team': 'fraud',
      'mlops-stack.io/project': 'scoring',
      'mlops-stack.io/cost-center': 'cc-1234',
      'mlops-stack.io/environment': 'prod',
      'mlops-stack.io/model': 'fraud-xgb',
    });
  });

  test('round-trip back to tags', () => {
    expect(TagSchema.DEFAULT.fromLabels({ ...TagSchema.DEFAULT.toLabels(VALID), app: 'x' })).toEqual(VALID);
  });

  test('refuse values that are not valid labels', () => {
    expect(() => TagSchema.DEFAULT.toLabels({ ...VALID, team: 'ML Platform' })).toThrow(/cannot be a Kubernetes label value/);
  });

  test('labelKey rejects keys outside the schema', () => {
    expect(() => TagSchema.DEFAULT.labelKey('owner')).toThrow(/"owner" is not in the schema/);
  });
});

describe('custom schemas', () => {
  const corp = TagSchema.define({
    keys: [
      { key: 'owner', required: true },
      { key: 'CostCenter', required: true, labelName: 'cost-center' },
      { key: 'env', required: true },
      { key: 'app' },
    ],
    teamKey: 'owner',
    labelPrefix: 'billing.example.com/',
  });

  test('use their own keys, team key and label names', () => {
    expect(corp.requiredKeys).toEqual(['owner', 'CostCenter', 'env']);
    expect(corp.teamKey).toBe('owner');
    expect(corp.modelKey).toBeUndefined();
    expect(corp.toLabels({ owner: 'fraud', CostCenter: 'cc-9', env: 'dev' })).toEqual({
      'billing.example.com/owner': 'fraud',
      'billing.example.com/cost-center': 'cc-9',
      'billing.example.com/env': 'dev',
    });
    expect(corp.problems({ team: 'fraud' })[0].message).toMatch(/allowed keys: owner, CostCenter, env, app/);
  });

  test('reject a team key that is not a defined, required key', () => {
    expect(() => TagSchema.define({ keys: [{ key: 'owner', required: true }], teamKey: 'team' }))
      .toThrow(/teamKey \("team"\) must be one of the defined keys: owner/);
    expect(() => TagSchema.define({ keys: [{ key: 'owner' }], teamKey: 'owner' }))
      .toThrow(/teamKey \("owner"\) must be a required key/);
  });

  test('reject invalid and reserved keys, duplicates and label collisions, all in one error', () => {
    const attempt = () => TagSchema.define({
      keys: [
        { key: 'owner', required: true },
        { key: 'owner' },
        { key: 'aws:team' },
        { key: 'k'.repeat(129) },
        { key: 'cost center' },
        { key: 'Cost_Center', labelName: 'owner' },
      ],
      teamKey: 'owner',
    });
    expect(attempt).toThrow(/"owner" is defined twice/);
    expect(attempt).toThrow(/"aws:team" must not start with "aws:"/);
    expect(attempt).toThrow(/must be 1 to 128 characters long \(got 129\)/);
    expect(attempt).toThrow(/"cost center" cannot become a Kubernetes label name/);
    expect(attempt).toThrow(/"Cost_Center" and "owner" map to the same label name "owner"/);
  });

  test('reject a label prefix that is not a DNS subdomain with a slash', () => {
    expect(() => TagSchema.define({ keys: [{ key: 'team', required: true }], teamKey: 'team', labelPrefix: 'Billing/' }))
      .toThrow(/labelPrefix \("Billing\/"\) must be a DNS subdomain/);
    expect(() => TagSchema.define({ keys: [{ key: 'team', required: true }], teamKey: 'team', labelPrefix: 'billing.io' }))
      .toThrow(/followed by "\/"/);
  });

  test('reject model and pipeline keys outside the schema', () => {
    expect(() => TagSchema.define({ keys: [{ key: 'team', required: true }], teamKey: 'team', modelKey: 'model' }))
      .toThrow(/modelKey \("model"\) must be one of the defined keys: team/);
  });
});
