import { day, rows, weekly, withExtra } from './rows';
import { detectAnomalies } from '../../../../src/cost-report/anomaly';
import { dayFromIndex, dayIndex } from '../../../../src/cost-report/anomaly/private/series';
import { generateCostSeries } from '../../../../src/cost-report/synthetic';

// One incident, one alert: flagged days stay out of later baselines and scales, and a confirmed level shift is
// learned as the team's new level (the change-point rule of detectAnomalies).

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const DAYS = 182;
const SHIFT = 70;

/** Weekly spend of 1000 (weekends 600) that steps up by half from day SHIFT and stays there. */
const shifted = (extra: Record<number, number> = {}, opts: { noisePercent?: number; seed?: number } = {}) =>
  withExtra(t => weekly(1000, opts)(t) * (t >= SHIFT ? 1.5 : 1), extra);

test('a level shift raises one anomaly, of kind level-shift, starting on the day of the shift', () => {
  const anomalies = detectAnomalies(rows('search', EC2, DAYS, shifted()));
  expect(anomalies).toEqual([expect.objectContaining({ team: 'search', kind: 'level-shift', start: day(SHIFT) })]);
});

test('weekend days whose excess is under minImpactAmount do not split the shift into several alerts', () => {
  // +400 on weekdays, +40 on weekends: each weekend day alone is below the 50 of minImpactAmount.
  const step = (t: number) => (t < SHIFT ? 0 : [0, 6].includes((t + 1) % 7) ? 40 : 400);
  const anomalies = detectAnomalies(rows('search', EC2, DAYS, t => weekly(1000, { weekend: 0.3 })(t) + step(t)));
  expect(anomalies.map(a => [a.kind, a.start])).toEqual([['level-shift', day(SHIFT)]]);
});

test('a spike three weeks after a shift is found: the shift inflates neither the baseline nor the scale', () => {
  const spike = SHIFT + 21;
  const anomalies = detectAnomalies(rows('search', EC2, DAYS, shifted({ [spike]: 600 })));
  expect(anomalies.map(a => [a.kind, a.start, a.end])).toEqual([
    ['level-shift', day(SHIFT), day(SHIFT + 6)],
    ['daily', day(spike), day(spike)],
  ]);
});

test('a spike during the warm-up of the new level (ten days after the shift) is found', () => {
  const spike = SHIFT + 10;
  const anomalies = detectAnomalies(rows('search', EC2, DAYS, shifted({ [spike]: 600 })));
  expect(anomalies.map(a => [a.kind, a.start])).toEqual([['level-shift', day(SHIFT)], ['daily', day(spike)]]);
});

test('a spike does not hide the next spike of the same team a week later', () => {
  const anomalies = detectAnomalies(rows('search', EC2, DAYS, withExtra(weekly(1000), { 70: 3000, 71: 3000, 72: 3000, 77: 400 })));
  expect(anomalies.map(a => [a.kind, a.start, a.end])).toEqual([['daily', day(70), day(72)], ['daily', day(77), day(77)]]);
});

test('a slow drift is one drift anomaly, not a run of daily alerts', () => {
  // +40% spread over 45 days from 2024-03-01 (day 60).
  const ramp = (t: number) => 1 + 0.4 * Math.min(1, Math.max(0, (t - 60) / 45));
  const anomalies = detectAnomalies(rows('search', EC2, DAYS, t => weekly(1000)(t) * ramp(t)));
  expect(anomalies.filter(a => a.kind !== 'drift')).toEqual([]);
  expect(anomalies.filter(a => a.kind === 'drift').length).toBeGreaterThanOrEqual(1);
  expect(anomalies.filter(a => a.kind === 'drift').length).toBeLessThanOrEqual(2);
});

test('levelShiftDays is the change-point rule: a three-day step with levelShiftDays 3 is a shift, with 7 a spike', () => {
  const data = rows('search', EC2, DAYS, withExtra(weekly(1000), { 70: 800, 71: 800, 72: 800 }));
  expect(detectAnomalies(data, { levelShiftDays: 3 }).map(a => a.kind)).toEqual(['level-shift']);
  expect(detectAnomalies(data).map(a => a.kind)).toEqual(['daily']);
});

test('on generated series, every planted level shift raises exactly one alert of its team in the six weeks after it', () => {
  let shifts = 0;
  for (const seed of [100, 101, 102, 103, 104, 105]) {
    const series = generateCostSeries({ seed, spikesPerTeam: 0, driftProbability: 0, tagLossEvents: 0, levelShiftProbability: 0.6 });
    const anomalies = detectAnomalies(series.rows);
    for (const label of series.labels) {
      const to = dayFromIndex(dayIndex(label.start) + 41);
      const alerts = anomalies.filter(a => a.team === label.team && a.start <= to && label.start <= a.end);
      const where = { seed, label: label.start, team: label.team };
      expect({ ...where, alerts: alerts.length }).toEqual({ ...where, alerts: 1 });
      shifts++;
    }
  }
  expect(shifts).toBeGreaterThan(20);
});

test('a step of the same amount every day (weekends included) is learned as a shift, not alerted every weekend', () => {
  const anomalies = detectAnomalies(rows('search', EC2, DAYS, t => weekly(1000, { weekend: 0.1 })(t) + (t >= SHIFT ? 900 : 0)));
  expect(anomalies.map(a => [a.kind, a.start])).toEqual([['level-shift', day(SHIFT)]]);
});
