import { MlopsStackError } from '../../../errors';
import { isDay, MS_PER_DAY } from '../../dates';
import { CostRows, ExactSums, type CostRowSource } from '../../rows';

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
  // Most medians are of a few same-weekday values: an insertion sort of a copy, without a comparator call per
  // comparison.
  if (values.length <= FEW) {
    return medianUnitsInPlace(values.slice(), values.length);
  }
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2n;
}

/** Values {@link medianUnits} sorts by insertion. */
const FEW = 16;

/**
 * Median of the first `n` exact amounts of `values`, reordering them in place: for the detector's baselines, a
 * handful of values a team and day, where copying and sorting with a comparator was much of its run time.
 * The same value as {@link medianUnits}.
 */
export function medianUnitsInPlace(values: bigint[], n: number): bigint {
  for (let i = 1; i < n; i++) {
    const v = values[i];
    let j = i - 1;
    for (; j >= 0 && values[j] > v; j--) {
      values[j + 1] = values[j];
    }
    values[j + 1] = v;
  }
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2n;
}

/** Median of floats. */
export function median(values: readonly number[] | Float64Array): number {
  // Selection in a reused buffer: sorting a fresh copy for each of the detector's many medians was most of
  // its run time. The result is the value sorting would give.
  const n = values.length;
  if (scratch.length < n) {
    scratch = new Float64Array(Math.max(n, scratch.length * 2));
  }
  const a = scratch;
  for (let i = 0; i < n; i++) {
    a[i] = values[i];
  }
  const mid = Math.floor(n / 2);
  const upper = select(a, n, mid);
  if (n % 2 === 1) {
    return upper;
  }
  // After selection every value left of mid is at most a[mid]: the lower middle is their largest.
  let lower = a[0];
  for (let i = 1; i < mid; i++) {
    if (a[i] > lower) lower = a[i];
  }
  return (lower + upper) / 2;
}

let scratch = new Float64Array(64);

/** Moves the k-th smallest of a[0..n) to a[k], smaller values left of it and larger right (Hoare's selection). */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[Math.floor((lo + hi) / 2)];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) {
      hi = j;
    } else if (k >= i) {
      lo = i;
    } else {
      break;
    }
  }
  return a[k];
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
  /** Exact daily totals per service (converted to bigints only when read: most are never read). */
  readonly services: ReadonlyMap<string, bigint[]>;
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

// buildReport runs the detector and the projection on the same rows: build their series once per store, and
// let buildReport drop them (forgetSeries) once both are done.
const built = new WeakMap<CostRows, { readonly rows: number; readonly set: SeriesSet }>();

/** Drops the series {@link buildSeries} keeps for a store. */
export function forgetSeries(rows: CostRows): void {
  built.delete(rows);
}

/** Group rows into dense per-team, per-service daily series with exact sums. */
export function buildSeries(source: CostRowSource): SeriesSet {
  const rows = CostRows.of(source);
  const cached = built.get(rows);
  if (cached && cached.rows === rows.length) {
    return cached.set;
  }
  const set = seriesOf(rows);
  built.set(rows, { rows: rows.length, set });
  return set;
}

function seriesOf(rows: CostRows): SeriesSet {
  const n = rows.length;
  const dayNumbers = rows.days.map(dayIndex);
  let start = Infinity;
  let end = -Infinity;
  // Only days that hold a row span the axis (a day can be in the dictionary with no group).
  const used = new Uint8Array(dayNumbers.length);
  for (let i = 0; i < n; i++) {
    used[rows.dayIdAt(i)] = 1;
  }
  used.forEach((u, d) => {
    if (u === 1) {
      start = Math.min(start, dayNumbers[d]);
      end = Math.max(end, dayNumbers[d]);
    }
  });
  const length = n === 0 ? 0 : end - start + 1;
  const offsets = Int32Array.from(dayNumbers, d => d - start);
  const teamCount = rows.teams.length;
  const serviceCount = rows.services.length;
  const teamSums: (ExactSums | undefined)[] = new Array(teamCount).fill(undefined);
  const teamEstimated: boolean[][] = new Array(teamCount);
  // Per team, its services in the order first seen, and one series of sums per (team, service) pair.
  const teamServices: number[][] = Array.from({ length: teamCount }, () => []);
  const pairSums: (ExactSums | undefined)[] = new Array(teamCount * serviceCount).fill(undefined);
  const estimated = new Array<boolean>(length).fill(false);
  for (let i = 0; i < n; i++) {
    const t = offsets[rows.dayIdAt(i)];
    const team = rows.teamIdAt(i);
    const service = rows.serviceIdAt(i);
    let totals = teamSums[team];
    if (!totals) {
      totals = new ExactSums(length);
      teamSums[team] = totals;
      teamEstimated[team] = new Array<boolean>(length).fill(false);
    }
    const pair = team * serviceCount + service;
    let sums = pairSums[pair];
    if (!sums) {
      sums = new ExactSums(length);
      pairSums[pair] = sums;
      teamServices[team].push(service);
    }
    sums.addRow(t, rows, i);
    totals.addRow(t, rows, i);
    if (rows.estimatedAt(i)) {
      teamEstimated[team][t] = true;
      estimated[t] = true;
    }
  }
  const teams = new Map<string, TeamSeries>();
  for (let team = 0; team < teamCount; team++) {
    const totals = teamSums[team];
    if (!totals) {
      continue;
    }
    const values = unitsOf(totals, length);
    const first = values.findIndex(v => v !== 0n);
    teams.set(rows.teams[team], {
      team: rows.teams[team],
      firstActive: first < 0 ? length : first,
      totals: values,
      estimated: teamEstimated[team],
      services: new LazySeries(teamServices[team].map(s => [rows.services[s], pairSums[team * serviceCount + s]!]), length),
    });
  }
  return { start, length, teams, estimated };
}

function unitsOf(sums: ExactSums, length: number): bigint[] {
  const out = new Array<bigint>(length);
  for (let t = 0; t < length; t++) {
    out[t] = sums.get(t);
  }
  return out;
}

/**
 * Per-service series read lazily: a million cells as bigints would take tens of megabytes, and only the
 * services of a team with an anomaly are ever read.
 */
class LazySeries implements ReadonlyMap<string, bigint[]> {
  private readonly sums: Map<string, ExactSums>;
  private readonly converted = new Map<string, bigint[]>();

  constructor(entries: [string, ExactSums][], private readonly length: number) {
    this.sums = new Map(entries);
  }

  public get size(): number {
    return this.sums.size;
  }

  public get(service: string): bigint[] | undefined {
    let values = this.converted.get(service);
    if (values === undefined) {
      const sums = this.sums.get(service);
      if (sums === undefined) {
        return undefined;
      }
      values = unitsOf(sums, this.length);
      this.converted.set(service, values);
    }
    return values;
  }

  public has(service: string): boolean {
    return this.sums.has(service);
  }

  public *keys(): MapIterator<string> {
    yield* this.sums.keys();
  }

  public *values(): MapIterator<bigint[]> {
    for (const k of this.sums.keys()) yield this.get(k)!;
  }

  public *entries(): MapIterator<[string, bigint[]]> {
    for (const k of this.sums.keys()) yield [k, this.get(k)!];
  }

  public [Symbol.iterator](): MapIterator<[string, bigint[]]> {
    return this.entries();
  }

  public forEach(fn: (value: bigint[], key: string, map: ReadonlyMap<string, bigint[]>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}
