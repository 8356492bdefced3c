import { sumAmounts } from '../amount';
import { compareWithAws } from '../anomaly';
import { teamCents } from '../display';
import { UNTAGGED, UNTAGGED_LABEL, teamLabel, type Amount, type CostReport } from '../model';
import { topMovers } from '../report';
import { anomalyNotes, describeDays, groupedCents, money, percent, signedMoney } from './format';

/**
 * Options of {@link renderMarkdown}.
 */
export interface MarkdownOptions {
  /**
   * Teams listed individually; the rest share one "other teams" line, so the table still adds up.
   *
   * @default 15
   */
  readonly maxTeams?: number;
  /**
   * Anomalies listed (largest impact first); the rest are counted.
   *
   * @default 10
   */
  readonly maxAnomalies?: number;
  /**
   * Length in days of the two periods top movers compare.
   *
   * @default 7
   */
  readonly moverDays?: number;
}

/**
 * GitHub's limit on the body of a pull-request comment.
 *
 * @see https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
 */
export const MARKDOWN_MAX_CHARS = 65_536;

/**
 * The report as Markdown short enough for a pull-request comment or a chat message: totals per team (the
 * untagged row included, team cents adding up to the total line), top movers, anomalies, month-end projections,
 * and the provisional days.
 */
export function renderMarkdown(report: CostReport, options: MarkdownOptions = {}): string {
  const maxTeams = options.maxTeams ?? 15;
  const maxAnomalies = options.maxAnomalies ?? 10;
  const cur = report.currency;
  const out: string[] = [];
  const q = report.query;
  const lastDay = report.days[report.days.length - 1] ?? q.start;
  out.push(`### Cost by ${cell(q.tagKey)}: ${q.start} to ${lastDay}`, '');
  const cents = teamCents(report);
  const untagged = report.teams.findIndex(t => t.team === UNTAGGED);
  out.push(`**Total ${groupedCents(cents.total)} ${cur}** over ${report.days.length} days, ${report.teams.filter(t => t.team !== UNTAGGED).length} teams` +
    (untagged >= 0 ? `; untagged ${groupedCents(cents.parts[untagged])} ${cur} (${percent(report.teams[untagged].share * 100)})` : '') +
    ` (metric ${q.metric}).`);
  if (report.provisionalDays.length > 0) {
    out.push('', `> **Provisional:** ${describeDays(report.provisionalDays)} ${report.provisionalDays.length === 1 ? 'is' : 'are'} estimated by Cost Explorer and may still change; they are marked *(p)* and never alerted on.`);
  }

  out.push('', `| Team | ${cur} | Share | Largest service |`, '|---|--:|--:|---|');
  const shown = report.teams.slice(0, maxTeams);
  shown.forEach((t, i) => {
    const name = t.team === UNTAGGED ? `_${UNTAGGED_LABEL}_` : cell(t.team);
    out.push(`| ${name} | ${groupedCents(cents.parts[i])} | ${percent(t.share * 100)} | ${cell(t.services[0]?.service ?? '')} |`);
  });
  if (report.teams.length > maxTeams) {
    const rest = cents.parts.slice(maxTeams).reduce((a, b) => a + b, 0n);
    const share = report.teams.slice(maxTeams).reduce((a, t) => a + t.share, 0);
    out.push(`| _${report.teams.length - maxTeams} other teams_ | ${groupedCents(rest)} | ${percent(share * 100)} | |`);
  }
  out.push(`| **Total** | **${groupedCents(cents.total)}** | 100.0% | |`);

  const moverDays = options.moverDays ?? 7;
  const movers = topMovers(report, moverDays, 5);
  if (movers.length > 0) {
    out.push('', `#### Top movers: last ${moverDays} days against the ${moverDays} before`, '',
      `| Team | Last ${moverDays} days | Previous ${moverDays} days | Change |`, '|---|--:|--:|--:|');
    for (const m of movers) {
      const pct = m.changePercent === undefined ? 'new' : `${m.changePercent >= 0 ? '+' : ''}${percent(m.changePercent)}`;
      out.push(`| ${team(m.team)} | ${money(m.recent)} | ${money(m.previous)} | ${signedMoney(m.change)} (${pct}) |`);
    }
  }

  const provisional = new Set(report.provisionalDays);
  out.push('', `#### Anomalies: ${report.anomalies.length}`);
  if (report.anomalies.length === 0) {
    out.push('', 'None at the configured thresholds.');
  } else {
    out.push('', `| Team | Days | Kind | Impact (${cur}) | Impact | Drivers and causes |`, '|---|---|---|--:|--:|---|');
    const sorted = [...report.anomalies].sort((a, b) => byUnitsDesc(a.impact, b.impact));
    for (const a of sorted.slice(0, maxAnomalies)) {
      const days = a.start === a.end ? a.start : `${a.start} to ${a.end}`;
      const p = provisional.has(a.end) ? ' *(p)*' : '';
      const drivers = [a.drivers.map(d => `${cell(d.service)} ${signedMoney(d.impact)}`).join(', '), ...anomalyNotes(a).map(cell)].filter(Boolean).join('; ');
      const pct = Number.isFinite(a.impactPercent) ? `${a.impactPercent >= 0 ? '+' : ''}${percent(a.impactPercent)}` : 'new';
      out.push(`| ${team(a.team)} | ${days}${p} | ${a.kind} | ${signedMoney(a.impact)} | ${pct} | ${drivers} |`);
    }
    if (report.anomalies.length > maxAnomalies) {
      out.push('', `_${report.anomalies.length - maxAnomalies} more in the full report (--format html, json or csv)._`);
    }
  }

  if (report.awsAnomalies) {
    const pairs = compareWithAws(report.anomalies, report.awsAnomalies);
    const both = pairs.filter(p => p.ours && p.aws).length;
    const oursOnly = pairs.filter(p => p.ours && !p.aws).length;
    const awsOnly = pairs.filter(p => !p.ours && p.aws);
    out.push('', '#### AWS Cost Anomaly Detection, side by side', '',
      `${report.awsAnomalies.length} AWS finding(s): ${both} agree with an anomaly above, ${oursOnly} anomal${oursOnly === 1 ? 'y' : 'ies'} only here, ${awsOnly.length} only at AWS.`);
    if (awsOnly.length > 0) {
      out.push('', '| AWS finding | Days | Team or dimension | Impact (USD) | Root cause |', '|---|---|---|--:|---|');
      for (const { aws: f } of awsOnly.slice(0, maxAnomalies)) {
        const cause = f!.rootCauses[0];
        out.push(`| ${cell(f!.id)} | ${f!.start === f!.end ? f!.start : `${f!.start} to ${f!.end}`}${f!.ongoing ? ' (ongoing)' : ''} | ` +
          `${cell(f!.team ?? f!.dimension ?? '')} | ${signedMoney(f!.impact)} | ${cell(cause ? [cause.service, cause.usageType].filter(Boolean).join(', ') : '')} |`);
      }
    }
  }

  if (report.projections.length > 0) {
    const month = report.projections[0].month;
    const ranked = [...report.projections].sort((a, b) => byUnitsDesc(a.projectedMonth, b.projectedMonth));
    out.push('', `#### Month-end projection, ${month}`, '', '| Team | Month to date | Projected month | Baseline |', '|---|--:|--:|--:|');
    for (const p of ranked.slice(0, maxTeams)) {
      out.push(`| ${p.team === UNTAGGED ? `_${UNTAGGED_LABEL}_` : cell(p.team)} | ${money(p.monthToDate)} | ${money(p.projectedMonth)} | ${money(p.baselineMonth)} |`);
    }
    if (ranked.length > maxTeams) {
      const rest = ranked.slice(maxTeams);
      out.push(`| _${rest.length} other teams_ | ${money(sumAmounts(rest.map(p => p.monthToDate)))} | ${money(sumAmounts(rest.map(p => p.projectedMonth)))} | ${money(sumAmounts(rest.map(p => p.baselineMonth)))} |`);
    }
  }

  out.push('', `<sub>Generated ${report.generatedAt}; ${report.apiCalls} Cost Explorer request(s), USD ${groupedCents(BigInt(report.apiCalls))}.</sub>`, '');
  return out.join('\n');
}

function byUnitsDesc(a: Amount, b: Amount): number {
  return a.units > b.units ? -1 : a.units < b.units ? 1 : 0;
}

/**
 * Escape what would break a table cell or start markup on GitHub: pipes, emphasis (`*`, `_`, `~`), code
 * (backticks), links and HTML, and `$`, which starts a math expression.
 */
function cell(text: string): string {
  return text.replace(/[\\|`*_~$[\]<>]/g, c => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** A team name for a cell: the untagged row in italics, a tag value escaped (so a tag spelled `(untagged)` differs). */
function team(name: string): string {
  return name === UNTAGGED ? `_${UNTAGGED_LABEL}_` : cell(teamLabel(name));
}
