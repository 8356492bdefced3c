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
