import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CostExplorerClient, GetCostAndUsageCommand, type Expression, type GetCostAndUsageCommandInput } from '@aws-sdk/client-cost-explorer';
import { parseAmount } from '../amount';
import { addDays, daysInRange } from '../dates';
import { CostReportError } from '../errors';
import { UNTAGGED, type Anomaly, type RootCause } from '../model';
import { explainCostExplorerError } from './errors';
import { checkPageShape, type CostAndUsagePage } from './parse';
import { RateLimiter, backoffMs, isRetryable, realSleep, type Sleep } from './throttle';

/** Weeks before an anomaly whose same weekdays give each usage type's expected spend. */
const BASELINE_WEEKS = 4;

/** Root causes named per anomaly. */
const MAX_CAUSES = 3;

/**
 * Options of {@link findRootCauses}.
 */
export interface RootCauseOptions {
  /** Tag key the report grouped by. */
  readonly tagKey: string;
  /** Cost Explorer metric of the report. */
  readonly metric: string;
  /**
   * Anomalies drilled into, largest impact first; the others are left without root causes.
   *
   * @default 10
   */
  readonly maxAnomalies?: number;
  /** The client to call. @default - a client in us-east-1 with the SDK's retries off */
  readonly client?: CostExplorerClient;
  /** Endpoint URL for the default client. @default - the AWS endpoint */
  readonly endpoint?: string;
  /** Save every answer here (under `root-causes/`), next to a `--record` recording. @default - not saved */
  readonly recordDir?: string;
  /** Read the answers saved by {@link recordDir} instead of calling AWS. @default - call AWS */
  readonly replayDir?: string;
  /** Requests per second. @default 5 */
  readonly ratePerSecond?: number;
  /** Attempts per request when throttled. @default 8 */
  readonly maxAttempts?: number;
  /** How to wait (tests). @default - setTimeout */
  readonly sleep?: Sleep;
}

/** Anomalies with their root causes, and the requests that took. */
export interface RootCauseResult {
  readonly anomalies: Anomaly[];
  /** Requests sent to Cost Explorer (each billed USD 0.01); 0 when replayed. */
  readonly requests: number;
}

/**
 * Name the usage types, regions and linked accounts behind each anomaly's excess, with a few targeted
 * `GetCostAndUsage` requests per anomaly: filtered by the anomaly's team tag (`ABSENT` for the untagged row),
 * over its days and the 4 weeks before, DAILY, once grouped by `USAGE_TYPE` and `REGION` and once by
 * `LINKED_ACCOUNT`. Each key's excess is its spend on the anomaly's days minus the median of the same weekday
 * over the 4 weeks before; the largest are named (at most 3), and the account carrying most of the excess is
 * attached to the largest usage type.
 *
 * @see https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
 */
export async function findRootCauses(anomalies: readonly Anomaly[], options: RootCauseOptions): Promise<RootCauseResult> {
  const sleep = options.sleep ?? realSleep;
  const rate = options.ratePerSecond ?? 5;
  const limiter = new RateLimiter(rate, Math.max(1, Math.floor(rate)), sleep);
  const maxAttempts = options.maxAttempts ?? 8;
  const client = options.replayDir ? undefined : options.client ?? new CostExplorerClient({
    region: 'us-east-1', maxAttempts: 1, ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  let requests = 0;

  const pages = async (input: GetCostAndUsageCommandInput): Promise<CostAndUsagePage[]> => {
    const key = createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 16);
    const window = { windowStart: input.TimePeriod!.Start!, windowEnd: input.TimePeriod!.End! };
    const out: CostAndUsagePage[] = [];
    let token: string | undefined;
    for (let page = 1; ; page++) {
      let answer: CostAndUsagePage;
      const file = (dir: string) => path.join(dir, 'root-causes', key, `page-${String(page).padStart(5, '0')}.json`);
      if (options.replayDir) {
        let text: string;
        try {
          text = await fs.readFile(file(options.replayDir), 'utf8');
        } catch {
          throw new CostReportError('replay-missing',
            `the recording in ${options.replayDir} has no root-cause answer ${path.relative(options.replayDir, file(options.replayDir))}: ` +
            'record again with --record --root-causes, or replay without --root-causes');
        }
        answer = parsePage(text, file(options.replayDir));
      } else {
        const request = { ...input, ...(token ? { NextPageToken: token } : {}) };
        for (let attempt = 1; ; attempt++) {
          await limiter.take();
          requests++;
          try {
            answer = await client!.send(new GetCostAndUsageCommand(request));
            break;
          } catch (err) {
            if (isRetryable(err) && attempt < maxAttempts) {
              await sleep(backoffMs(attempt - 1, 500, 20_000));
              continue;
            }
            throw explainCostExplorerError(err, { ...window, page, attempts: attempt });
          }
        }
        const { $metadata: _m, ...rest } = (answer ?? null) as CostAndUsagePage & { $metadata?: unknown };
        answer = answer === null || answer === undefined ? answer : rest;
      }
      const source = `the root-cause answer for ${window.windowStart}..${window.windowEnd} (${input.GroupBy!.map(g => g.Key).join(', ')}), page ${page}`;
      const checked = checkPageShape(answer, { ...window, page, source });
      if (options.recordDir) {
        const f = file(options.recordDir);
        await fs.mkdir(path.dirname(f), { recursive: true });
        await fs.writeFile(f, JSON.stringify(checked) + '\n');
      }
      out.push(checked);
      token = checked.NextPageToken || undefined;
      if (!token) {
        return out;
      }
    }
  };

  const chosen = new Set([...anomalies]
    .sort((a, b) => (a.impact.units < b.impact.units ? 1 : a.impact.units > b.impact.units ? -1 : 0))
    .slice(0, options.maxAnomalies ?? 10));
  const out: Anomaly[] = [];
  for (const a of anomalies) {
    if (!chosen.has(a)) {
      out.push(a);
      continue;
    }
    const start = addDays(a.start, -7 * BASELINE_WEEKS);
    const end = addDays(a.end, 1);
    const filter: Expression = a.team === UNTAGGED
      ? { Tags: { Key: options.tagKey, MatchOptions: ['ABSENT'] } }
      : { Tags: { Key: options.tagKey, Values: [a.team], MatchOptions: ['EQUALS'] } };
    const request = (groupBy: string[]): GetCostAndUsageCommandInput => ({
      TimePeriod: { Start: start, End: end },
      Granularity: 'DAILY',
      Metrics: [options.metric],
      Filter: filter,
      GroupBy: groupBy.map(Key => ({ Type: 'DIMENSION', Key })),
    });
    const days = daysInRange(a.start, end);
    const usage = excessByKey(await pages(request(['USAGE_TYPE', 'REGION'])), days, options.metric);
    const accounts = excessByKey(await pages(request(['LINKED_ACCOUNT'])), days, options.metric);
    const causes: RootCause[] = usage.slice(0, MAX_CAUSES)
      .map(([keys, excess]) => ({ usageType: keys[0], region: keys[1], excess: { units: excess } }));
    const totalAccountExcess = accounts.reduce((s, [, e]) => s + e, 0n);
    const [topAccount] = accounts;
    if (topAccount && causes.length > 0 && topAccount[1] * 2n >= totalAccountExcess) {
      causes[0] = { ...causes[0], account: topAccount[0][0] };
    } else if (topAccount && causes.length === 0) {
      causes.push({ account: topAccount[0][0], excess: { units: topAccount[1] } });
    }
    out.push({ ...a, rootCauses: causes });
  }
  return { anomalies: out, requests };
}

/** Each group key's excess over the given days, against the same weekday of the 4 weeks before; positive ones, largest first. */
function excessByKey(pages: readonly CostAndUsagePage[], days: readonly string[], metric: string): [string[], bigint][] {
  const byKey = new Map<string, { keys: string[]; byDay: Map<string, bigint> }>();
  for (const page of pages) {
    for (const result of page.ResultsByTime ?? []) {
      const day = result?.TimePeriod?.Start;
      for (const g of result?.Groups ?? []) {
        const amount = g?.Metrics?.[metric]?.Amount;
        if (typeof day !== 'string' || !Array.isArray(g?.Keys) || typeof amount !== 'string') {
          continue;
        }
        const id = JSON.stringify(g.Keys);
        const entry = byKey.get(id) ?? { keys: g.Keys as string[], byDay: new Map() };
        let units: bigint;
        try {
          units = parseAmount(amount).units;
        } catch {
          throw new CostReportError('malformed-response', `a root-cause answer has ${metric} Amount ${JSON.stringify(amount)} for ${day}, ${id}: not a decimal string`);
        }
        entry.byDay.set(day, (entry.byDay.get(day) ?? 0n) + units);
        byKey.set(id, entry);
      }
    }
  }
  const out: [string[], bigint][] = [];
  for (const { keys, byDay } of byKey.values()) {
    let excess = 0n;
    for (const day of days) {
      const past = Array.from({ length: BASELINE_WEEKS }, (_, k) => byDay.get(addDays(day, -7 * (k + 1))) ?? 0n)
        .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      // The median of the four same-weekday values.
      const expected = (past[1] + past[2]) / 2n;
      excess += (byDay.get(day) ?? 0n) - expected;
    }
    if (excess > 0n) {
      out.push([keys, excess]);
    }
  }
  return out.sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
}

function parsePage(text: string, file: string): CostAndUsagePage {
  try {
    return JSON.parse(text) as CostAndUsagePage;
  } catch (err) {
    throw new CostReportError('malformed-response', `the recorded root-cause answer ${file} is not valid JSON (${(err as Error).message}; truncated?): record again`);
  }
}
