import { AMOUNT_SCALE } from '../model';

/**
 * One `GetCostAndUsage` page read straight from its JSON bytes by {@link PageScanner}: what the row collector
 * needs, as byte ranges into {@link bytes}, without an object per group. Valid until the scanner's next scan.
 */
export interface ScannedPage {
  /** The page's bytes; every range below points into them. */
  readonly bytes: Uint8Array;
  /** `NextPageToken`, `undefined` when absent or `null`. */
  readonly nextPageToken: string | undefined;
  /** `GroupDefinitions` as `JSON.parse` gives it, `undefined` when absent. */
  readonly groupDefinitions: unknown;
  /** Number of entries of `ResultsByTime`. */
  readonly results: number;
  /** Each result's `TimePeriod.Start`, as the page has it (checked later, as the general parser does). */
  readonly days: readonly string[];
  /** Each result's `Estimated`: 1 when `true`. */
  readonly estimated: Uint8Array;
  /** Each result's groups end before this group index (its groups start where the last result's end). */
  readonly groupEnds: Int32Array;
  /** Number of groups, all results. */
  readonly groups: number;
  /**
   * Per group, {@link SPAN_FIELDS} byte offsets: `Keys[0]` start and end, `Keys[1]` start and end, the
   * metric's `Unit` start and end (`-1` when it has none), its `Amount` start and end (inside the quotes).
   */
  readonly spans: Int32Array;
  /** Per group, the amount's units when it is in the plain form `parseUnitsFast` reads, else `NaN`. */
  readonly units: Float64Array;
}

/** Offsets kept per group in {@link ScannedPage.spans}. */
export const SPAN_FIELDS = 8;

/** Thrown inside the scanner (never out of it) when a page is outside what it reads. */
const OUTSIDE = Symbol('outside the scanned form');

/** Strings are at most this long (1 MiB); a page with a longer one goes to `JSON.parse`. */
const MAX_STRING_BYTES = 1024 * 1024;

/** Skipped values nest no deeper than this; deeper pages go to `JSON.parse`, which has no such limit. */
const MAX_SKIP_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const POINT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const SCALE = 10 ** AMOUNT_SCALE;
const POW10 = Array.from({ length: AMOUNT_SCALE + 1 }, (_, k) => 10 ** k);

/** ASCII bytes of a key or literal, for comparing in place. */
function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, c => c.charCodeAt(0));
}

const K_RESULTS = ascii('ResultsByTime');
const K_GROUP_DEFINITIONS = ascii('GroupDefinitions');
const K_NEXT_PAGE_TOKEN = ascii('NextPageToken');
const K_TIME_PERIOD = ascii('TimePeriod');
const K_START = ascii('Start');
const K_ESTIMATED = ascii('Estimated');
const K_TOTAL = ascii('Total');
const K_GROUPS = ascii('Groups');
const K_KEYS = ascii('Keys');
const K_METRICS = ascii('Metrics');
const K_AMOUNT = ascii('Amount');
const K_UNIT = ascii('Unit');
const L_TRUE = ascii('true');
const L_FALSE = ascii('false');
const L_NULL = ascii('null');

// `ignoreBOM` keeps a U+FEFF that starts a string, as decoding the whole file does.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The text of `bytes[start, end)`, decoded as UTF-8 exactly as decoding the whole page and slicing would
 * (a range always starts and ends at an ASCII quote, where no sequence can straddle it).
 */
export function decodeRange(bytes: Uint8Array, start: number, end: number): string {
  return decoder.decode(bytes.subarray(start, end));
}

/** Whether `a[aStart, aEnd)` and `b[bStart, bEnd)` hold the same bytes. */
export function sameBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  const len = aEnd - aStart;
  if (bEnd - bStart !== len) return false;
  for (let k = 0; k < len; k++) {
    if (a[aStart + k] !== b[bStart + k]) return false;
  }
  return true;
}

/** Whether `bytes[s, e)` equals `other`. */
export function rangeEquals(bytes: Uint8Array, s: number, e: number, other: Uint8Array): boolean {
  return sameBytes(bytes, s, e, other, 0, other.length);
}

/**
 * Reads a `GetCostAndUsage` page from its JSON bytes without `JSON.parse`: a year of replayed pages is a
 * million groups, and building an object for each (then collecting them) costs more than everything the report
 * does with the rows. It checks the whole document as JSON and reads what the row collector reads (keys in any
 * order, whitespace anywhere JSON allows it, fields it does not read skipped and checked).
 *
 * It is a fast path, never the only one: whatever is outside the plain form (an escape in a string, a value of
 * an unexpected type, a missing or repeated field, nesting deeper than {@link MAX_SKIP_DEPTH}, anything that
 * is not JSON) makes {@link scan} return `undefined`, and the caller parses the page with `JSON.parse` and the
 * general parser, which reads it or names what is wrong. So a page it reads gives exactly the rows the general
 * parser gives, and a page it does not read gives exactly that parser's answer, error included. Strings are
 * decoded as UTF-8 the way the general path's `toString('utf8')` decodes the whole file (an ill-formed
 * sequence becomes U+FFFD; a quote always ends one).
 *
 * Checks of values against the request (a day outside the window, a tag without the tag key's prefix, an
 * amount in another form) are the collector's, made in the general parser's order.
 */
export class PageScanner {
  private b: Uint8Array = new Uint8Array(0);
  private n = 0;
  private i = 0;
  /** End (exclusive) of the string {@link str} last read. */
  private e = 0;
  private groups = 0;
  private results = 0;
  private spans: Int32Array = new Int32Array(SPAN_FIELDS * 1024);
  private units: Float64Array = new Float64Array(1024);
  private estimated: Uint8Array = new Uint8Array(64);
  private groupEnds: Int32Array = new Int32Array(64);
  private days: string[] = [];
  private readonly metric: Uint8Array;

  /** @param metric the metric the requests asked for: the one a group's `Metrics` must hold */
  constructor(metric: string) {
    this.metric = new TextEncoder().encode(metric);
  }

  /**
   * The page read from its bytes, or `undefined` when it is outside what this scanner reads (parse it with
   * `JSON.parse` then). The answer is valid until the next call.
   *
   * @param bytes the page's JSON, UTF-8
   */
  public scan(bytes: Uint8Array): ScannedPage | undefined {
    this.b = bytes;
    this.n = bytes.length;
    this.i = 0;
    this.groups = 0;
    this.results = 0;
    this.days = [];
    try {
      return this.page();
    } catch (err) {
      if (err === OUTSIDE) {
        return undefined;
      }
      throw err;
    } finally {
      this.b = new Uint8Array(0);
    }
  }

  private page(): ScannedPage {
    let token: string | undefined;
    let defsStart = -1;
    let defsEnd = -1;
    let sawResults = false;
    let sawToken = false;
    this.expect(OPEN_OBJECT);
    if (!this.closes(CLOSE_OBJECT)) {
      do {
        const k = this.key();
        if (this.keyIs(k, K_RESULTS)) {
          if (sawResults) throw OUTSIDE;
          sawResults = true;
          this.resultsByTime();
        } else if (this.keyIs(k, K_GROUP_DEFINITIONS)) {
          if (defsStart >= 0) throw OUTSIDE;
          this.ws();
          defsStart = this.i;
          this.skip(0);
          defsEnd = this.i;
        } else if (this.keyIs(k, K_NEXT_PAGE_TOKEN)) {
          if (sawToken) throw OUTSIDE;
          sawToken = true;
          if (this.literal(L_NULL)) {
            token = undefined;
          } else {
            const s = this.str();
            token = this.text(s, this.e);
          }
        } else {
          this.skip(0);
        }
      } while (this.more(CLOSE_OBJECT));
    }
    this.ws();
    if (this.i !== this.n || !sawResults) throw OUTSIDE;
    return {
      bytes: this.b,
      nextPageToken: token,
      groupDefinitions: defsStart < 0 ? undefined : JSON.parse(this.text(defsStart, defsEnd)),
      results: this.results,
      days: this.days,
      estimated: this.estimated,
      groupEnds: this.groupEnds,
      groups: this.groups,
      spans: this.spans,
      units: this.units,
    };
  }

  private resultsByTime(): void {
    this.expect(OPEN_LIST);
    if (this.closes(CLOSE_LIST)) return;
    do {
      const r = this.results;
      if (r === this.groupEnds.length) {
        this.groupEnds = grow(this.groupEnds, r * 2);
        this.estimated = grow(this.estimated, r * 2);
      }
      let day: string | undefined;
      let estimated = -1;
      let sawGroups = false;
      // -1: no Total; 0: `{}` (what grouped answers carry); 1: anything else.
      let total = -1;
      const firstGroup = this.groups;
      this.expect(OPEN_OBJECT);
      if (!this.closes(CLOSE_OBJECT)) {
        do {
          const k = this.key();
          if (this.keyIs(k, K_GROUPS)) {
            if (sawGroups) throw OUTSIDE;
            sawGroups = true;
            this.groupList();
          } else if (this.keyIs(k, K_TIME_PERIOD)) {
            if (day !== undefined) throw OUTSIDE;
            day = this.timePeriod();
          } else if (this.keyIs(k, K_TOTAL)) {
            if (total >= 0) throw OUTSIDE;
            this.expect(OPEN_OBJECT);
            total = this.closes(CLOSE_OBJECT) ? 0 : 1;
            if (total === 1) {
              do {
                this.key();
                this.skip(1);
              } while (this.more(CLOSE_OBJECT));
            }
          } else if (this.keyIs(k, K_ESTIMATED)) {
            if (estimated >= 0) throw OUTSIDE;
            if (this.literal(L_TRUE)) estimated = 1;
            else if (this.literal(L_FALSE)) estimated = 0;
            else throw OUTSIDE;
          } else {
            this.skip(0);
          }
        } while (this.more(CLOSE_OBJECT));
      }
      // A result without groups and with a Total goes to the general parser, which checks the Total holds no spend.
      if (day === undefined || !sawGroups || (this.groups === firstGroup && total === 1)) throw OUTSIDE;
      this.days.push(day);
      this.estimated[r] = estimated === 1 ? 1 : 0;
      this.groupEnds[r] = this.groups;
      this.results = r + 1;
    } while (this.more(CLOSE_LIST));
  }

  private timePeriod(): string {
    let start: string | undefined;
    this.expect(OPEN_OBJECT);
    if (!this.closes(CLOSE_OBJECT)) {
      do {
        const k = this.key();
        if (this.keyIs(k, K_START)) {
          if (start !== undefined) throw OUTSIDE;
          const s = this.str();
          start = this.text(s, this.e);
        } else {
          this.skip(0);
        }
      } while (this.more(CLOSE_OBJECT));
    }
    if (start === undefined) throw OUTSIDE;
    return start;
  }

  private groupList(): void {
    this.expect(OPEN_LIST);
    if (this.closes(CLOSE_LIST)) return;
    do {
      const g = this.groups;
      if (g === this.units.length) {
        this.units = grow(this.units, g * 2);
        this.spans = grow(this.spans, g * 2 * SPAN_FIELDS);
      }
      const at = g * SPAN_FIELDS;
      let sawKeys = false;
      let sawMetric = false;
      let sawMetrics = false;
      this.expect(OPEN_OBJECT);
      if (!this.closes(CLOSE_OBJECT)) {
        do {
          const k = this.key();
          if (this.keyIs(k, K_KEYS)) {
            if (sawKeys) throw OUTSIDE;
            sawKeys = true;
            this.expect(OPEN_LIST);
            this.spans[at] = this.str();
            this.spans[at + 1] = this.e;
            this.expect(COMMA);
            this.spans[at + 2] = this.str();
            this.spans[at + 3] = this.e;
            this.expect(CLOSE_LIST);
          } else if (this.keyIs(k, K_METRICS)) {
            if (sawMetrics) throw OUTSIDE;
            sawMetrics = true;
            sawMetric = this.metrics(g, at);
          } else {
            this.skip(0);
          }
        } while (this.more(CLOSE_OBJECT));
      }
      if (!sawKeys || !sawMetric) throw OUTSIDE;
      this.groups = g + 1;
    } while (this.more(CLOSE_LIST));
  }

  /** The `Metrics` object: one metric (whichever the request asked for), with a string `Amount`. */
  private metrics(g: number, at: number): boolean {
    this.expect(OPEN_OBJECT);
    if (this.closes(CLOSE_OBJECT)) return false;
    // Each answer holds the one metric requested; another, or a second, goes to the general parser.
    const name = this.key();
    if (!this.keyIs(name, this.metric)) throw OUTSIDE;
    let sawAmount = false;
    this.spans[at + 4] = -1;
    this.spans[at + 5] = -1;
    this.expect(OPEN_OBJECT);
    if (!this.closes(CLOSE_OBJECT)) {
      do {
        const k = this.key();
        if (this.keyIs(k, K_AMOUNT)) {
          if (sawAmount) throw OUTSIDE;
          sawAmount = true;
          this.amount(g, at);
        } else if (this.keyIs(k, K_UNIT)) {
          if (this.spans[at + 4] >= 0) throw OUTSIDE;
          this.spans[at + 4] = this.str();
          this.spans[at + 5] = this.e;
        } else {
          this.skip(0);
        }
      } while (this.more(CLOSE_OBJECT));
    }
    if (this.more(CLOSE_OBJECT)) throw OUTSIDE;
    return sawAmount;
  }

  /** A string `Amount`: its units when in the plain form (the rules of `parseUnitsFast`), else `NaN`. */
  private amount(g: number, at: number): void {
    const s = this.str();
    const e = this.e;
    const b = this.b;
    this.spans[at + 6] = s;
    this.spans[at + 7] = e;
    let i = s;
    const neg = i < e && b[i] === MINUS;
    if (neg) i++;
    let whole = 0;
    const wholeStart = i;
    for (; i < e; i++) {
      const c = b[i];
      if (c < ZERO || c > NINE) break;
      whole = whole * 10 + (c - ZERO);
    }
    const wholeDigits = i - wholeStart;
    let frac = 0;
    let fracDigits = 0;
    let plain = wholeDigits > 0 && wholeDigits <= 5;
    if (plain && i < e) {
      if (b[i] !== POINT) {
        plain = false;
      } else {
        for (i++; i < e; i++) {
          const c = b[i];
          if (c < ZERO || c > NINE || ++fracDigits > AMOUNT_SCALE) {
            plain = false;
            break;
          }
          frac = frac * 10 + (c - ZERO);
        }
        if (fracDigits === 0) plain = false;
      }
    }
    if (!plain) {
      this.units[g] = NaN;
      return;
    }
    const units = whole * SCALE + frac * POW10[AMOUNT_SCALE - fracDigits];
    this.units[g] = neg && units !== 0 ? -units : units;
  }

  // --- JSON tokens -------------------------------------------------------------------------------------

  private ws(): void {
    const b = this.b;
    let i = this.i;
    while (i < this.n) {
      const c = b[i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.i = i;
  }

  private expect(c: number): void {
    if (this.b[this.i] !== c) {
      this.ws();
      if (this.i >= this.n || this.b[this.i] !== c) throw OUTSIDE;
    }
    this.i++;
  }

  /** After `{` or `[`: whether the object or list closes at once (and if so, steps past the close). */
  private closes(close: number): boolean {
    this.ws();
    if (this.i < this.n && this.b[this.i] === close) {
      this.i++;
      return true;
    }
    return false;
  }

  /** After a value: `true` past a comma (another member follows), `false` past the close. */
  private more(close: number): boolean {
    let c = this.b[this.i];
    if (c !== COMMA && c !== close) {
      this.ws();
      if (this.i >= this.n) throw OUTSIDE;
      c = this.b[this.i];
    }
    this.i++;
    if (c === COMMA) return true;
    if (c === close) return false;
    throw OUTSIDE;
  }

  /** A string without escapes: returns its first byte's offset; {@link e} is set to its end (the quote). */
  private str(): number {
    if (this.b[this.i] !== QUOTE) {
      this.ws();
      if (this.i >= this.n || this.b[this.i] !== QUOTE) throw OUTSIDE;
    }
    const b = this.b;
    const n = this.n;
    const s = this.i + 1;
    let i = s;
    for (;;) {
      if (i >= n) throw OUTSIDE;
      const c = b[i];
      if (c === QUOTE) break;
      // An escape would need decoding (the general parser does it); a raw control character is not JSON.
      if (c === BACKSLASH || c < 0x20) throw OUTSIDE;
      i++;
    }
    // A longer string is no name, amount or token Cost Explorer sends, and might not decode (a string holds
    // at most 512 MiB): the general path reads or reports the page.
    if (i - s > MAX_STRING_BYTES) throw OUTSIDE;
    this.e = i;
    this.i = i + 1;
    return s;
  }

  /** A member's key and its colon: returns the key's start ({@link e} is its end). */
  private key(): number {
    const s = this.str();
    const e = this.e;
    this.expect(COLON);
    this.e = e;
    return s;
  }

  private keyIs(s: number, name: Uint8Array): boolean {
    return rangeEquals(this.b, s, this.e, name);
  }

  /** Steps past `word` (`true`, `false`, `null`) if it comes next. */
  private literal(word: Uint8Array): boolean {
    this.ws();
    const i = this.i;
    if (i + word.length > this.n) return false;
    for (let k = 0; k < word.length; k++) {
      if (this.b[i + k] !== word[k]) return false;
    }
    this.i = i + word.length;
    return true;
  }

  private text(s: number, e: number): string {
    try {
      return decodeRange(this.b, s, e);
    } catch {
      // Longer than a string can be (hundreds of megabytes): the general path reports the file.
      throw OUTSIDE;
    }
  }

  /** Steps past any JSON value, checking it. */
  private skip(depth: number): void {
    if (depth > MAX_SKIP_DEPTH) throw OUTSIDE;
    this.ws();
    if (this.i >= this.n) throw OUTSIDE;
    const c = this.b[this.i];
    if (c === QUOTE) {
      this.str();
    } else if (c === OPEN_OBJECT) {
      this.i++;
      if (this.closes(CLOSE_OBJECT)) return;
      do {
        this.key();
        this.skip(depth + 1);
      } while (this.more(CLOSE_OBJECT));
    } else if (c === OPEN_LIST) {
      this.i++;
      if (this.closes(CLOSE_LIST)) return;
      do {
        this.skip(depth + 1);
      } while (this.more(CLOSE_LIST));
    } else if (!this.literal(L_TRUE) && !this.literal(L_FALSE) && !this.literal(L_NULL)) {
      this.number();
    }
  }

  /** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, as JSON has it. */
  private number(): void {
    const b = this.b;
    const n = this.n;
    let i = this.i;
    if (i < n && b[i] === MINUS) i++;
    if (i < n && b[i] === ZERO) {
      i++;
    } else {
      const from = i;
      while (i < n && b[i] >= ZERO && b[i] <= NINE) i++;
      if (i === from) throw OUTSIDE;
    }
    if (i < n && b[i] === POINT) {
      const from = ++i;
      while (i < n && b[i] >= ZERO && b[i] <= NINE) i++;
      if (i === from) throw OUTSIDE;
    }
    if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i < n && (b[i] === PLUS || b[i] === MINUS)) i++;
      const from = i;
      while (i < n && b[i] >= ZERO && b[i] <= NINE) i++;
      if (i === from) throw OUTSIDE;
    }
    this.i = i;
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, length: number): T {
  const bigger = new (a.constructor as new (n: number) => T)(length);
  bigger.set(a);
  return bigger;
}
