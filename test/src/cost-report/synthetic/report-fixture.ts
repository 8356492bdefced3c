import { amountToNumber } from '../../../../src/cost-report/amount';
import { detectAnomalies, projectMonthEnd } from '../../../../src/cost-report/anomaly';
import type { CostDataset, CostReport, TeamTotal } from '../../../../src/cost-report/model';

/**
 * A CostReport from a dataset, built the plain way (for renderer tests; the library's own report builder is
 * tested on its own).
 */
export function reportFromDataset(dataset: CostDataset, generatedAt = '2026-11-02T08:00:00.000Z'): CostReport {
  const byTeam = new Map<string, Map<string, bigint>>();
  const provisional = new Set<string>();
  let total = 0n;
  for (const row of dataset.rows) {
    const services = byTeam.get(row.team) ?? new Map<string, bigint>();
    services.set(row.service, (services.get(row.service) ?? 0n) + row.amount.units);
    byTeam.set(row.team, services);
    total += row.amount.units;
    if (row.estimated) provisional.add(row.day);
  }
  const teams: TeamTotal[] = [...byTeam].map(([team, services]) => {
    const units = [...services.values()].reduce((a, b) => a + b, 0n);
    return {
      team,
      total: { units },
      share: amountToNumber({ units }) / amountToNumber({ units: total }),
      services: [...services].map(([service, u]) => ({ service, total: { units: u } })).sort((a, b) => (a.total.units < b.total.units ? 1 : -1)),
    };
  }).sort((a, b) => (a.total.units < b.total.units ? 1 : -1));
  const days: string[] = [];
  for (let d = dataset.query.start; d < dataset.query.end; d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)) {
    days.push(d);
  }
  return {
    query: dataset.query,
    currency: dataset.currency,
    generatedAt,
    days,
    provisionalDays: [...provisional].sort(),
    total: { units: total },
    teams,
    rows: dataset.rows,
    anomalies: detectAnomalies(dataset.rows),
    projections: projectMonthEnd(dataset.rows),
    apiCalls: dataset.apiCalls,
  };
}
