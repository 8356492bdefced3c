/* eslint-disable no-bitwise -- row indexes (below 2^31) split into block and offset on every column read */
import { AMOUNT_SCALE, type Amount, type CostRow } from './model';

/**
 * Rows per block. Blocks are allocated whole and never copied as the store grows, so a store of a million rows
 * holds at most one partly filled block beyond its rows, and growing it never needs the old and the new copy
 * at once.
 */
const BLOCK_BITS = 16;
const BLOCK = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK - 1;

/** Amount units beyond this magnitude are kept as bigints apart (a float holds integers exactly up to 2^53 - 1). */
const MAX_FAST_UNITS = Number.MAX_SAFE_INTEGER;

type IndexArray = Uint8Array | Uint16Array | Uint32Array;

interface Block {
  day: IndexArray;
  team: IndexArray;
  service: IndexArray;
  /** Amount units as exact integers; `NaN` where the units are in {@link CostRows.bigUnits}. */
  readonly units: Float64Array;
  readonly estimated: Uint8Array;
}

/** Rows in any form the report accepts: the compact store, or plain row objects (tests, synthetic data). */
export type CostRowSource = CostRows | readonly CostRow[];

/**
 * Cost rows kept column by column instead of as one object per row: days, teams and services are
 * dictionary-encoded (each distinct string is kept once and rows hold its index in the narrowest typed array
 * that fits, widened as a dictionary grows), amounts are exact fixed-point integers (units of
 * 10^-{@link AMOUNT_SCALE}) in a `Float64Array`, which holds every integer of up to 2^53 - 1 units (about
 * 900,000 a row) exactly; a larger amount is kept as a `bigint` apart, so no amount is ever rounded.
 *
 * About 13 bytes a row for up to 255 teams and services and 65,535 days, against well over a hundred for row
 * objects. Iterating yields {@link CostRow} objects built on the fly, for code that reads rows one by one;
 * aggregations read the columns ({@link dayIdAt}, {@link teamIdAt}, {@link serviceIdAt}, {@link unitsAt})
 * or add into {@link ExactSums}.
 *
 * Rows keep the order they were appended in; a repeated day, team and service is kept (the reader rejects
 * repeats before they get here; sums add them).
 */
export class CostRows implements Iterable<CostRow> {
  /**
   * The rows as a store: the same store when it already is one, else a new store of copies of the rows.
   *
   * @param rows rows in either form
   */
  public static of(rows: CostRowSource): CostRows {
    return rows instanceof CostRows ? rows : CostRows.from(rows);
  }

  /**
   * A new store holding the given rows, in order.
   *
   * @param rows row objects
   */
  public static from(rows: Iterable<CostRow>): CostRows {
    const store = new CostRows();
    for (const r of rows) {
      store.append(r.day, r.team, r.service, r.amount, r.estimated);
    }
    return store;
  }

  /** Distinct days, in the order first seen; rows hold indexes into it. */
  public readonly days: readonly string[] = [];
  /** Distinct team keys ({@link UNTAGGED} included when present), in the order first seen. */
  public readonly teams: readonly string[] = [];
  /** Distinct services, in the order first seen. */
  public readonly services: readonly string[] = [];

  private readonly blocks: Block[] = [];
  private count = 0;
  private readonly dayIds = new Map<string, number>();
  private readonly teamIds = new Map<string, number>();
  private readonly serviceIds = new Map<string, number>();
  private readonly bigUnits = new Map<number, bigint>();
  private dayWidth = 1;
  private teamWidth = 1;
  private serviceWidth = 1;

  /** Number of rows. */
  public get length(): number {
    return this.count;
  }

  /**
   * The index of a day in {@link days}, added when new.
   *
   * @param day `YYYY-MM-DD`
   */
  public dayId(day: string): number {
    let id = this.dayIds.get(day);
    if (id === undefined) {
      id = this.dayIds.size;
      this.dayIds.set(day, id);
      (this.days as string[]).push(day);
      this.dayWidth = this.widen('day', this.dayWidth, id);
    }
    return id;
  }

  /**
   * The index of a team key in {@link teams}, added when new. `''` (untagged) and `'(untagged)'` (a tag value)
   * are different keys.
   *
   * @param team team key
   */
  public teamId(team: string): number {
    let id = this.teamIds.get(team);
    if (id === undefined) {
      id = this.teamIds.size;
      this.teamIds.set(team, id);
      (this.teams as string[]).push(team);
      this.teamWidth = this.widen('team', this.teamWidth, id);
    }
    return id;
  }

  /**
   * The index of a service in {@link services}, added when new.
   *
   * @param service service name
   */
  public serviceId(service: string): number {
    let id = this.serviceIds.get(service);
    if (id === undefined) {
      id = this.serviceIds.size;
      this.serviceIds.set(service, id);
      (this.services as string[]).push(service);
      this.serviceWidth = this.widen('service', this.serviceWidth, id);
    }
    return id;
  }

  /**
   * Append one row.
   *
   * @param day `YYYY-MM-DD`
   * @param team team key, `''` for untagged spend
   * @param service service name
   * @param amount exact amount
   * @param estimated whether Cost Explorer marked the day `Estimated`
   * @returns the row's index
   */
  public append(day: string, team: string, service: string, amount: Amount, estimated: boolean): number {
    return this.appendIds(this.dayId(day), this.teamId(team), this.serviceId(service), amount.units, estimated);
  }

  /**
   * Append one row by dictionary indexes (from {@link CostRows.dayId}, {@link CostRows.teamId}, {@link CostRows.serviceId}).
   *
   * @param units the amount in units, a `bigint`, or a `number` that is an integer of at most 2^53 - 1
   * @returns the row's index
   */
  public appendIds(dayId: number, teamId: number, serviceId: number, units: bigint | number, estimated: boolean): number {
    const i = this.count;
    const o = i & BLOCK_MASK;
    if (o === 0) {
      this.blocks.push(this.newBlock());
    }
    const b = this.blocks[i >>> BLOCK_BITS];
    b.day[o] = dayId;
    b.team[o] = teamId;
    b.service[o] = serviceId;
    if (typeof units === 'number') {
      if (!Number.isSafeInteger(units)) {
        throw new RangeError(`amount units ${units} are not an integer of at most 2^53 - 1; pass a bigint`);
      }
      // -0 would print as "0" anyway, but keeps sums and comparisons plain.
      b.units[o] = units === 0 ? 0 : units;
    } else if (units >= -BigInt(MAX_FAST_UNITS) && units <= BigInt(MAX_FAST_UNITS)) {
      b.units[o] = Number(units);
    } else {
      b.units[o] = NaN;
      this.bigUnits.set(i, units);
    }
    b.estimated[o] = estimated ? 1 : 0;
    this.count = i + 1;
    return i;
  }

  /** Index in {@link days} of row `i`. */
  public dayIdAt(i: number): number {
    return this.blocks[i >>> BLOCK_BITS].day[i & BLOCK_MASK];
  }

  /** Index in {@link teams} of row `i`. */
  public teamIdAt(i: number): number {
    return this.blocks[i >>> BLOCK_BITS].team[i & BLOCK_MASK];
  }

  /** Index in {@link services} of row `i`. */
  public serviceIdAt(i: number): number {
    return this.blocks[i >>> BLOCK_BITS].service[i & BLOCK_MASK];
  }

  /** Whether row `i`'s day is `Estimated`. */
  public estimatedAt(i: number): boolean {
    return this.blocks[i >>> BLOCK_BITS].estimated[i & BLOCK_MASK] === 1;
  }

  /** Exact units of row `i`. */
  public unitsAt(i: number): bigint {
    const v = this.blocks[i >>> BLOCK_BITS].units[i & BLOCK_MASK];
    return v === v ? BigInt(v) : this.bigUnits.get(i)!;
  }

  /**
   * Units of row `i` as a float, `NaN` when they exceed 2^53 - 1 (then read {@link unitsAt}). Exact whenever
   * it is not `NaN`: for sums, see {@link ExactSums}.
   */
  public fastUnitsAt(i: number): number {
    return this.blocks[i >>> BLOCK_BITS].units[i & BLOCK_MASK];
  }

  /** The exact amount of row `i`. */
  public amountAt(i: number): Amount {
    return { units: this.unitsAt(i) };
  }

  /** Row `i` as an object. */
  public row(i: number): CostRow {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new RangeError(`row ${i} is out of range: the store holds ${this.count} rows`);
    }
    return {
      day: this.days[this.dayIdAt(i)],
      team: this.teams[this.teamIdAt(i)],
      service: this.services[this.serviceIdAt(i)],
      amount: this.amountAt(i),
      estimated: this.estimatedAt(i),
    };
  }

  /** Every row as an object, in order. */
  public *[Symbol.iterator](): Iterator<CostRow> {
    for (let i = 0; i < this.count; i++) {
      yield this.row(i);
    }
  }

  /** The rows as an array of objects (for small stores: each object takes over a hundred bytes). */
  public toArray(): CostRow[] {
    return [...this];
  }

  /**
   * A new store of the rows that pass `keep`, in order.
   *
   * @param keep called with each row's index
   */
  public filter(keep: (i: number) => boolean): CostRows {
    const out = new CostRows();
    for (let i = 0; i < this.count; i++) {
      if (keep(i)) {
        out.appendIds(out.dayId(this.days[this.dayIdAt(i)]), out.teamId(this.teams[this.teamIdAt(i)]),
          out.serviceId(this.services[this.serviceIdAt(i)]), this.fastOrBig(i), this.estimatedAt(i));
      }
    }
    return out;
  }

  /** Bytes held by the columns (not the dictionaries' strings): for the benchmark's bytes per row. */
  public get columnBytes(): number {
    let bytes = 0;
    for (const b of this.blocks) {
      bytes += b.day.byteLength + b.team.byteLength + b.service.byteLength + b.units.byteLength + b.estimated.byteLength;
    }
    return bytes;
  }

  private fastOrBig(i: number): number | bigint {
    const v = this.fastUnitsAt(i);
    return v === v ? v : this.bigUnits.get(i)!;
  }

  private newBlock(): Block {
    return {
      day: indexArray(this.dayWidth, BLOCK),
      team: indexArray(this.teamWidth, BLOCK),
      service: indexArray(this.serviceWidth, BLOCK),
      units: new Float64Array(BLOCK),
      estimated: new Uint8Array(BLOCK),
    };
  }

  /** Widens a column's index arrays when a new dictionary index no longer fits; returns the width. */
  private widen(column: 'day' | 'team' | 'service', width: number, id: number): number {
    const needed = id <= 0xff ? 1 : id <= 0xffff ? 2 : 4;
    if (needed <= width) {
      return width;
    }
    for (const b of this.blocks) {
      const wider = indexArray(needed, BLOCK);
      wider.set(b[column]);
      b[column] = wider;
    }
    return needed;
  }
}

function indexArray(width: number, length: number): IndexArray {
  return width === 1 ? new Uint8Array(length) : width === 2 ? new Uint16Array(length) : new Uint32Array(length);
}

/** 2^53: a float sum below it in magnitude is exact when both terms are integers. */
const EXACT_LIMIT = 2 ** 53;

/**
 * Exact sums of amount units into numbered cells (team × service, day × team, ...), at float speed: each cell
 * adds in a float while the sum stays an integer below 2^53 in magnitude, where float addition is exact, and
 * moves to a `bigint` once it would not. No sum is ever rounded.
 */
export class ExactSums {
  private readonly fast: Float64Array;
  private readonly big = new Map<number, bigint>();

  /** @param cells number of cells, each starting at zero */
  constructor(public readonly cells: number) {
    this.fast = new Float64Array(cells);
  }

  /**
   * Add row `i` of `rows` to a cell.
   *
   * @param cell cell number
   * @param rows the store
   * @param i row index
   */
  public addRow(cell: number, rows: CostRows, i: number): void {
    const s = this.fast[cell] + rows.fastUnitsAt(i);
    // NaN (a large row, or a cell already moved to a bigint) fails both comparisons.
    if (s < EXACT_LIMIT && s > -EXACT_LIMIT) {
      this.fast[cell] = s;
    } else {
      this.addUnits(cell, rows.unitsAt(i));
    }
  }

  /**
   * Add exact units to a cell.
   *
   * @param cell cell number
   * @param units units to add
   */
  public addUnits(cell: number, units: bigint): void {
    const f = this.fast[cell];
    this.big.set(cell, (f === f ? BigInt(f) : this.big.get(cell)!) + units);
    this.fast[cell] = NaN;
  }

  /** The exact sum of a cell. */
  public get(cell: number): bigint {
    const f = this.fast[cell];
    return f === f ? BigInt(f) : this.big.get(cell)!;
  }

  /** Whether a cell is exactly zero (never added to, or summed to zero). */
  public isZero(cell: number): boolean {
    const f = this.fast[cell];
    return f === 0 || (f !== f && this.big.get(cell) === 0n);
  }
}

const SCALE = 10 ** AMOUNT_SCALE;
const POW10 = Array.from({ length: AMOUNT_SCALE + 1 }, (_, k) => 10 ** k);

/**
 * The units of a plain decimal string (`"12.3456789012"`, `"-0.01"`) as an exact float, or `NaN` when the text
 * is not in the plain form with at most 5 whole digits and {@link AMOUNT_SCALE} fractional ones (parse those
 * with `parseAmount`, which rounds extra digits and reports bad text). Both parts are integers below 2^53,
 * so the result is exact.
 */
export function parseUnitsFast(text: string): number {
  const n = text.length;
  let i = 0;
  const neg = n > 0 && text.charCodeAt(0) === 45;
  if (neg) i = 1;
  let whole = 0;
  const wholeStart = i;
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
  }
  const wholeDigits = i - wholeStart;
  if (wholeDigits === 0 || wholeDigits > 5) return NaN;
  let frac = 0;
  let fracDigits = 0;
  if (i < n) {
    if (text.charCodeAt(i) !== 46) return NaN;
    for (i++; i < n; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9 || ++fracDigits > AMOUNT_SCALE) return NaN;
      frac = frac * 10 + d;
    }
    if (fracDigits === 0) return NaN;
  }
  const units = whole * SCALE + frac * POW10[AMOUNT_SCALE - fracDigits];
  return neg && units !== 0 ? -units : units;
}

/** The fraction is printed as two halves: each a small integer, where the whole fraction can exceed 2^31. */
const LOW_DIGITS = Math.floor(AMOUNT_SCALE / 2);
const HIGH_DIGITS = AMOUNT_SCALE - LOW_DIGITS;
const LOW = 10 ** LOW_DIGITS;
const ZEROS = Array.from({ length: AMOUNT_SCALE + 1 }, (_, k) => '0'.repeat(k));
/** `"0."` to `"999."`: most amounts' integer part and point. */
const WHOLE_PREFIXES = Array.from({ length: 1000 }, (_, k) => `${k}.`);

/**
 * `formatAmountExact` for units held as an exact float (an integer of at most 2^53 - 1): the full-precision
 * decimal without building a bigint.
 */
export function formatUnitsFast(units: number): string {
  const neg = units < 0;
  const a = neg ? -units : units;
  let whole = Math.floor(a / SCALE);
  // Both products and the difference are integers below 2^53: exact. The quotient may round up by one.
  let frac = a - whole * SCALE;
  if (frac < 0) {
    whole -= 1;
    frac += SCALE;
  }
  if (frac === 0) {
    return neg ? `-${whole}` : `${whole}`;
  }
  // Printing and trimming small integers is integer work; the ten-digit fraction as one number is float
  // remainders and a float printed. The quotient is exact: the fraction is an integer below 2^53, and a
  // remainder below LOW keeps it clear of the next integer. (Printing the amount as JavaScript prints its
  // float would be faster still, but each printed float is kept in V8's number-to-string cache: some 8 MB
  // more at the JSON writer's peak.)
  let high = Math.floor(frac / LOW);
  let low = frac - high * LOW;
  // Built left to right from the integer part with its point, so each step adds to one string (adding an
  // empty padding allocates nothing); the common integer parts' prefixes are kept.
  let text = neg ? `-${whole}.` : whole < WHOLE_PREFIXES.length ? WHOLE_PREFIXES[whole] : `${whole}.`;
  if (low === 0) {
    let n = HIGH_DIGITS;
    while (high % 10 === 0) {
      high /= 10;
      n--;
    }
    const h = `${high}`;
    return text + ZEROS[n - h.length] + h;
  }
  let n = LOW_DIGITS;
  while (low % 10 === 0) {
    low /= 10;
    n--;
  }
  const h = `${high}`;
  const l = `${low}`;
  text = text + ZEROS[HIGH_DIGITS - h.length] + h;
  return text + ZEROS[n - l.length] + l;
}
