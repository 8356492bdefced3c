import { dataset, page } from './fixtures';
import { formatAmountExact, parseAmount } from '../../../src/cost-report/amount';
import { median } from '../../../src/cost-report/anomaly/private/series';
import { CostRowCollector } from '../../../src/cost-report/explorer/parse';
import { UNTAGGED, UNTAGGED_LABEL, type CostRow } from '../../../src/cost-report/model';
import { renderCsv } from '../../../src/cost-report/render/csv';
import { renderJson } from '../../../src/cost-report/render/json';
import { buildReport } from '../../../src/cost-report/report';
import { CostRows, ExactSums, formatUnitsFast, parseUnitsFast } from '../../../src/cost-report/rows';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const row = (day: string, team: string, service: string, amount: string, estimated = false): CostRow =>
  ({ day, team, service, amount: parseAmount(amount), estimated });

describe('CostRows: round trip', () => {
  test('rows come back as they went in, in order, with every digit', () => {
    const rows = [
      row('2026-03-01', 'fraud', EC2, '12.3456789012'),
      row('2026-03-01', UNTAGGED, EC2, '-0.0000000001'),
      row('2026-03-02', UNTAGGED_LABEL, 'Amazon S3', '0', true),
      row('2026-03-02', 'fraud', 'Amazon S3', '99999.9999999999'),
    ];
    const store = CostRows.from(rows);
    expect(store).toHaveLength(4);
    expect(store.toArray()).toEqual(rows);
    expect(store.row(1)).toEqual(rows[1]);
    expect(store.days).toEqual(['2026-03-01', '2026-03-02']);
  });

  test('the untagged key and a tag literally valued "(untagged)" get different dictionary entries', () => {
    const store = CostRows.from([row('2026-03-01', UNTAGGED, EC2, '1'), row('2026-03-01', UNTAGGED_LABEL, EC2, '2')]);
    expect(store.teams).toEqual([UNTAGGED, UNTAGGED_LABEL]);
    expect(store.teamIdAt(0)).not.toBe(store.teamIdAt(1));
  });

  test('of() returns a store as it is and copies an array into a new one', () => {
    const store = CostRows.from([row('2026-03-01', 'a', EC2, '1')]);
    expect(CostRows.of(store)).toBe(store);
    expect(CostRows.of([row('2026-03-01', 'a', EC2, '1')]).toArray()).toEqual(store.toArray());
  });

  test('filter keeps the chosen rows in order, with exact amounts', () => {
    const store = CostRows.from([row('2026-03-01', 'a', EC2, '1.5'), row('2026-03-02', 'b', EC2, '123456789012.25'), row('2026-03-03', 'a', EC2, '3')]);
    const kept = store.filter(i => store.days[store.dayIdAt(i)] >= '2026-03-02');
    expect(kept.toArray().map(r => [r.day, r.team, formatAmountExact(r.amount)])).toEqual([['2026-03-02', 'b', '123456789012.25'], ['2026-03-03', 'a', '3']]);
  });

  test('a row index out of range is an error naming the index and the size', () => {
    expect(() => CostRows.from([]).row(0)).toThrow(/row 0 is out of range: the store holds 0 rows/);
  });

  test('a float that is not a safe integer is refused as units', () => {
    const store = new CostRows();
    expect(() => store.appendIds(store.dayId('2026-03-01'), store.teamId('a'), store.serviceId(EC2), 0.5, false)).toThrow(/not an integer of at most 2\^53 - 1/);
  });
});

describe('CostRows: dictionary growth', () => {
  test('indexes widen from one byte to two and four as a dictionary grows, and earlier rows keep theirs', () => {
    const store = new CostRows();
    const teams = 70_000;
    for (let t = 0; t < teams; t++) {
      store.append('2026-03-01', `team-${t}`, EC2, { units: BigInt(t) }, false);
    }
    expect(store.teams).toHaveLength(teams);
    for (const i of [0, 255, 256, 65_535, 65_536, teams - 1]) {
      expect(store.teams[store.teamIdAt(i)]).toBe(`team-${i}`);
      expect(store.unitsAt(i)).toBe(BigInt(i));
    }
    // One service and one day: those columns stayed at one byte a row.
    const blocks = Math.ceil(teams / 65_536);
    expect(store.columnBytes).toBe(blocks * 65_536 * (1 + 4 + 1 + 8 + 1));
  });

  test('rows fill fixed blocks: past a block boundary nothing is lost', () => {
    const store = new CostRows();
    for (let i = 0; i < 65_537; i++) {
      store.append(i % 2 ? '2026-03-02' : '2026-03-01', 'a', EC2, { units: BigInt(i) }, i % 3 === 0);
    }
    expect(store.row(65_536)).toEqual({ day: '2026-03-01', team: 'a', service: EC2, amount: { units: 65_536n }, estimated: false });
    expect(store.row(65_535)).toEqual({ day: '2026-03-02', team: 'a', service: EC2, amount: { units: 65_535n }, estimated: true });
  });
});

describe('CostRows: fixed-point exactness', () => {
  test('a million rows of 0.1 sum to exactly 100000, where a float sum drifts', () => {
    const store = new CostRows();
    const day = store.dayId('2026-03-01');
    const team = store.teamId('a');
    const service = store.serviceId(EC2);
    let float = 0;
    for (let i = 0; i < 1_000_000; i++) {
      store.appendIds(day, team, service, parseUnitsFast('0.1'), false);
      float += 0.1;
    }
    expect(float).not.toBe(100_000);
    const report = buildReport({ query: { start: '2026-03-01', end: '2026-03-02', tagKey: 'team', metric: 'NetAmortizedCost' }, currency: 'USD', rows: store, apiCalls: 0 });
    expect(formatAmountExact(report.total)).toBe('100000');
    expect(formatAmountExact(report.teams[0].total)).toBe('100000');
  });

  test('team totals reconcile to the cent with the total on amounts that drift in floating point', () => {
    const rows: [string, string, string, string][] = [];
    for (let d = 1; d <= 28; d++) {
      const day = `2026-02-${String(d).padStart(2, '0')}`;
      rows.push([day, 'a', EC2, '0.1000000001'], [day, 'b', EC2, '0.2000000002'], [day, UNTAGGED, EC2, '0.3000000003']);
    }
    const report = buildReport(dataset(rows, '2026-02-01', '2026-03-01'));
    let float = 0;
    for (const r of rows) float += Number(r[3]);
    expect(float).not.toBe(16.8000000168);
    expect(formatAmountExact(report.total)).toBe('16.8000000168');
    expect(report.teams.map(t => [t.team, formatAmountExact(t.total)])).toEqual([[UNTAGGED, '8.4000000084'], ['b', '5.6000000056'], ['a', '2.8000000028']]);
    const json = JSON.parse(renderJson(report, { includeRows: false }));
    const cents = json.teams.map((t: { total: { display: string } }) => Math.round(Number(t.total.display) * 100));
    expect(cents.reduce((a: number, b: number) => a + b, 0)).toBe(Math.round(Number(json.total.display) * 100));
  });

  test.each([
    ['0', 0],
    ['-0', 0],
    ['12.3456789012', 123_456_789_012],
    ['-0.01', -100_000_000],
    ['99999.9999999999', 999_999_999_999_999],
  ])('parseUnitsFast(%j) is exact', (text, units) => {
    expect(parseUnitsFast(text)).toBe(units);
    expect(BigInt(parseUnitsFast(text))).toBe(parseAmount(text).units);
  });

  test.each(['100000', '1.12345678901', '1.', '.5', '+1', ' 1', '1e3', '', '-'])('parseUnitsFast(%j) leaves the text to the exact parser', text => {
    expect(parseUnitsFast(text)).toBeNaN();
  });

  test.each(['0', '1', '-1', '0.0000000001', '-0.0000000001', '12.3456789012', '900719.9254740991', '-900719.9254740991', '100', '0.5'])(
    'formatUnitsFast gives what formatAmountExact gives for %s', text => {
      const amount = parseAmount(text);
      expect(formatUnitsFast(Number(amount.units))).toBe(formatAmountExact(amount));
    });
});

describe('CostRows: large values', () => {
  test('amounts beyond 2^53 units are kept exactly, in rows, sums and outputs', () => {
    const huge = '123456789012345.0000000001';
    const rows = [row('2026-03-01', 'a', EC2, huge), row('2026-03-01', 'a', 'Amazon S3', '0.0000000001'), row('2026-03-02', 'a', EC2, `-${huge}`)];
    const store = CostRows.from(rows);
    expect(store.fastUnitsAt(0)).toBeNaN();
    expect(formatAmountExact(store.amountAt(0))).toBe(huge);
    const report = buildReport({ query: { start: '2026-03-01', end: '2026-03-03', tagKey: 'team', metric: 'NetAmortizedCost' }, currency: 'USD', rows: store, apiCalls: 0 });
    expect(formatAmountExact(report.total)).toBe('0.0000000001');
    expect(renderCsv(report)).toContain(`2026-03-01,a,${EC2},${huge},USD,false\r\n`);
    expect(JSON.parse(renderJson(report)).rows[2].amount).toBe(`-${huge}`);
  });

  test('ExactSums moves a cell to a bigint when a float sum would round, and stays exact', () => {
    const store = CostRows.from([row('2026-03-01', 'a', EC2, '900719.9254740991'), row('2026-03-02', 'a', EC2, '900719.9254740991'), row('2026-03-03', 'a', EC2, '0.0000000001')]);
    const sums = new ExactSums(1);
    for (let i = 0; i < store.length; i++) sums.addRow(0, store, i);
    expect(sums.get(0)).toBe(2n * 9_007_199_254_740_991n + 1n);
    expect(sums.isZero(0)).toBe(false);
  });
});

describe('CostRowCollector: duplicates into the store', () => {
  test('a day, team and service repeated on a later page is an error naming both pages', () => {
    const c = new CostRowCollector('team', 'NetAmortizedCost');
    const w = { windowStart: '2026-03-01', windowEnd: '2026-04-01' };
    c.addPage(page({ '2026-03-01': [['fraud', EC2, '1'], ['', EC2, '2']] }), { ...w, page: 1, source: 'page one' });
    expect(() => c.addPage(page({ '2026-03-01': [['', EC2, '2']] }), { ...w, page: 2, source: 'page two' }))
      .toThrow(/page two repeats 2026-03-01, team "\(untagged\)", service "Amazon Elastic Compute Cloud - Compute", already read from page one/);
  });

  test('the untagged row and a "(untagged)" tag value on the same day and service are not duplicates', () => {
    const c = new CostRowCollector('team', 'NetAmortizedCost');
    c.addPage(page({ '2026-03-01': [['', EC2, '1'], [UNTAGGED_LABEL, EC2, '2']] }), { windowStart: '2026-03-01', windowEnd: '2026-04-01', page: 1 });
    expect(c.rows.toArray().map(r => r.team)).toEqual([UNTAGGED, UNTAGGED_LABEL]);
  });

  test('a non-zero amount with no currency unit is still refused on the first row', () => {
    const c = new CostRowCollector('team', 'NetAmortizedCost');
    const p = page({ '2026-03-01': [['a', EC2, '1']] });
    delete (p.ResultsByTime![0].Groups![0].Metrics!.NetAmortizedCost as { Unit?: string }).Unit;
    expect(() => c.addPage(p, { windowStart: '2026-03-01', windowEnd: '2026-04-01', page: 1 })).toThrow(/a non-zero amount has no currency unit/);
  });
});

describe('median', () => {
  test('selection gives the value sorting gives, for odd and even counts and repeated values', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 1; n <= 60; n++) {
      const values = Array.from({ length: n }, () => Math.round(rnd() * 20) - 10);
      const sorted = [...values].sort((a, b) => a - b);
      const expected = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      expect(median(values)).toBe(expected);
    }
  });
});
