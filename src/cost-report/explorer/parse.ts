import type { GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import { parseAmount } from '../amount';
import { isDay } from '../dates';
import { CostReportError } from '../errors';
import { UNTAGGED, teamLabel } from '../model';
import { CostRows, parseUnitsFast } from '../rows';
import { SPAN_FIELDS, decodeRange, rangeEquals, sameBytes, type ScannedPage } from './scan';

/** The parts of a `GetCostAndUsage` answer the parser reads (an SDK output, or the same JSON replayed). */
export type CostAndUsagePage = Pick<GetCostAndUsageCommandOutput, 'ResultsByTime' | 'GroupDefinitions' | 'NextPageToken'>;

/** Where a page came from, for error messages. */
export interface PageOrigin {
  /** Window start, `YYYY-MM-DD`. */
  readonly windowStart: string;
  /** Window end, exclusive. */
  readonly windowEnd: string;
  /** 1-based page number within the window. */
  readonly page: number;
  /**
   * What was read: the recording or cache file, or the request, named in every error about the page.
   *
   * @default - the page number and window
   */
  readonly source?: string;
  /**
   * How to get a good copy, added to every error about the page (for a recording or cache file).
   *
   * @default - none
   */
  readonly fix?: string;
}

/** How an origin is named in error messages. */
export function describeOrigin(origin: PageOrigin): string {
  return origin.source ?? `page ${origin.page} of ${origin.windowStart}..${origin.windowEnd}`;
}

/**
 * Checks the outer shape of one answer before anything reads it: an object whose `ResultsByTime` is a list
 * and whose `NextPageToken`, when present, is a string. A truncated or empty file, `null` or a list where the
 * answer should be fail here, naming the file or request.
 */
export function checkPageShape(page: unknown, origin: PageOrigin): CostAndUsagePage {
  const where = describeOrigin(origin);
  if (page === null || typeof page !== 'object' || Array.isArray(page)) {
    throw malformed(`${where} is ${page === null ? 'null' : Array.isArray(page) ? 'a list' : `a ${typeof page}`}, not a GetCostAndUsage answer (an object with a ResultsByTime list)`, origin.fix);
  }
  const results = (page as CostAndUsagePage).ResultsByTime;
  if (!Array.isArray(results)) {
    throw malformed(`${where} has ${results === undefined ? 'no ResultsByTime' : `a ResultsByTime that is ${results === null ? 'null' : `a ${typeof results}`}`}; expected a list`, origin.fix);
  }
  const token = (page as CostAndUsagePage).NextPageToken;
  if (token !== undefined && token !== null && typeof token !== 'string') {
    throw malformed(`${where} has a NextPageToken that is a ${typeof token}; expected a string`, origin.fix);
  }
  return page as CostAndUsagePage;
}

/**
 * Turns `GetCostAndUsage` pages into rows one page at a time and keeps only the rows, in a compact
 * {@link CostRows} store: the raw page can be collected as soon as {@link addPage} returns, so memory is one
 * page plus about 13 bytes a row.
 *
 * Tag values come back as `team$fraud`; `team$` is spend without the tag and becomes the {@link UNTAGGED} row.
 * Days marked `Estimated` give provisional rows. Rows in a second currency are an error, never summed. The
 * same day, team and service arriving twice (a repeated page or day) is an error that names them, never a
 * silent sum; a day that continues on the next page with other groups is normal.
 */
export class CostRowCollector {
  /** Every row so far, in the order Cost Explorer returned them. */
  public readonly rows = new CostRows();
  private currencyUnit?: string;
  private currencyWhere?: string;
  private fix?: string;
  private readonly prefix: string;
  // Store team ids by the raw group key (`team$fraud`), so a known team costs one lookup and no slice per row.
  private readonly tagIds = new Map<string, number>();
  // Answers list a team's services together and in the same order for every team and day: the row's team is
  // usually the last row's, and its service the one that followed the last row's service last time. A string
  // comparison confirms the guess, which costs less than hashing each fresh string for a map lookup.
  private lastTag = '';
  private lastTeamId = -1;
  private lastServiceId = -1;
  private readonly serviceAfter: number[] = [];
  // Each service's UTF-8 bytes, to confirm the guess on a scanned page without decoding its bytes; `undefined`
  // for a name no bytes decode to (a lone surrogate from an escape), which is then compared as text.
  private readonly serviceBytes: Array<Uint8Array | undefined> = [];
  private currencyBytes: Uint8Array | undefined;
  // Keys seen in the current window, each with the index of the page (in `pageSources`) it came from; windows
  // never share a day, so both are cleared between them. Keys are small integers (no heap number per row).
  private grid = new Uint32Array(0);
  private gridTeams = 0;
  private gridServices = 0;
  private overflow = new Map<string, number>();
  private pageSources: string[] = [];
  private seenWindow = '';

  /**
   * @param tagKey the tag key the requests grouped by
   * @param metric the metric the requests asked for
   */
  constructor(private readonly tagKey: string, private readonly metric: string) {
    this.prefix = `${tagKey}$`;
  }

  /** The currency of every row, or `undefined` while no non-zero amount has been seen. */
  public get currency(): string | undefined {
    return this.currencyUnit;
  }

  /** Parse one page and keep its rows. Returns the number of rows added. */
  public addPage(raw: CostAndUsagePage, origin: PageOrigin): number {
    const page = checkPageShape(raw, origin);
    const where = describeOrigin(origin);
    const pageIndex = this.startPage(origin, where);
    const windowStartMs = Date.parse(`${origin.windowStart}T00:00:00Z`);
    const [tagIndex, serviceIndex] = this.keyIndexes(page, where);
    let added = 0;
    for (const result of page.ResultsByTime!) {
      if (result === null || typeof result !== 'object') {
        throw this.malformed(`${where} has a result that is ${JSON.stringify(result)}; expected an object`);
      }
      const day = result.TimePeriod?.Start;
      this.checkDay(day, origin, where);
      if (result.Estimated !== undefined && typeof result.Estimated !== 'boolean') {
        throw this.malformed(`${where}, ${day}: Estimated is ${JSON.stringify(result.Estimated)}; expected true or false`);
      }
      const estimated = result.Estimated === true;
      const groups = result.Groups ?? [];
      if (!Array.isArray(groups)) {
        throw this.malformed(`${where}, ${day}: Groups is ${JSON.stringify(groups)}; expected a list`);
      }
      if (groups.length === 0) {
        this.checkNothingDropped(result, where, day);
      }
      const dayOffset = Math.round((Date.parse(`${day}T00:00:00Z`) - windowStartMs) / 86_400_000);
      const dayId = this.rows.dayId(day);
      for (const group of groups) {
        const keys = group?.Keys;
        if (!Array.isArray(keys) || keys.length !== 2) {
          throw this.malformed(`${where}, ${day}: a group has keys ${JSON.stringify(keys)}; expected [${this.prefix}<value>, <service>]`);
        }
        const tag = keys[tagIndex];
        const teamId = this.teamIdOf(tag, where, day);
        const service = keys[serviceIndex];
        if (typeof service !== 'string') {
          throw this.malformed(`${where}, ${day}: service key ${JSON.stringify(service)} is not a string`);
        }
        const metric = group.Metrics?.[this.metric];
        if (!metric || metric.Amount === undefined) {
          throw this.malformed(`${where}, ${day}, ${JSON.stringify(keys)}: no ${this.metric} amount; was the request made with another metric?`);
        }
        const text = metric.Amount;
        if (typeof text !== 'string') {
          throw this.malformed(`${where}, ${day}, ${JSON.stringify(keys)}: ${this.metric} Amount is ${JSON.stringify(text)}, a ${text === null ? 'null' : typeof text}; Cost Explorer sends a decimal string such as "12.34"`);
        }
        if (metric.Unit !== undefined && metric.Unit !== null && typeof metric.Unit !== 'string') {
          throw this.malformed(`${where}, ${day}, ${JSON.stringify(keys)}: ${this.metric} Unit is ${JSON.stringify(metric.Unit)}; Cost Explorer sends a currency code such as "USD"`);
        }
        // The plain form Cost Explorer sends parses without a bigint; anything else (extra digits to round,
        // large values, bad text) goes through the exact parser and its error.
        const fast = parseUnitsFast(text);
        const units = fast === fast ? fast : this.exactUnits(text, where, day, () => keys);
        const serviceId = this.serviceIdOf(service);
        this.checkNew(dayOffset, teamId, serviceId, pageIndex, where, day, () => service);
        if (units !== 0 && units !== 0n && (this.currencyUnit === undefined || metric.Unit !== this.currencyUnit)) {
          this.checkCurrency(metric.Unit, `${where}, ${day}, ${teamLabel(this.rows.teams[teamId])}, ${service}`);
        }
        this.rows.appendIds(dayId, teamId, serviceId, units, estimated);
        added++;
      }
    }
    return added;
  }

  /**
   * Keep the rows of a page read by {@link PageScanner}: the same rows, checks and errors, in the same order,
   * as {@link addPage} gives for the same page parsed with `JSON.parse` (the scanner has already checked what
   * `JSON.parse` and the types would). Returns the number of rows added. Used by the replay.
   *
   * @internal
   */
  public _addScanned(page: ScannedPage, origin: PageOrigin): number {
    const where = describeOrigin(origin);
    const pageIndex = this.startPage(origin, where);
    const windowStartMs = Date.parse(`${origin.windowStart}T00:00:00Z`);
    const [tagIndex, serviceIndex] = this.keyIndexes({ GroupDefinitions: page.groupDefinitions } as CostAndUsagePage, where);
    const { bytes, spans, units: plainUnits } = page;
    const tagAt = 2 * tagIndex;
    const serviceAt = 2 * serviceIndex;
    // The previous group's tag on this page: the same bytes are the same team, without decoding them.
    let lastStart = -1;
    let lastEnd = -1;
    let g = 0;
    for (let r = 0; r < page.results; r++) {
      const day = page.days[r];
      this.checkDay(day, origin, where);
      const estimated = page.estimated[r] === 1;
      const dayOffset = Math.round((Date.parse(`${day}T00:00:00Z`) - windowStartMs) / 86_400_000);
      const dayId = this.rows.dayId(day);
      for (const end = page.groupEnds[r]; g < end; g++) {
        const at = g * SPAN_FIELDS;
        const ts = spans[at + tagAt];
        const te = spans[at + tagAt + 1];
        let teamId: number;
        if (lastStart >= 0 && this.lastTeamId >= 0 && sameBytes(bytes, ts, te, bytes, lastStart, lastEnd)) {
          teamId = this.lastTeamId;
        } else {
          teamId = this.teamIdOf(decodeRange(bytes, ts, te), where, day);
        }
        lastStart = ts;
        lastEnd = te;
        let units: number | bigint = plainUnits[g];
        if (units !== units) {
          const text = decodeRange(bytes, spans[at + 6], spans[at + 7]);
          const fast = parseUnitsFast(text);
          units = fast === fast ? fast : this.exactUnits(text, where, day,
            () => [decodeRange(bytes, spans[at], spans[at + 1]), decodeRange(bytes, spans[at + 2], spans[at + 3])]);
        }
        const ss = spans[at + serviceAt];
        const se = spans[at + serviceAt + 1];
        const serviceId = this.serviceIdOfRange(bytes, ss, se);
        this.checkNew(dayOffset, teamId, serviceId, pageIndex, where, day, () => decodeRange(bytes, ss, se));
        if (units !== 0 && units !== 0n) {
          const us = spans[at + 4];
          const known = this.currencyBytes;
          if (known === undefined || us < 0 || !rangeEquals(bytes, us, spans[at + 5], known)) {
            const unit = us < 0 ? undefined : decodeRange(bytes, us, spans[at + 5]);
            if (this.currencyUnit === undefined || unit !== this.currencyUnit) {
              this.checkCurrency(unit, `${where}, ${day}, ${teamLabel(this.rows.teams[teamId])}, ${decodeRange(bytes, ss, se)}`);
            }
          }
        }
        this.rows.appendIds(dayId, teamId, serviceId, units, estimated);
      }
    }
    return page.groups;
  }

  /** Starts a page: a new window clears the repeat check. Returns the page's index for {@link markSeen}. */
  private startPage(origin: PageOrigin, where: string): number {
    this.fix = origin.fix;
    if (this.seenWindow !== origin.windowStart) {
      this.grid.fill(0);
      this.overflow = new Map();
      this.pageSources = [];
      this.seenWindow = origin.windowStart;
    }
    return this.pageSources.push(where) - 1;
  }

  private checkDay(day: unknown, origin: PageOrigin, where: string): asserts day is string {
    if (typeof day !== 'string' || !isDay(day)) {
      throw this.malformed(`${where} has a result whose TimePeriod.Start is ${JSON.stringify(day)}; expected a YYYY-MM-DD day`);
    }
    if (day < origin.windowStart || day >= origin.windowEnd) {
      throw this.malformed(`${where} has a result for ${day}, outside the requested window`);
    }
  }

  /** The team of a group key (`team$fraud`), added when new; usually the last row's, which is checked first. */
  private teamIdOf(tag: unknown, where: string, day: string): number {
    if (tag === this.lastTag && this.lastTeamId >= 0) {
      return this.lastTeamId;
    }
    let teamId = typeof tag === 'string' ? this.tagIds.get(tag) : undefined;
    if (teamId === undefined) {
      if (typeof tag !== 'string' || !tag.startsWith(this.prefix)) {
        throw this.malformed(`${where}, ${day}: group key ${JSON.stringify(tag)} does not start with "${this.prefix}"; was the request grouped by tag "${this.tagKey}"?`);
      }
      teamId = this.rows.teamId(tag.length === this.prefix.length ? UNTAGGED : tag.slice(this.prefix.length));
      this.tagIds.set(tag, teamId);
    }
    this.lastTag = tag as string;
    this.lastTeamId = teamId;
    return teamId;
  }

  /**
   * A day without groups is a day without spend: a `Total` that is not zero would be spend no row holds
   * (dropped from every team and from untagged), so it is an error. (Grouped answers carry `"Total": {}`.)
   */
  private checkNothingDropped(result: NonNullable<CostAndUsagePage['ResultsByTime']>[number], where: string, day: string): void {
    const total = result.Total?.[this.metric]?.Amount as unknown;
    const zero = total === undefined || total === null || (typeof total === 'string' && total.trim() !== '' && Number(total) === 0);
    if (!zero) {
      const groups = result.Groups === undefined ? 'has no Groups' : result.Groups === null ? 'has Groups null' : 'has no groups';
      throw this.malformed(`${where}, ${day} ${groups} but a Total ${this.metric} of ${JSON.stringify(total)}: ` +
        'that spend would be in no row; expected the day\'s groups');
    }
  }

  /** Units of an amount outside the plain form; spaces around it are not a decimal string either. */
  private exactUnits(text: string, where: string, day: string, keys: () => unknown[]): bigint {
    if (text.trim() === text) {
      try {
        return parseAmount(text).units;
      } catch {
        // reported below
      }
    }
    throw this.malformed(`${where}, ${day}, ${JSON.stringify(keys())}: ${this.metric} Amount ${JSON.stringify(text)} is not a decimal string such as "12.34"`);
  }

  /** Marks a day, team and service as read; a repeat is an error naming both pages. */
  private checkNew(dayOffset: number, teamId: number, serviceId: number, pageIndex: number, where: string, day: string, service: () => string): void {
    const first = this.markSeen(dayOffset, teamId, serviceId, pageIndex);
    if (first !== undefined) {
      const team = this.rows.teams[teamId];
      throw new CostReportError('duplicate-row',
        `${where} repeats ${day}, team ${JSON.stringify(teamLabel(team))}, service ${JSON.stringify(service())}, already read from ${this.pageSources[first]}: ` +
        'a repeated page or day, which would be counted twice. Record or fetch the window again (for a cache file, delete it or run with --no-cache).');
    }
  }

  /**
   * Records that a day, team and service was read on a page of the current window; returns the page it was
   * first read on if it was already. A dense grid (window days × teams × services) of page numbers keeps this
   * to a few hundred kilobytes for the usual few hundred teams; beyond a few million cells a map takes over.
   */
  private markSeen(day: number, team: number, service: number, page: number): number | undefined {
    if (team >= this.gridTeams || service >= this.gridServices) {
      const teams = Math.max(64, 2 ** Math.ceil(Math.log2(team + 1)), this.gridTeams);
      const services = Math.max(16, 2 ** Math.ceil(Math.log2(service + 1)), this.gridServices);
      if (WINDOW_DAYS * teams * services <= MAX_GRID_CELLS) {
        const grid = new Uint32Array(WINDOW_DAYS * teams * services);
        for (let d = 0; d < WINDOW_DAYS; d++) {
          for (let t = 0; t < this.gridTeams; t++) {
            const from = (d * this.gridTeams + t) * this.gridServices;
            grid.set(this.grid.subarray(from, from + this.gridServices), (d * teams + t) * services);
          }
        }
        this.grid = grid;
        this.gridTeams = teams;
        this.gridServices = services;
      }
    }
    if (team < this.gridTeams && service < this.gridServices && day < WINDOW_DAYS) {
      const i = (day * this.gridTeams + team) * this.gridServices + service;
      const seen = this.grid[i];
      if (seen !== 0) {
        return seen - 1;
      }
      this.grid[i] = page + 1;
      return undefined;
    }
    const key = `${day},${team},${service}`;
    const seen = this.overflow.get(key);
    if (seen === undefined) {
      this.overflow.set(key, page);
    }
    return seen;
  }

  private serviceIdOf(service: string): number {
    const last = this.lastServiceId;
    const guess = last >= 0 ? this.serviceAfter[last] : undefined;
    let id: number;
    if (guess !== undefined && this.rows.services[guess] === service) {
      id = guess;
    } else {
      id = this.rows.serviceId(service);
      this.serviceBytes[id] ??= bytesOf(service);
      if (last >= 0) this.serviceAfter[last] = id;
    }
    this.lastServiceId = id;
    return id;
  }

  /** {@link serviceIdOf} for a service's bytes: the guess is confirmed on the bytes, decoded only when it fails. */
  private serviceIdOfRange(bytes: Uint8Array, start: number, end: number): number {
    const last = this.lastServiceId;
    const guess = last >= 0 ? this.serviceAfter[last] : undefined;
    const known = guess === undefined ? undefined : this.serviceBytes[guess];
    if (guess !== undefined && known !== undefined && rangeEquals(bytes, start, end, known)) {
      this.lastServiceId = guess;
      return guess;
    }
    return this.serviceIdOf(decodeRange(bytes, start, end));
  }

  private keyIndexes(page: CostAndUsagePage, where: string): [number, number] {
    const defs = page.GroupDefinitions;
    if (defs === undefined || defs === null || (Array.isArray(defs) && defs.length === 0)) {
      return [0, 1];
    }
    if (!Array.isArray(defs)) {
      throw this.malformed(`${where} has GroupDefinitions ${JSON.stringify(defs)}; expected a list`);
    }
    const tagIndex = defs.findIndex(d => d?.Type === 'TAG');
    const serviceIndex = defs.findIndex(d => d?.Type === 'DIMENSION' && d?.Key === 'SERVICE');
    if (defs.length !== 2 || tagIndex < 0 || serviceIndex < 0) {
      throw this.malformed(`${where} is grouped by ${JSON.stringify(defs)}; expected a TAG and the SERVICE dimension`);
    }
    return [tagIndex, serviceIndex];
  }

  private malformed(detail: string): CostReportError {
    return malformed(detail, this.fix);
  }

  private checkCurrency(unit: string | undefined, where: string): void {
    if (!unit) {
      throw this.malformed(`${where}: a non-zero amount has no currency unit`);
    }
    if (this.currencyUnit === undefined) {
      this.currencyUnit = unit;
      this.currencyBytes = bytesOf(unit);
      this.currencyWhere = where;
    } else if (unit !== this.currencyUnit) {
      throw new CostReportError('mixed-currencies',
        `amounts are in more than one currency: ${this.currencyUnit} (first at ${this.currencyWhere}) and ${unit} (at ${where}); ` +
        'a sum across currencies would be meaningless. Report each currency\'s accounts separately (e.g. per payer account).');
    }
  }
}

/** Days of a monthly window, at most. */
const WINDOW_DAYS = 31;
/** Cells of the duplicate check's grid before it falls back to a map (16 MB of page numbers). */
const MAX_GRID_CELLS = 4 * 1024 * 1024;

const encoder = new TextEncoder();

/**
 * The UTF-8 bytes that decode to `text`, or `undefined` when none do: a non-string, or a string with a lone
 * surrogate (which encodes as U+FFFD's bytes, so those bytes would wrongly match a real U+FFFD).
 */
function bytesOf(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = encoder.encode(text);
  return decodeRange(bytes, 0, bytes.length) === text ? bytes : undefined;
}

function malformed(detail: string, fix?: string): CostReportError {
  return new CostReportError('malformed-response', `malformed Cost Explorer data: ${detail}${fix ? `; ${fix}` : ''}`);
}
