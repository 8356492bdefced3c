import { decidePromotion, MAX_APPROVAL_DESCRIPTION, type GateCandidate } from '../../../src/registry/decision';

const candidate = (version: number, value: number): GateCandidate => ({ arn: `arn:pkg/${version}`, version, value, source: `s3://evals/${version}.json` });

describe('decidePromotion', () => {
  test('maximize: approves a challenger better by at least the minimum improvement, with a description naming both', () => {
    const d = decidePromotion({ metric: 'auc', direction: 'maximize', minImprovement: 0.01 }, candidate(4, 0.93), candidate(3, 0.92));
    expect(d).toMatchObject({ outcome: 'approve', reason: 'improved' });
    expect(d.improvement).toBeCloseTo(0.01, 12);
    expect(d.description).toBe('Approved by mlops-model-gate: auc 0.93 (challenger v4) vs 0.92 (champion v3), maximize, improvement 0.01 >= required 0.01.');
  });

  test('maximize: rejects an improvement below the minimum', () => {
    const d = decidePromotion({ metric: 'auc', direction: 'maximize', minImprovement: 0.02 }, candidate(4, 0.93), candidate(3, 0.92));
    expect(d).toMatchObject({ outcome: 'reject', reason: 'not-improved' });
    expect(d.description).toMatch(/^Rejected by mlops-model-gate: .*improvement 0\.01 < required 0\.02\.$/);
  });

  test('minimize: a lower value is the improvement', () => {
    const better = decidePromotion({ metric: 'mse', direction: 'minimize' }, candidate(2, 0.30), candidate(1, 0.35));
    const worse = decidePromotion({ metric: 'mse', direction: 'minimize' }, candidate(2, 0.40), candidate(1, 0.35));
    expect([better.outcome, better.improvement]).toEqual(['approve', expect.closeTo(0.05, 12)]);
    expect([worse.outcome, worse.improvement]).toEqual(['reject', expect.closeTo(-0.05, 12)]);
  });

  test('a tie never approves, even with a minimum improvement of 0', () => {
    const d = decidePromotion({ metric: 'auc', direction: 'maximize' }, candidate(2, 0.9), candidate(1, 0.9));
    expect(d).toMatchObject({ outcome: 'reject', reason: 'not-improved' });
    expect(d.description).toMatch(/is not an improvement\.$/);
  });

  test('a threshold the challenger misses rejects it even when it beats the champion', () => {
    const d = decidePromotion({ metric: 'auc', direction: 'maximize', threshold: 0.8 }, candidate(2, 0.75), candidate(1, 0.7));
    expect(d).toMatchObject({ outcome: 'reject', reason: 'below-threshold' });
    expect(d.description).toMatch(/does not meet the threshold: maximize auc, must be at least 0\.8\.$/);
  });

  test('no champion: approves a first model that meets the threshold (at most, when minimizing)', () => {
    const d = decidePromotion({ metric: 'mse', direction: 'minimize', threshold: 0.5 }, candidate(1, 0.5), undefined);
    expect(d).toMatchObject({ outcome: 'approve', reason: 'first-model-meets-threshold' });
  });

  test('no champion: rejects a first model that misses the threshold', () => {
    expect(decidePromotion({ metric: 'mse', direction: 'minimize', threshold: 0.5 }, candidate(1, 0.51), undefined))
      .toMatchObject({ outcome: 'reject', reason: 'below-threshold' });
  });

  test('no champion and no threshold: no decision, left for manual approval', () => {
    const d = decidePromotion({ metric: 'auc', direction: 'maximize' }, candidate(1, 0.9), undefined);
    expect(d).toMatchObject({ outcome: 'no-decision', reason: 'no-champion' });
    expect(d.description).toMatch(/left for manual approval/);
  });

  test('no challenger: no decision', () => {
    expect(decidePromotion({ metric: 'auc', direction: 'maximize' }, undefined, candidate(1, 0.9)))
      .toMatchObject({ outcome: 'no-decision', reason: 'no-challenger' });
  });

  test('the description fits UpdateModelPackage\'s 1024 characters', () => {
    const d = decidePromotion({ metric: 'm'.repeat(2000), direction: 'maximize' }, candidate(2, 2), candidate(1, 1));
    expect(d.description).toHaveLength(MAX_APPROVAL_DESCRIPTION);
  });

  test.each([
    [{ metric: '', direction: 'maximize' }, /metric \(""\) must be a non-empty metric name/],
    [{ metric: 'auc', direction: 'up' }, /direction \("up"\) must be one of maximize, minimize/],
    [{ metric: 'auc', direction: 'maximize', minImprovement: -1 }, /minImprovement \(-1\) must be a finite number of at least 0/],
    [{ metric: 'auc', direction: 'maximize', threshold: Number.NaN }, /threshold \(NaN\) must be a finite number/],
  ])('rejects a bad rule: %j', (rule, message) => {
    expect(() => decidePromotion(rule as any, candidate(2, 1), candidate(1, 0))).toThrow(message);
  });
});
