import { day, rows, weekly, withExtra } from './rows';
import { amountToNumber } from '../../../../src/cost-report/amount';
import { DEFAULT_ANOMALY_OPTIONS, detectAnomalies } from '../../../../src/cost-report/anomaly';
import { UNTAGGED } from '../../../../src/cost-report/model';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const S3 = 'Amazon Simple Storage Service';
const DAYS = 84;

describe('daily rule', () => {
  test('flags a one-day spike with its day, impact and kind', () => {
    const data = rows('fraud', EC2, DAYS, withExtra(weekly(1000), { 60: 800 }));
    const anomalies = detectAnomalies(data);
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({ team: 'fraud', start: day(60), end: day(60), kind: 'daily' });
    expect(amountToNumber(anomalies[0].impact)).toBeCloseTo(800, -2);
    expect(anomalies[0].maxScore).toBeGreaterThan(DEFAULT_ANOMALY_OPTIONS.minScore);
  });

  test('a weekly pattern with weekends at 40% of weekdays raises nothing', () => {
    const data = rows('fraud', EC2, DAYS, weekly(1000, { weekend: 0.4, noisePercent: 4 }));
    expect(detectAnomalies(data)).toEqual([]);
  });

  test('consecutive flagged days merge into one anomaly with the exact total impact', () => {
    const data = [
      ...rows('fraud', EC2, DAYS, withExtra(weekly(1000, { noisePercent: 0 }), { 60: 900, 61: 700, 62: 800 })),
      ...rows('fraud', S3, DAYS, weekly(200, { noisePercent: 0 })),
    ];
    const anomalies = detectAnomalies(data);
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({ start: day(60), end: day(62) });
    expect(amountToNumber(anomalies[0].impact)).toBeCloseTo(2400, 6);
  });

  test('drivers name the service that moved, largest first', () => {
    const data = [
      ...rows('fraud', EC2, DAYS, withExtra(weekly(1000, { seed: 1 }), { 60: 100 })),
      ...rows('fraud', S3, DAYS, withExtra(weekly(500, { seed: 2 }), { 60: 900 })),
    ];
    const [anomaly] = detectAnomalies(data);
    expect(anomaly.drivers[0].service).toBe(S3);
    expect(amountToNumber(anomaly.drivers[0].impact)).toBeGreaterThan(amountToNumber(anomaly.drivers[1]?.impact ?? { units: 0n }));
  });

  test('a drop in spend is not an anomaly', () => {
    const data = rows('fraud', EC2, DAYS, withExtra(weekly(1000), { 60: -900 }));
    expect(detectAnomalies(data)).toEqual([]);
  });

  test('estimated days are never flagged', () => {
    const data = rows('fraud', EC2, DAYS, withExtra(weekly(1000), { 82: 5000, 83: 5000 }), { estimatedFrom: 82 });
    expect(detectAnomalies(data)).toEqual([]);
  });

  test('warm-up: no flag before the team has minBaselineWeeks of same-weekday history', () => {
    const data = rows('fraud', EC2, DAYS, withExtra(weekly(1000), { 15: 5000 }));
    expect(detectAnomalies(data)).toEqual([]);
  });

  test('a new team is not flagged during newTeamSuppressionDays after its first spend', () => {
    const data = [
      ...rows('fraud', EC2, DAYS, weekly(1000)),
      ...rows('vision', EC2, DAYS, withExtra(weekly(1000, { seed: 3 }), { 63: 5000 }), { from: 28 }),
    ];
    expect(detectAnomalies(data)).toEqual([]);
    expect(detectAnomalies(data, { newTeamSuppressionDays: 0 })).toEqual([expect.objectContaining({ team: 'vision', start: day(63) })]);
  });

  test('a spike below minImpactAmount is not flagged, however large in percent', () => {
    const data = rows('tiny', EC2, DAYS, withExtra(weekly(10), { 60: 30 }));
    expect(detectAnomalies(data)).toEqual([]);
    expect(detectAnomalies(data, { minImpactAmount: 5 })).toHaveLength(1);
  });

  test('a spike below minImpactPercent is not flagged, however large in currency', () => {
    const data = rows('huge', EC2, DAYS, withExtra(weekly(100_000, { noisePercent: 0.5 }), { 60: 10_000 }));
    expect(detectAnomalies(data, { scaleFloorPercent: 0.5 })).toEqual([]);
    expect(detectAnomalies(data, { scaleFloorPercent: 0.5, minImpactPercent: 5 })).toHaveLength(1);
  });

  test('a spike below minScore is not flagged on a noisy team', () => {
    const data = rows('noisy', EC2, DAYS, withExtra(weekly(1000, { noisePercent: 15 }), { 60: 300 }));
    expect(detectAnomalies(data)).toEqual([]);
  });

  test('spend moving to the untagged row is flagged on the untagged row', () => {
    const data = [
      ...rows('fraud', EC2, 60, weekly(1000)),
      ...rows(UNTAGGED, S3, DAYS, weekly(100, { seed: 5 })),
      ...rows(UNTAGGED, EC2, DAYS, weekly(1000, { seed: 6 }), { from: 60 }),
    ];
    const anomalies = detectAnomalies(data);
    expect(anomalies.map(a => a.team)).toEqual([UNTAGGED]);
    expect(anomalies[0].start).toBe(day(60));
    expect(anomalies[0].drivers[0].service).toBe(EC2);
  });

  test('a team with no spend on some days counts them as zero', () => {
    const data = rows('batch', EC2, DAYS, withExtra(t => (t % 7 === 2 ? 500 : 0), { 65: 2000 }));
    expect(detectAnomalies(data)).toEqual([expect.objectContaining({ team: 'batch', start: day(65) })]);
  });

  test('no rows, no anomalies', () => {
    expect(detectAnomalies([])).toEqual([]);
  });

  test('omitted options are the documented defaults', () => {
    const data = rows('fraud', EC2, DAYS, withExtra(weekly(1000), { 60: 800 }));
    expect(detectAnomalies(data, { ...DEFAULT_ANOMALY_OPTIONS })).toEqual(detectAnomalies(data));
  });
});

describe('drift check', () => {
  // Creeps up 1.2% a day for five weeks: never a daily jump, but the month is far above its baseline.
  const creep = (t: number) => weekly(1000, { noisePercent: 2 })(t) * (1 + 0.012 * Math.min(35, Math.max(0, t - 60)));
  const data = rows('forecasting', EC2, 121, creep);

  test('creep the daily rule absorbs is a drift anomaly for each month it lifts', () => {
    const anomalies = detectAnomalies(data);
    expect(anomalies.filter(a => a.kind === 'daily')).toEqual([]);
    expect(anomalies).toEqual([
      expect.objectContaining({ team: 'forecasting', start: '2024-03-01', end: '2024-03-31', kind: 'drift' }),
      expect.objectContaining({ team: 'forecasting', start: '2024-04-01', end: '2024-04-30', kind: 'drift' }),
    ]);
  });

  test('drift: false turns the check off', () => {
    expect(detectAnomalies(data, { drift: false })).toEqual([]);
  });

  test('a month below driftMinPercent is not drift', () => {
    expect(detectAnomalies(data, { driftMinPercent: 60 })).toEqual([]);
  });

  test('a step already reported as a level shift is not reported again as drift', () => {
    const step = rows('search', EC2, 121, t => weekly(1000, { noisePercent: 2 })(t) * (t >= 70 ? 1.6 : 1));
    expect(detectAnomalies(step).map(a => a.kind)).toEqual(['level-shift']);
  });
});

describe('options', () => {
  const data = rows('fraud', EC2, 30, weekly(100));

  test('a negative threshold names the option', () => {
    expect(() => detectAnomalies(data, { minScore: -1 })).toThrow(/minScore \(-1\) must be a finite number of at least 0/);
  });

  test('a fractional week count names the option', () => {
    expect(() => detectAnomalies(data, { baselineWeeks: 2.5 })).toThrow(/baselineWeeks \(2.5\) must be a whole number/);
  });

  test('minBaselineWeeks above baselineWeeks says how to fix it', () => {
    expect(() => detectAnomalies(data, { minBaselineWeeks: 5 })).toThrow(/minBaselineWeeks \(5\) must not exceed baselineWeeks \(4\); raise baselineWeeks or lower minBaselineWeeks/);
  });

  test('a zero scale floor is rejected', () => {
    expect(() => detectAnomalies(data, { scaleFloorAmount: 0 })).toThrow(/scaleFloorAmount \(0\)/);
  });

  test('every problem is reported in one error', () => {
    expect(() => detectAnomalies(data, { minScore: NaN, driftMinDays: 0 })).toThrow(/2 problems:\n  - driftMinDays \(0\)[^\n]*\n  - minScore \(NaN\)/);
  });
});
