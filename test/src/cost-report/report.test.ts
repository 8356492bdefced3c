import { dataset, page } from './fixtures';
import { amountToCents, formatAmountExact, parseAmount } from '../../../src/cost-report/amount';
import { teamCents } from '../../../src/cost-report/display';
import { CostRowCollector } from '../../../src/cost-report/explorer';
import { UNTAGGED } from '../../../src/cost-report/model';
import { buildReport, topMovers } from '../../../src/cost-report/report';

describe('buildReport', () => {
  const ds = dataset([
    ['2026-01-01', 'fraud', 'Amazon EC2', '10'],
    ['2026-01-01', 'fraud', 'Amazon S3', '2.5'],
    ['2026-01-01', UNTAGGED, 'AWS Lambda', '0.75'],
    ['2026-01-02', 'search', 'Amazon EC2', '20'],
    ['2026-01-03', 'fraud', 'Amazon EC2', '1', true],
  ], '2026-01-01', '2026-01-04');
  const report = buildReport(ds, { now: new Date('2026-01-04T08:00:00Z') });

  test('lists every day of the period and the provisional ones', () => {
    expect(report.days).toEqual(['2026-01-01', '2026-01-02', '2026-01-03']);
    expect(report.provisionalDays).toEqual(['2026-01-03']);
  });

  test('totals per team, largest first, untagged kept as its own row', () => {
    expect(report.teams.map(t => [t.team, formatAmountExact(t.total)])).toEqual([
      ['search', '20'], ['fraud', '13.5'], [UNTAGGED, '0.75'],
    ]);
    expect(formatAmountExact(report.total)).toBe('34.25');
  });

  test('totals per service within a team, largest first', () => {
    const fraud = report.teams.find(t => t.team === 'fraud')!;
    expect(fraud.services.map(s => [s.service, formatAmountExact(s.total)])).toEqual([['Amazon EC2', '11'], ['Amazon S3', '2.5']]);
  });

  test('shares add up to one', () => {
    expect(report.teams.reduce((a, t) => a + t.share, 0)).toBeCloseTo(1, 12);
  });

  test('keeps the query, the currency and the request count', () => {
    expect(report).toMatchObject({ query: ds.query, currency: 'USD', apiCalls: 0, generatedAt: '2026-01-04T08:00:00.000Z' });
  });
});

describe('reconciliation to the cent', () => {
  // 60 teams (one untagged) x 12 services x 30 days of amounts of a fraction of a cent to a few dollars, with
  // ten fractional digits as Cost Explorer returns them: a float sum of these drifts, the exact one must not.
  const collector = new CostRowCollector('team', 'NetAmortizedCost');
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const exactTexts: string[] = [];
  const untaggedTexts: string[] = [];
  for (let d = 1; d <= 30; d++) {
    const day = `2026-04-${String(d).padStart(2, '0')}`;
    const groups: [string, string, string][] = [];
    for (let t = 0; t < 60; t++) {
      for (let s = 0; s < 12; s++) {
        const amount = (rnd() < 0.5 ? rnd() * 0.01 : rnd() * 3).toFixed(10);
        exactTexts.push(amount);
        if (t === 0) {
          untaggedTexts.push(amount);
        }
        groups.push([t === 0 ? '' : `team-${t}`, `service-${s}`, amount]);
      }
    }
    collector.addPage(page({ [day]: groups }), { windowStart: '2026-04-01', windowEnd: '2026-05-01', page: d });
  }
  const report = buildReport({ query: { start: '2026-04-01', end: '2026-05-01', tagKey: 'team', metric: 'NetAmortizedCost' }, currency: 'USD', rows: collector.rows, apiCalls: 0 });
  const expectedUnits = exactTexts.reduce((a, t) => a + parseAmount(t).units, 0n);
  const expectedUntaggedUnits = untaggedTexts.reduce((a, t) => a + parseAmount(t).units, 0n);

  test('the account total is the exact sum of 21,600 amounts', () => {
    expect(collector.rows).toHaveLength(21_600);
    expect(report.total.units).toBe(expectedUnits);
  });

  test('team totals plus untagged add up exactly to the account total', () => {
    // Untagged Cost Explorer groups ("team$") land in their own row, with exactly their spend.
    expect(report.teams.find(t => t.team === UNTAGGED)?.total.units).toBe(expectedUntaggedUnits);
    expect(report.teams.reduce((a, t) => a + t.total.units, 0n)).toBe(report.total.units);
  });

  test('displayed team cents add up to the displayed total', () => {
    const cents = teamCents(report);
    expect(cents.parts.reduce((a, b) => a + b, 0n)).toBe(cents.total);
    expect(cents.total).toBe(amountToCents(report.total));
  });

  test('independently rounded team cents would not add up (why the allocation exists)', () => {
    const independent = report.teams.reduce((a, t) => a + amountToCents(t.total), 0n);
    expect(independent).not.toBe(amountToCents(report.total));
  });
});

describe('topMovers', () => {
  const rows: [string, string, string, string][] = [];
  for (let d = 1; d <= 14; d++) {
    const day = `2026-03-${String(d).padStart(2, '0')}`;
    rows.push([day, 'steady', 'EC2', '10'], [day, 'growing', 'EC2', d > 7 ? '30' : '10'], [day, 'shrinking', 'EC2', d > 7 ? '5' : '10']);
  }
  const report = buildReport(dataset(rows, '2026-03-01', '2026-03-15'));

  test('ranks teams by absolute change between the last 7 days and the 7 before', () => {
    const movers = topMovers(report, 7, 5);
    expect(movers.map(m => [m.team, formatAmountExact(m.change), m.changePercent])).toEqual([
      ['growing', '140', 200],
      ['shrinking', '-35', -50],
    ]);
  });

  test('leaves provisional days out of the comparison', () => {
    const withEstimated = buildReport(dataset([...rows, ['2026-03-15', 'steady', 'EC2', '0.5', true]], '2026-03-01', '2026-03-16'));
    expect(topMovers(withEstimated, 7, 5).map(m => m.team)).toEqual(['growing', 'shrinking']);
  });

  test('returns nothing when the report is shorter than two periods', () => {
    expect(topMovers(report, 8)).toEqual([]);
  });
});
