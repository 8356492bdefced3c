import { formatAmountExact } from '../amount';
import { teamLabel } from '../model';
import { CostRows, formatUnitsFast, type CostRowSource } from '../rows';

/** The CSV header: one row per day × team × service. */
export const CSV_COLUMNS = ['day', 'team', 'service', 'amount', 'currency', 'provisional'] as const;

/**
 * The report's rows as CSV (RFC 4180, CRLF line ends), one line per day × team × service, for finance
 * spreadsheets. Amounts keep every digit Cost Explorer returned (no rounding, so column sums are exact);
 * `provisional` is `true` on days Cost Explorer marked `Estimated`.
 *
 * Yields a few hundred lines at a time so a million rows are written without building one large string.
 *
 * @see https://www.rfc-editor.org/rfc/rfc4180
 */
export function* csvLines(report: CsvInput): Generator<string> {
  yield CSV_COLUMNS.join(',') + '\r\n';
  const currency = field(report.currency);
  const rows = CostRows.of(report.rows);
  // Quoted once per distinct value, not once per row.
  const teams = rows.teams.map(t => `,${field(teamLabel(t))},`);
  const services = rows.services.map(s => `${field(s)},`);
  const tail = [`,${currency},false\r\n`, `,${currency},true\r\n`];
  let piece = '';
  for (let i = 0; i < rows.length; i++) {
    const units = rows.fastUnitsAt(i);
    piece += `${rows.days[rows.dayIdAt(i)]}${teams[rows.teamIdAt(i)]}${services[rows.serviceIdAt(i)]}` +
      `${units === units ? formatUnitsFast(units) : formatAmountExact(rows.amountAt(i))}${tail[rows.estimatedAt(i) ? 1 : 0]}`;
    if (i % 256 === 255) {
      yield piece;
      piece = '';
    }
  }
  if (piece) {
    yield piece;
  }
}

/** What {@link csvLines} reads: the rows (in either form) and their currency. */
export interface CsvInput {
  /** The rows. */
  readonly rows: CostRowSource;
  /** ISO 4217 code of every row. */
  readonly currency: string;
}

/** {@link csvLines} as one string. */
export function renderCsv(report: CsvInput): string {
  return [...csvLines(report)].join('');
}

/**
 * Quote a field when needed. A field starting with `=`, `+`, `-` or `@` (all legal in tag values) would run as a
 * formula when the file is opened in a spreadsheet, so it gets a leading apostrophe.
 *
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
function field(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
