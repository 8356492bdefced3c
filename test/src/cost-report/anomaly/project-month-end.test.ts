import { day, rows, weekly } from './rows';
import { amountToNumber } from '../../../../src/cost-report/amount';
import { projectMonthEnd } from '../../../../src/cost-report/anomaly';
import { UNTAGGED } from '../../../../src/cost-report/model';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
// 2024-01-01 .. 2024-03-14 (74 days): weekdays 100, weekends 50, no noise.
const steady = rows('fraud', EC2, 74, weekly(100, { weekend: 0.5, noisePercent: 0 }));

describe('projectMonthEnd', () => {
  test('month-to-date is the exact sum of the month so far', () => {
    const [p] = projectMonthEnd(steady, '2024-03-14');
    // March 1-14, 2024: 10 weekdays and 4 weekend days.
    expect(p).toMatchObject({ team: 'fraud', month: '2024-03' });
    expect(amountToNumber(p.monthToDate)).toBe(10 * 100 + 4 * 50);
  });

  test('remaining days are projected at their own weekday rate', () => {
    const [p] = projectMonthEnd(steady, '2024-03-14');
    // March 15-31, 2024: 11 weekdays and 6 weekend days.
    expect(amountToNumber(p.projectedMonth)).toBe(21 * 100 + 10 * 50);
  });

  test('the baseline is the same number of days just before the month', () => {
    const [p] = projectMonthEnd(steady, '2024-03-14');
    // 2024-01-30 .. 2024-02-29 (31 days): 23 weekdays and 8 weekend days.
    expect(amountToNumber(p.baselineMonth)).toBe(23 * 100 + 8 * 50);
  });

  test('asOfDay defaults to the last day that is not estimated', () => {
    const withEstimate = rows('fraud', EC2, 74, weekly(100, { weekend: 0.5, noisePercent: 0 }), { estimatedFrom: 73 });
    expect(projectMonthEnd(withEstimate)).toEqual(projectMonthEnd(withEstimate, day(72)));
  });

  test('names the last day counted and the provisional days of the month it left out', () => {
    // day(72) is 2024-03-13; 2024-03-14 is estimated and not counted.
    const withEstimate = rows('fraud', EC2, 74, weekly(100, { weekend: 0.5, noisePercent: 0 }), { estimatedFrom: 73 });
    const [p] = projectMonthEnd(withEstimate);
    expect(p).toMatchObject({ asOfDay: '2024-03-13', provisionalDaysLeftOut: ['2024-03-14'] });
    expect(amountToNumber(p.monthToDate)).toBe(9 * 100 + 4 * 50);
    expect(projectMonthEnd(steady)[0]).toMatchObject({ asOfDay: '2024-03-14', provisionalDaysLeftOut: [] });
  });

  test('every team gets a projection, the untagged row included, ordered by team', () => {
    const data = [...steady, ...rows(UNTAGGED, EC2, 74, weekly(10, { noisePercent: 0 })), ...rows('ads', EC2, 74, weekly(5, { noisePercent: 0 }))];
    expect(projectMonthEnd(data).map(p => p.team)).toEqual([UNTAGGED, 'ads', 'fraud']);
  });

  test('an asOfDay outside the data names the option and the range', () => {
    expect(() => projectMonthEnd(steady, '2025-01-01')).toThrow(/asOfDay \(2025-01-01\) must be within the data, 2024-01-01 to 2024-03-14/);
  });

  test('an asOfDay that is not a day says so', () => {
    expect(() => projectMonthEnd(steady, '2024-02-30')).toThrow(/asOfDay \("2024-02-30"\) must be a calendar day written YYYY-MM-DD/);
  });

  test('no rows, no projections', () => {
    expect(projectMonthEnd([])).toEqual([]);
  });
});
