import { amountToNumber } from '../../../../src/cost-report/amount';
import { detectAnomalies } from '../../../../src/cost-report/anomaly';
import { UNTAGGED } from '../../../../src/cost-report/model';
import { generateCostSeries, sampleDataset, scoreDetections } from '../../../../src/cost-report/synthetic';

// Floors at default settings, over 12 seeds (each a year of 12 teams). Measured on these seeds: precision
// 0.99, recall 0.99 (`npm run bench -- anomaly` prints the figures on more seeds). The floors leave room for
// a change of noise in the last digit, not for a rule that misses a whole class of event.
const PRECISION_FLOOR = 0.95;
const RECALL_FLOOR = 0.95;
const SEEDS = Array.from({ length: 12 }, (_, i) => 100 + i);

describe('detection quality on labelled synthetic series, at default settings', () => {
  const runs = SEEDS.map(seed => {
    const series = generateCostSeries({ seed });
    const anomalies = detectAnomalies(series.rows);
    return { series, anomalies, quality: scoreDetections(anomalies, series.labels) };
  });
  const total = (f: (q: typeof runs[number]['quality']) => number) => runs.reduce((a, r) => a + f(r.quality), 0);

  test(`precision is at least ${PRECISION_FLOOR}`, () => {
    const detected = total(q => q.truePositives + q.falsePositives);
    expect(total(q => q.truePositives) / detected).toBeGreaterThanOrEqual(PRECISION_FLOOR);
  });

  test(`recall is at least ${RECALL_FLOOR}`, () => {
    const labels = runs.reduce((a, r) => a + r.series.labels.length, 0);
    expect(total(q => q.labelsFound) / labels).toBeGreaterThanOrEqual(RECALL_FLOOR);
  });

  test('every kind of planted event is found at least once', () => {
    const found = new Set(runs.flatMap(r => r.series.labels.filter(l => !r.quality.missed.includes(l)).map(l => l.kind)));
    expect([...found].sort()).toEqual(['drift', 'level-shift', 'spike', 'tag-loss']);
  });

  test('no new team is flagged while it ramps up', () => {
    for (const { series, anomalies } of runs) {
      for (const { team, firstDay } of series.newTeams) {
        const rampEnd = new Date(Date.parse(`${firstDay}T00:00:00Z`) + 28 * 86_400_000).toISOString().slice(0, 10);
        expect(anomalies.filter(a => a.team === team && a.start <= rampEnd)).toEqual([]);
      }
    }
  });
});

test('the precision floor fails a rule without its impact thresholds', () => {
  const loose = SEEDS.slice(0, 3).map(seed => {
    const series = generateCostSeries({ seed });
    return scoreDetections(detectAnomalies(series.rows, { minScore: 2, minImpactAmount: 0, minImpactPercent: 0 }), series.labels);
  });
  const tp = loose.reduce((a, q) => a + q.truePositives, 0);
  const detected = loose.reduce((a, q) => a + q.truePositives + q.falsePositives, 0);
  expect(tp / detected).toBeLessThan(PRECISION_FLOOR);
});

describe('scoreDetections', () => {
  const label = { team: 'fraud', kind: 'spike' as const, service: 'Amazon SageMaker', start: '2025-03-10', end: '2025-03-11' };
  const anomaly = (team: string, start: string, end: string) => ({
    team, start, end, impact: { units: 1n }, impactPercent: 50, maxScore: 9, drivers: [], kind: 'daily' as const,
  });

  test('a detection overlapping a label of the same team is a true positive', () => {
    expect(scoreDetections([anomaly('fraud', '2025-03-11', '2025-03-12')], [label])).toMatchObject({ precision: 1, recall: 1, f1: 1 });
  });

  test('the same days on another team are a false positive and a miss', () => {
    expect(scoreDetections([anomaly('risk', '2025-03-10', '2025-03-10')], [label])).toMatchObject({ precision: 0, recall: 0, falsePositives: 1, falseNegatives: 1 });
  });

  test('a detection the day after the label is a false positive', () => {
    expect(scoreDetections([anomaly('fraud', '2025-03-12', '2025-03-12')], [label]).falsePositives).toBe(1);
  });
});

describe('generateCostSeries', () => {
  test('the same seed gives the same rows and labels', () => {
    expect(generateCostSeries({ seed: 3, days: 90, teams: 3 })).toEqual(generateCostSeries({ seed: 3, days: 90, teams: 3 }));
  });

  test('another seed gives other rows', () => {
    expect(generateCostSeries({ seed: 4, days: 90, teams: 3 }).rows).not.toEqual(generateCostSeries({ seed: 3, days: 90, teams: 3 }).rows);
  });

  test('weekends are quieter than weekdays', () => {
    const quiet = { newTeams: 0, spikesPerTeam: 0, levelShiftProbability: 0, driftProbability: 0, tagLossEvents: 0 };
    const { rows } = generateCostSeries({ seed: 5, teams: 4, ...quiet });
    const byWeekday = new Array<number>(7).fill(0);
    for (const r of rows) {
      byWeekday[new Date(`${r.day}T00:00:00Z`).getUTCDay()] += amountToNumber(r.amount);
    }
    expect(Math.max(byWeekday[0], byWeekday[6])).toBeLessThan(Math.min(...byWeekday.slice(1, 6)));
  });

  test('tag loss moves the service to the untagged row from its first day', () => {
    const series = generateCostSeries({ seed: 6, tagLossEvents: 1 });
    const loss = series.labels.find(l => l.kind === 'tag-loss')!;
    expect(loss.team).toBe(UNTAGGED);
    const onUntagged = series.rows.filter(r => r.team === UNTAGGED && r.service === loss.service);
    expect(onUntagged.filter(r => r.day >= loss.start).length).toBeGreaterThan(0);
  });

  test('new teams have no rows before their first day', () => {
    const series = generateCostSeries({ seed: 7, newTeams: 2 });
    expect(series.newTeams).toHaveLength(2);
    for (const { team, firstDay } of series.newTeams) {
      expect(series.rows.filter(r => r.team === team && r.day < firstDay)).toEqual([]);
    }
  });

  test('only the last estimatedDays days are estimated', () => {
    const series = generateCostSeries({ seed: 8, days: 60, teams: 2, estimatedDays: 3 });
    expect([...new Set(series.rows.filter(r => r.estimated).map(r => r.day))]).toEqual([series.rows.at(-1)!.day].flatMap(last => {
      const t = Date.parse(`${last}T00:00:00Z`);
      return [2, 1, 0].map(k => new Date(t - k * 86_400_000).toISOString().slice(0, 10));
    }));
  });

  test('a bad option names itself', () => {
    expect(() => generateCostSeries({ days: 0 })).toThrow(/days \(0\) must be a whole number of at least 1/);
  });
});

describe('sampleDataset', () => {
  const sample = sampleDataset();

  test('covers a year of a dozen teams and the untagged row, in USD', () => {
    expect(sample.query).toEqual({ start: '2025-11-01', end: '2026-11-01', tagKey: 'team', metric: 'NetAmortizedCost' });
    expect(sample.currency).toBe('USD');
    expect(new Set(sample.rows.map(r => r.day)).size).toBe(365);
    expect(new Set(sample.rows.map(r => r.team)).size).toBe(13);
    expect(sample.rows.some(r => r.team === UNTAGGED)).toBe(true);
  });

  test('is the same on every call', () => {
    expect(sampleDataset()).toEqual(sample);
  });

  test('holds a few planted anomalies the detector finds', () => {
    const anomalies = detectAnomalies(sample.rows);
    expect(anomalies.length).toBeGreaterThanOrEqual(3);
    expect(anomalies.length).toBeLessThanOrEqual(15);
  });
});
