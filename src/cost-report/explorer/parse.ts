import type { GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import { parseAmount } from '../amount';
import { isDay } from '../dates';
import { CostReportError } from '../errors';
import { UNTAGGED, type CostRow } from '../model';

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
}

/**
 * Turns `GetCostAndUsage` pages into {@link CostRow}s one page at a time and keeps only the rows: the raw page
 * can be collected as soon as {@link addPage} returns, so memory is one page plus the rows.
 *
 * Tag values come back as `team$fraud`; `team$` is spend without the tag and becomes the {@link UNTAGGED} row.
 * Days marked `Estimated` give provisional rows. Rows in a second currency are an error, never summed.
 */
export class CostRowCollector {
  /** Every row so far, in the order Cost Explorer returned them. */
  public readonly rows: CostRow[] = [];
  private currencyUnit?: string;
  private currencyWhere?: string;
  private readonly prefix: string;
  // One string per distinct day, team and service: a million rows share a few hundred strings.
  private readonly strings = new Map<string, string>();

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
  public addPage(page: CostAndUsagePage, origin: PageOrigin): number {
    const where = `page ${origin.page} of ${origin.windowStart}..${origin.windowEnd}`;
    if (!page || typeof page !== 'object' || !Array.isArray(page.ResultsByTime)) {
      throw malformed(`${where} has no ResultsByTime list`);
    }
    const [tagIndex, serviceIndex] = this.keyIndexes(page, where);
    let added = 0;
    for (const result of page.ResultsByTime) {
      const day = result?.TimePeriod?.Start;
      if (typeof day !== 'string' || !isDay(day)) {
        throw malformed(`${where} has a result whose TimePeriod.Start is ${JSON.stringify(day)}; expected a YYYY-MM-DD day`);
      }
      if (day < origin.windowStart || day >= origin.windowEnd) {
        throw malformed(`${where} has a result for ${day}, outside the requested window`);
      }
      const estimated = result.Estimated === true;
      for (const group of result.Groups ?? []) {
        const keys = group?.Keys;
        if (!Array.isArray(keys) || keys.length !== 2) {
          throw malformed(`${where}, ${day}: a group has keys ${JSON.stringify(keys)}; expected [${this.prefix}<value>, <service>]`);
        }
        const tag = keys[tagIndex];
        if (typeof tag !== 'string' || !tag.startsWith(this.prefix)) {
          throw malformed(`${where}, ${day}: group key ${JSON.stringify(tag)} does not start with "${this.prefix}"; was the request grouped by tag "${this.tagKey}"?`);
        }
        const metric = group.Metrics?.[this.metric];
        if (!metric || typeof metric.Amount !== 'string') {
          throw malformed(`${where}, ${day}, ${JSON.stringify(keys)}: no ${this.metric} amount; was the request made with another metric?`);
        }
        let amount;
        try {
          amount = parseAmount(metric.Amount);
        } catch {
          throw malformed(`${where}, ${day}, ${JSON.stringify(keys)}: ${this.metric} amount ${JSON.stringify(metric.Amount)} is not a decimal number`);
        }
        const team = tag.length === this.prefix.length ? UNTAGGED : tag.slice(this.prefix.length);
        const service = String(keys[serviceIndex]);
        if (amount.units !== 0n) {
          this.checkCurrency(metric.Unit, `${day}, ${team}, ${service}`);
        }
        this.rows.push({ day: this.intern(day), team: this.intern(team), service: this.intern(service), amount, estimated });
        added++;
      }
    }
    return added;
  }

  private keyIndexes(page: CostAndUsagePage, where: string): [number, number] {
    const defs = page.GroupDefinitions;
    if (!defs || defs.length === 0) {
      return [0, 1];
    }
    const tagIndex = defs.findIndex(d => d.Type === 'TAG');
    const serviceIndex = defs.findIndex(d => d.Type === 'DIMENSION' && d.Key === 'SERVICE');
    if (defs.length !== 2 || tagIndex < 0 || serviceIndex < 0) {
      throw malformed(`${where} is grouped by ${JSON.stringify(defs)}; expected a TAG and the SERVICE dimension`);
    }
    return [tagIndex, serviceIndex];
  }

  private checkCurrency(unit: string | undefined, where: string): void {
    if (!unit) {
      throw malformed(`${where}: a non-zero amount has no currency unit`);
    }
    if (this.currencyUnit === undefined) {
      this.currencyUnit = unit;
      this.currencyWhere = where;
    } else if (unit !== this.currencyUnit) {
      throw new CostReportError('mixed-currencies',
        `amounts are in more than one currency: ${this.currencyUnit} (first at ${this.currencyWhere}) and ${unit} (at ${where}); ` +
        'a sum across currencies would be meaningless. Report each currency\'s accounts separately (e.g. per payer account).');
    }
  }

  private intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) {
      return known;
    }
    this.strings.set(s, s);
    return s;
  }
}

function malformed(detail: string): CostReportError {
  return new CostReportError('malformed-response', `Cost Explorer returned a malformed answer: ${detail}`);
}
