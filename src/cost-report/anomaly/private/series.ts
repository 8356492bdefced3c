import { MlopsStackError } from '../../../errors';
import { isDay, MS_PER_DAY } from '../../dates';
import type { CostRow } from '../../model';

/** Days since 1970-01-01 of a `YYYY-MM-DD` day. */
export function dayIndex(day: string): number {
  if (!isDay(day)) {
    throw new MlopsStackError(`day "${day}" is not a calendar day in the form YYYY-MM-DD`);
  }
  return Math.round(Date.parse(`${day}T00:00:00Z`) / MS_PER_DAY);
}

/** The `YYYY-MM-DD` day of a day index. */
export function dayFromIndex(index: number): string {
  return new Date(index * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Day of the week of a day index, 0 = Sunday (1970-01-01 was a Thursday). */
export function weekday(index: number): number {
  return (((index + 4) % 7) + 7) % 7;
}

/** Number of days in the month of a `YYYY-MM-DD` (or `YYYY-MM`) day. */
export function daysInMonth(day: string): number {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Median of exact amounts (in units); the mean of the two middle values, truncated, for an even count. */
export function medianUnits(values: readonly bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2n;
}

/** Median of floats. */
export function median(values: readonly number[] | Float64Array): number {
  // A typed array sorts numerically in native code: several times faster than a comparator on a plain array.
  const sorted = Float64Array.from(values).sort();
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One team's spend on a dense day axis: every day from the first to the last day of the data, zero where the
 * team had no rows.
 */
export interface TeamSeries {
  readonly team: string;
  /** Offset (from the axis start) of the first day with non-zero spend; `length` when there is none. */
  readonly firstActive: number;
  /** Exact daily totals, in amount units. */
  readonly totals: bigint[];
  /** Whether any row of that day was `Estimated`. */
  readonly estimated: boolean[];
  /** Exact daily totals per service. */
  readonly services: Map<string, bigint[]>;
}

/** The dense day axis of a set of rows and each team's series on it. */
export interface SeriesSet {
  /** Day index of offset 0. */
  readonly start: number;
  readonly length: number;
  readonly teams: Map<string, TeamSeries>;
  /** Whether any row of that day (any team) was `Estimated`. */
  readonly estimated: boolean[];
}

/** Group rows into dense per-team, per-service daily series with exact sums. */
export function buildSeries(rows: readonly CostRow[]): SeriesSet {
  let start = Infinity;
  let end = -Infinity;
  const indexes = new Map<string, number>();
  for (const row of rows) {
    let i = indexes.get(row.day);
    if (i === undefined) {
      i = dayIndex(row.day);
      indexes.set(row.day, i);
    }
    start = Math.min(start, i);
    end = Math.max(end, i);
  }
  const length = rows.length === 0 ? 0 : end - start + 1;
  const teams = new Map<string, TeamSeries>();
  const estimated = new Array<boolean>(length).fill(false);
  for (const row of rows) {
    const t = indexes.get(row.day)! - start;
    let series = teams.get(row.team);
    if (!series) {
      series = {
        team: row.team,
        firstActive: length,
        totals: new Array<bigint>(length).fill(0n),
        estimated: new Array<boolean>(length).fill(false),
        services: new Map(),
      };
      teams.set(row.team, series);
    }
    let service = series.services.get(row.service);
    if (!service) {
      service = new Array<bigint>(length).fill(0n);
      series.services.set(row.service, service);
    }
    service[t] += row.amount.units;
    series.totals[t] += row.amount.units;
    if (row.estimated) {
      series.estimated[t] = true;
      estimated[t] = true;
    }
  }
  for (const [team, series] of teams) {
    const first = series.totals.findIndex(v => v !== 0n);
    teams.set(team, { ...series, firstActive: first < 0 ? length : first });
  }
  return { start, length, teams, estimated };
}
