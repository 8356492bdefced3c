import { parseAmount } from '../../../../src/cost-report/amount';
import { UNTAGGED } from '../../../../src/cost-report/model';
import { CSV_COLUMNS, renderCsv } from '../../../../src/cost-report/render/csv';
import { buildReport } from '../../../../src/cost-report/report';
import { dataset } from '../fixtures';

const report = buildReport(dataset([
  ['2026-03-01', 'fraud', 'Amazon EC2', '12.3456789012'],
  ['2026-03-01', UNTAGGED, 'AWS Lambda', '0.0000000001'],
  ['2026-03-02', 'fraud', 'Tax, "special"', '-1.5', true],
  ['2026-03-02', '=HYPERLINK(1)', 'Amazon S3', '2'],
], '2026-03-01', '2026-03-03'));
const lines = renderCsv(report).split('\r\n');

describe('renderCsv', () => {
  test('one header and one line per day x team x service', () => {
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(1 + 4 + 1);
    expect(lines[5]).toBe('');
  });

  test('keeps every digit of the amount and flags provisional days', () => {
    expect(lines[1]).toBe('2026-03-01,fraud,Amazon EC2,12.3456789012,USD,false');
    expect(lines[2]).toBe('2026-03-01,(untagged),AWS Lambda,0.0000000001,USD,false');
  });

  test('quotes commas and quotes (RFC 4180)', () => {
    expect(lines[3]).toBe('2026-03-02,fraud,"Tax, ""special""",-1.5,USD,true');
  });

  test('defuses values a spreadsheet would run as a formula', () => {
    expect(lines[4]).toBe('2026-03-02,\'=HYPERLINK(1),Amazon S3,2,USD,false');
  });

  test('the amount column sums exactly to the report total', () => {
    const sum = lines.slice(1, -1).reduce((a, l) => a + parseAmount(l.split(',').at(-3)!).units, 0n);
    expect(sum).toBe(report.total.units);
  });
});
