import { amountToNumber, subtractAmounts } from './amount';
import { detectAnomalies, projectMonthEnd, type AnomalyOptions } from './anomaly';
import { forgetSeries } from './anomaly/private/series';
import { addDays, daysInRange } from './dates';
import type { Amount, AwsAnomalyFinding, CostDataset, CostReport, TeamTotal } from './model';
import { CostRows, ExactSums, type CostRowSource } from './rows';

/**
 * Options of {@link buildReport}.
 */
export interface BuildReportOptions {
  /**
   * Anomaly thresholds; see `AnomalyOptions` for each default.
   *
   * @default - the documented defaults
   */
  readonly anomaly?: Partial<AnomalyOptions>;
  /**
   * Findings of AWS Cost Anomaly Detection to show next to the report's anomalies (see `readAnomalyFindings`
   * and `fromCostAnomalyDetection`).
   *
   * @default - none; renderers leave the comparison out
   */
  readonly awsAnomalies?: readonly AwsAnomalyFinding[];
  /**
   * When the report was built, for `generatedAt`.
   *
   * @default - now
   */
  readonly now?: Date;
}

/**
 * Build the report every renderer prints: totals per team (the untagged row included) and per service, which add
 * up exactly to the account total; provisional days; anomalies and month-end projections.
 */
export function buildReport(dataset: CostDataset, options: BuildReportOptions = {}): CostReport {
  const days = daysInRange(dataset.query.start, dataset.query.end);
  const rows = CostRows.of(dataset.rows);
  const teamCount = rows.teams.length;
  const serviceCount = rows.services.length;
  // One exact sum per (team, service) cell, read off the columns: no map lookup or bigint per row.
  const sums = new ExactSums(teamCount * serviceCount);
  const touched = new Uint8Array(teamCount * serviceCount);
  const provisional = new Uint8Array(rows.days.length);
  for (let i = 0; i < rows.length; i++) {
    const cell = rows.teamIdAt(i) * serviceCount + rows.serviceIdAt(i);
    sums.addRow(cell, rows, i);
    touched[cell] = 1;
    if (rows.estimatedAt(i)) {
      provisional[rows.dayIdAt(i)] = 1;
    }
  }
  let total = 0n;
  const teamTotals: { team: string; units: bigint; services: { service: string; total: Amount }[] }[] = [];
  for (let t = 0; t < teamCount; t++) {
    let units = 0n;
    const services: { service: string; total: Amount }[] = [];
    for (let s = 0; s < serviceCount; s++) {
      const cell = t * serviceCount + s;
      if (touched[cell] === 1) {
        const v = sums.get(cell);
        units += v;
        services.push({ service: rows.services[s], total: { units: v } });
      }
    }
    total += units;
    teamTotals.push({ team: rows.teams[t], units, services });
  }
  const totalNumber = amountToNumber({ units: total });
  const teams: TeamTotal[] = teamTotals.map(({ team, units, services }) => ({
    team,
    total: { units },
    share: totalNumber === 0 ? 0 : amountToNumber({ units }) / totalNumber,
    services: services.sort((a, b) => compareAmountsDesc(a.total, b.total) || a.service.localeCompare(b.service)),
  })).sort((a, b) => compareAmountsDesc(a.total, b.total) || a.team.localeCompare(b.team));

  const anomalies = detectAnomalies(rows, options.anomaly ?? {});
  const projections = projectMonthEnd(rows);
  forgetSeries(rows);
  return {
    query: dataset.query,
    currency: dataset.currency,
    generatedAt: (options.now ?? new Date()).toISOString(),
    days,
    provisionalDays: rows.days.filter((_, d) => provisional[d] === 1).sort(),
    total: { units: total },
    teams,
    rows,
    anomalies,
    projections,
    apiCalls: dataset.apiCalls,
    ...(options.awsAnomalies ? { awsAnomalies: options.awsAnomalies } : {}),
  };
}

/**
 * A team's change between the last `days` days of the report and the `days` before them.
 */
export interface TeamMover {
  readonly team: string;
  /** Spend over the last `days` days. */
  readonly recent: Amount;
  /** Spend over the `days` before. */
  readonly previous: Amount;
  /** recent - previous. */
  readonly change: Amount;
  /** change / previous in percent; `undefined` when the previous period had no spend. */
  readonly changePercent?: number;
}

/**
 * The teams whose spend moved most (by absolute change) between the last `days` complete (not provisional) days
 * of the report and the `days` before them.
 *
 * @param report the report
 * @param days length of each compared period
 * @param limit how many teams to return
 */
export function topMovers(report: Pick<CostReport, 'days' | 'provisionalDays'> & { readonly rows: CostRowSource }, days = 7, limit = 5): TeamMover[] {
  // Estimated days are still filling in: comparing them would report every team as shrinking.
  const provisional = new Set(report.provisionalDays);
  const complete = report.days.filter(d => !provisional.has(d));
  if (complete.length < 2 * days) {
    return [];
  }
  const end = addDays(complete[complete.length - 1], 1);
  const mid = addDays(end, -days);
  const start = addDays(mid, -days);
  const rows = CostRows.of(report.rows);
  // Which period each day falls in: 1 previous, 2 recent, 0 neither; compared once per day, not per row.
  const period = Uint8Array.from(rows.days, d => (d < start || d >= end ? 0 : d >= mid ? 2 : 1));
  const sums = new ExactSums(rows.teams.length * 2);
  const seen = new Uint8Array(rows.teams.length);
  for (let i = 0; i < rows.length; i++) {
    const p = period[rows.dayIdAt(i)];
    if (p !== 0) {
      const team = rows.teamIdAt(i);
      sums.addRow(team * 2 + p - 1, rows, i);
      seen[team] = 1;
    }
  }
  const moved: [string, { recent: Amount; previous: Amount }][] = [];
  seen.forEach((s, team) => {
    if (s === 1) {
      moved.push([rows.teams[team], { recent: { units: sums.get(team * 2 + 1) }, previous: { units: sums.get(team * 2) } }]);
    }
  });
  return moved
    .map(([team, s]) => {
      const change = subtractAmounts(s.recent, s.previous);
      return {
        team,
        recent: s.recent,
        previous: s.previous,
        change,
        changePercent: s.previous.units > 0n ? (amountToNumber(change) / amountToNumber(s.previous)) * 100 : undefined,
      };
    })
    .filter(m => m.change.units !== 0n)
    .sort((a, b) => compareAmountsDesc(abs(a.change), abs(b.change)) || a.team.localeCompare(b.team))
    .slice(0, limit);
}

function compareAmountsDesc(a: Amount, b: Amount): number {
  return a.units > b.units ? -1 : a.units < b.units ? 1 : 0;
}

function abs(a: Amount): Amount {
  return a.units < 0n ? { units: -a.units } : a;
}
