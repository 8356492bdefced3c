import { formatAmountExact } from '../amount';
import { teamLabel, type CostReport } from '../model';

/** The CSV header: one row per day × team × service. */
export const CSV_COLUMNS = ['day', 'team', 'service', 'amount', 'currency', 'provisional'] as const;

/**
 * The report's rows as CSV (RFC 4180, CRLF line ends), one line per day × team × service, for finance
 * spreadsheets. Amounts keep every digit Cost Explorer returned (no rounding, so column sums are exact);
 * `provisional` is `true` on days Cost Explorer marked `Estimated`.
 *
 * Yields one line at a time so a million rows are written without building one large string.
 *
 * @see https://www.rfc-editor.org/rfc/rfc4180
 */
export function* csvLines(report: Pick<CostReport, 'rows' | 'currency'>): Generator<string> {
  yield CSV_COLUMNS.join(',') + '\r\n';
  const currency = field(report.currency);
  for (const r of report.rows) {
    yield `${r.day},${field(teamLabel(r.team))},${field(r.service)},${formatAmountExact(r.amount)},${currency},${r.estimated}\r\n`;
  }
}

/** {@link csvLines} as one string. */
export function renderCsv(report: Pick<CostReport, 'rows' | 'currency'>): string {
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
