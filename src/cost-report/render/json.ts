import { amountToCents, formatAmountExact, formatCents } from '../amount';
import { teamCents } from '../display';
import { UNTAGGED, teamLabel, type Amount, type CostReport } from '../model';
import { formatUnitsFast } from '../rows';

/** Version of the JSON document; bumped on any incompatible change to `cost-report.schema.json`. */
export const JSON_SCHEMA_VERSION = 1;

/** `$id` of the JSON Schema the output follows (the file `src/cost-report/render/cost-report.schema.json`). */
export const JSON_SCHEMA_ID = 'urn:mlops-stack:cost-report:schema:1';

/**
 * Options of {@link renderJson}.
 */
export interface JsonOptions {
  /**
   * Include every row (day × team × service). Without them the document is a summary of a few kilobytes.
   *
   * @default true
   */
  readonly includeRows?: boolean;
}

/**
 * The report as JSON following `cost-report.schema.json` (documented there field by field). Money is a string:
 * `amount` keeps every digit, `display` is rounded to cents, and the teams' `display` values add up to the
 * total's exactly.
 *
 * Yields the document in pieces (the rows one per line, a few hundred lines a piece) so a large report streams
 * to a file.
 */
export function* jsonChunks(report: CostReport, options: JsonOptions = {}): Generator<string> {
  const cents = teamCents(report);
  const head = {
    $schema: JSON_SCHEMA_ID,
    schemaVersion: JSON_SCHEMA_VERSION,
    query: report.query,
    currency: report.currency,
    generatedAt: report.generatedAt,
    apiCalls: report.apiCalls,
    days: report.days,
    provisionalDays: report.provisionalDays,
    total: { amount: formatAmountExact(report.total), display: formatCents(cents.total) },
    teams: report.teams.map((t, i) => ({
      team: teamLabel(t.team),
      untagged: t.team === UNTAGGED,
      total: { amount: formatAmountExact(t.total), display: formatCents(cents.parts[i]) },
      share: t.share,
      services: t.services.map(s => ({ service: s.service, amount: formatAmountExact(s.total) })),
    })),
    anomalies: report.anomalies.map(a => ({
      team: teamLabel(a.team),
      kind: a.kind,
      start: a.start,
      end: a.end,
      impact: money(a.impact),
      impactPercent: finite(a.impactPercent),
      maxScore: finite(a.maxScore),
      drivers: a.drivers.map(d => ({ service: d.service, impact: formatAmountExact(d.impact) })),
      tagLoss: a.tagLoss ? {
        fromTeam: teamLabel(a.tagLoss.fromTeam),
        service: a.tagLoss.service,
        teamDrop: formatAmountExact(a.tagLoss.teamDrop),
        untaggedRise: formatAmountExact(a.tagLoss.untaggedRise),
      } : null,
      rootCauses: a.rootCauses ? a.rootCauses.map(c => ({
        usageType: c.usageType ?? null,
        region: c.region ?? null,
        account: c.account ?? null,
        excess: formatAmountExact(c.excess),
      })) : null,
    })),
    ...(report.awsAnomalies ? {
      awsAnomalies: report.awsAnomalies.map(f => ({
        id: f.id,
        start: f.start,
        end: f.end,
        ongoing: f.ongoing,
        team: f.team ?? null,
        dimension: f.dimension ?? null,
        monitorArn: f.monitorArn ?? null,
        impact: money(f.impact),
        impactPercent: f.impactPercent !== undefined ? finite(f.impactPercent) : null,
        maxScore: finite(f.maxScore),
        rootCauses: f.rootCauses.map(c => ({
          service: c.service ?? null,
          region: c.region ?? null,
          account: c.account ?? null,
          usageType: c.usageType ?? null,
          impact: c.impact ? formatAmountExact(c.impact) : null,
        })),
      })),
    } : {}),
    projections: report.projections.map(p => ({
      team: teamLabel(p.team),
      month: p.month,
      monthToDate: money(p.monthToDate),
      projectedMonth: money(p.projectedMonth),
      baselineMonth: money(p.baselineMonth),
    })),
  };
  const text = JSON.stringify(head, null, 2);
  if (options.includeRows === false) {
    yield text + '\n';
    return;
  }
  yield text.slice(0, -2) + ',\n  "rows": [';
  const rows = report.rows;
  // Each distinct day, team and service is escaped once, not once per row, and each team and service pair
  // is one piece of text (unless there are too many pairs to keep): a row is then four concatenations. The
  // line is the same text that JSON.stringify gives the row object (keys in the same order).
  const dayParts = rows.days.map(d => `,\n    {"day":${JSON.stringify(d)},"team":`);
  const teamParts = rows.teams.map(t => JSON.stringify(teamLabel(t)));
  const serviceParts = rows.services.map(s => `,"service":${JSON.stringify(s)},"amount":"`);
  const serviceCount = serviceParts.length;
  const pairParts = teamParts.length * serviceCount <= MAX_PAIR_PARTS ? teamParts.flatMap(t => serviceParts.map(s => t + s)) : undefined;
  const ends = rows.teams.flatMap(t => {
    const end = t === UNTAGGED ? ',"untagged":true}' : '}';
    return [`","provisional":false${end}`, `","provisional":true${end}`];
  });
  let piece = '';
  for (let i = 0; i < rows.length; i++) {
    const team = rows.teamIdAt(i);
    const service = rows.serviceIdAt(i);
    const units = rows.fastUnitsAt(i);
    const day = dayParts[rows.dayIdAt(i)];
    piece += (i === 0 ? day.slice(1) : day) + (pairParts ? pairParts[team * serviceCount + service] : teamParts[team] + serviceParts[service]) +
      (units === units ? formatUnitsFast(units) : formatAmountExact(rows.amountAt(i))) + ends[team * 2 + (rows.estimatedAt(i) ? 1 : 0)];
    if (i % ROWS_PER_PIECE === ROWS_PER_PIECE - 1) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}${rows.length === 0 ? '' : '\n  '}]\n}\n`;
}

/** Team and service pairs whose text is kept whole: a few megabytes at most. */
const MAX_PAIR_PARTS = 65_536;

/** Rows per yielded piece: a few dozen kilobytes, so a million rows are a few thousand writes. */
const ROWS_PER_PIECE = 256;

/** {@link jsonChunks} as one string. */
export function renderJson(report: CostReport, options: JsonOptions = {}): string {
  return [...jsonChunks(report, options)].join('');
}

function money(a: Amount): { amount: string; display: string } {
  return { amount: formatAmountExact(a), display: formatCents(amountToCents(a)) };
}

/** JSON has no NaN or Infinity; a percentage against a zero baseline is null. */
function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}
