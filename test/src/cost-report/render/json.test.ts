import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parseAmount } from '../../../../src/cost-report/amount';
import { UNTAGGED, UNTAGGED_LABEL, type CostReport } from '../../../../src/cost-report/model';
import { JSON_SCHEMA_ID, renderJson } from '../../../../src/cost-report/render/json';
import { buildReport } from '../../../../src/cost-report/report';
import { dataset } from '../fixtures';

const schema = JSON.parse(readFileSync(path.join(__dirname, '../../../../src/cost-report/render/cost-report.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);

const base = buildReport(dataset([
  ['2026-03-01', 'fraud', 'Amazon EC2', '0.004'],
  ['2026-03-01', 'search', 'Amazon EC2', '0.004'],
  ['2026-03-01', UNTAGGED, 'AWS Lambda', '0.004'],
  ['2026-03-02', 'fraud', 'Amazon S3', '1.5', true],
], '2026-03-01', '2026-03-03'), { now: new Date('2026-03-03T00:00:00Z') });
const report: CostReport = {
  ...base,
  anomalies: [{
    team: 'fraud',
    start: '2026-03-01',
    end: '2026-03-01',
    impact: parseAmount('0.5'),
    impactPercent: Infinity,
    maxScore: 7,
    drivers: [{ service: 'Amazon EC2', impact: parseAmount('0.5') }],
    kind: 'daily',
  }],
  projections: [{ team: 'fraud', month: '2026-03', monthToDate: parseAmount('1.504'), projectedMonth: parseAmount('40'), baselineMonth: parseAmount('30'), asOfDay: '2026-03-01', provisionalDaysLeftOut: [] }],
};

describe('renderJson', () => {
  test('the output validates against the published JSON Schema', () => {
    const doc = JSON.parse(renderJson(report));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc.$schema).toBe(schema.$id);
    expect(JSON_SCHEMA_ID).toBe(schema.$id);
  });

  test('AWS Cost Anomaly Detection findings, when fetched, validate too', () => {
    const withAws: CostReport = {
      ...report,
      awsAnomalies: [{
        id: 'a-1',
        start: '2026-03-01',
        end: '2026-03-01',
        ongoing: true,
        impact: parseAmount('2.5'),
        maxScore: 0.8,
        rootCauses: [{ service: 'Amazon EC2', impact: parseAmount('2.5') }, { region: 'us-east-1' }],
      }],
    };
    const doc = JSON.parse(renderJson(withAws));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc.awsAnomalies[0]).toMatchObject({ id: 'a-1', team: null, impact: { amount: '2.5', display: '2.50' }, impactPercent: null });
  });

  test('the summary without rows validates too', () => {
    const doc = JSON.parse(renderJson(report, { includeRows: false }));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc.rows).toBeUndefined();
  });

  test('an empty report is valid JSON and valid against the schema', () => {
    const empty = buildReport(dataset([], '2026-03-01', '2026-03-02'));
    const doc = JSON.parse(renderJson(empty));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc.rows).toEqual([]);
  });

  test('the schema rejects a document with a float amount (it can fail)', () => {
    const doc = JSON.parse(renderJson(report));
    doc.total.amount = 1.5;
    expect(validate(doc)).toBe(false);
  });

  test('team display cents add up to the displayed total; exact amounts are kept', () => {
    const doc = JSON.parse(renderJson(report));
    expect(doc.total).toEqual({ amount: '1.512', display: '1.51' });
    const cents = doc.teams.map((t: { total: { display: string } }) => Math.round(Number(t.total.display) * 100));
    expect(cents.reduce((a: number, b: number) => a + b, 0)).toBe(151);
    expect(doc.teams.find((t: { untagged: boolean }) => t.untagged)).toMatchObject({ team: UNTAGGED_LABEL, total: { amount: '0.004' } });
  });

  test('rows carry the provisional flag; a percentage against nothing is null', () => {
    const doc = JSON.parse(renderJson(report));
    expect(doc.rows[3]).toEqual({ day: '2026-03-02', team: 'fraud', service: 'Amazon S3', amount: '1.5', provisional: true });
    expect(doc.anomalies[0].impactPercent).toBeNull();
  });
});

describe('renderJson rows, with few and with many team and service pairs', () => {
  // The writer keeps one piece of text per team and service pair up to a limit (65,536 pairs) and builds the
  // row from its parts above it: both ways must write what JSON.stringify writes for each row.
  test.each([
    ['20 teams x 30 services', 20, 30],
    ['300 teams x 230 services (69,000 pairs, above the limit)', 300, 230],
  ])('%s: each row line is the row, exactly', (_what, teamCount, serviceCount) => {
    const rows: Array<[string, string, string, string, boolean]> = [];
    for (let t = 0; t < teamCount; t++) {
      for (let s = 0; s < serviceCount; s++) {
        // An untagged team, names JSON must escape, negative and fractional amounts, provisional days.
        const team = t === 0 ? UNTAGGED : `team-${t}${t % 97 === 1 ? ' "q"\\' : ''}`;
        const amount = ((t * 7 + s * 13) % 5 === 0 ? '-' : '') + `${t}.${String(s).padStart(3, '0')}0000001`;
        rows.push([s % 2 === 0 ? '2026-03-01' : '2026-03-02', team, `Service ${s}`, amount, (t + s) % 3 === 0]);
      }
    }
    const built = buildReport(dataset(rows, '2026-03-01', '2026-03-03'), { now: new Date('2026-03-03T00:00:00Z') });
    const doc = JSON.parse(renderJson(built));
    expect(doc.rows).toHaveLength(rows.length);
    const expected = rows.map(([day, team, service, amount, provisional]) => ({
      day,
      team: team === UNTAGGED ? UNTAGGED_LABEL : team,
      service,
      amount: amount.replace(/^(-?\d+\.\d*?)0+$/, '$1').replace(/\.$/, ''),
      provisional,
      ...(team === UNTAGGED ? { untagged: true } : {}),
    }));
    // Compare as sorted lines (the report keeps the rows in its own order), reporting the first few that differ:
    // a diff of 69,000 lines would take jest minutes to print.
    const key = (r: object) => JSON.stringify(r);
    const got = doc.rows.map(key).sort();
    const want = expected.map(key).sort();
    expect(got.flatMap((line: string, i: number) => line === want[i] ? [] : [{ got: line, want: want[i] }]).slice(0, 3)).toEqual([]);
  });
});
