import { addAmounts, amountToNumber, subtractAmounts, ZERO } from './amount';
import { detectAnomalies, projectMonthEnd, type AnomalyOptions } from './anomaly';
import { addDays, daysInRange } from './dates';
import type { Amount, AwsAnomalyFinding, CostDataset, CostReport, CostRow, TeamTotal } from './model';

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
  const provisional = new Set<string>();
  const byTeam = new Map<string, Map<string, bigint>>();
  let total = 0n;
  for (const row of dataset.rows) {
    if (row.estimated) {
      provisional.add(row.day);
    }
    let services = byTeam.get(row.team);
    if (!services) {
      services = new Map();
      byTeam.set(row.team, services);
    }
    services.set(row.service, (services.get(row.service) ?? 0n) + row.amount.units);
    total += row.amount.units;
  }
  const totalNumber = amountToNumber({ units: total });
  const teams: TeamTotal[] = [...byTeam.entries()].map(([team, services]) => {
    let units = 0n;
    for (const v of services.values()) {
      units += v;
    }
    return {
      team,
      total: { units },
      share: totalNumber === 0 ? 0 : amountToNumber({ units }) / totalNumber,
      services: [...services.entries()]
        .map(([service, v]) => ({ service, total: { units: v } }))
        .sort((a, b) => compareAmountsDesc(a.total, b.total) || a.service.localeCompare(b.service)),
    };
  }).sort((a, b) => compareAmountsDesc(a.total, b.total) || a.team.localeCompare(b.team));

  return {
    query: dataset.query,
    currency: dataset.currency,
    generatedAt: (options.now ?? new Date()).toISOString(),
    days,
    provisionalDays: [...provisional].sort(),
    total: { units: total },
    teams,
    rows: dataset.rows,
    anomalies: detectAnomalies(dataset.rows, options.anomaly ?? {}),
    projections: projectMonthEnd(dataset.rows),
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
export function topMovers(report: Pick<CostReport, 'days' | 'rows' | 'provisionalDays'>, days = 7, limit = 5): TeamMover[] {
  // Estimated days are still filling in: comparing them would report every team as shrinking.
  const provisional = new Set(report.provisionalDays);
  const complete = report.days.filter(d => !provisional.has(d));
  if (complete.length < 2 * days) {
    return [];
  }
  const end = addDays(complete[complete.length - 1], 1);
  const mid = addDays(end, -days);
  const start = addDays(mid, -days);
  const sums = new Map<string, { recent: Amount; previous: Amount }>();
  for (const row of report.rows as readonly CostRow[]) {
    if (row.day < start || row.day >= end) {
      continue;
    }
    const s = sums.get(row.team) ?? { recent: ZERO, previous: ZERO };
    if (row.day >= mid) {
      s.recent = addAmounts(s.recent, row.amount);
    } else {
      s.previous = addAmounts(s.previous, row.amount);
    }
    sums.set(row.team, s);
  }
  return [...sums.entries()]
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
