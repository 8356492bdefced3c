import { CostExplorerClient, GetAnomaliesCommand, type GetAnomaliesResponse } from '@aws-sdk/client-cost-explorer';
import { addDays, parseDay } from '../dates';
import { CostReportError } from '../errors';
import { explainCostExplorerError } from './errors';
import { RateLimiter, backoffMs, isRetryable, realSleep, type Sleep } from './throttle';

/**
 * Options of {@link readAnomalyFindings}.
 */
export interface ReadAnomalyFindingsOptions {
  /** First day, inclusive, `YYYY-MM-DD`. */
  readonly start: string;
  /** Last day, exclusive, `YYYY-MM-DD` (as in the cost query). */
  readonly end: string;
  /**
   * Only this monitor's findings.
   *
   * @default - every monitor of the account
   */
  readonly monitorArn?: string;
  /**
   * The client to call.
   *
   * @default - a client in us-east-1 with the default credential chain and the SDK's retries off
   */
  readonly client?: CostExplorerClient;
  /** Endpoint URL for the default client. @default - the AWS endpoint */
  readonly endpoint?: string;
  /** Client-side rate limit, requests per second. @default 5 */
  readonly ratePerSecond?: number;
  /** Attempts per request when throttled. @default 8 */
  readonly maxAttempts?: number;
  /** First backoff ceiling in milliseconds. @default 500 */
  readonly baseDelayMs?: number;
  /** How to wait (tests). @default - setTimeout */
  readonly sleep?: Sleep;
}

/** Raw `GetAnomalies` pages and the requests they took. */
export interface AnomalyFindingPages {
  readonly pages: GetAnomaliesResponse[];
  /** Requests sent, retries included. */
  readonly requests: number;
}

/**
 * Fetch the findings of AWS Cost Anomaly Detection over a period (`GetAnomalies`), every page, with the same
 * throttling retries and rate limit as the cost reader. Needs the IAM permission `ce:GetAnomalies`.
 * Turn the pages into findings with `fromCostAnomalyDetection`.
 *
 * @see https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetAnomalies.html
 */
export async function readAnomalyFindings(options: ReadAnomalyFindingsOptions): Promise<AnomalyFindingPages> {
  const start = parseDay('start', options.start);
  const end = parseDay('end', options.end);
  if (start >= end) {
    throw new CostReportError('bad-option', `start (${start}) must be before end (${end})`);
  }
  const sleep = options.sleep ?? realSleep;
  const rate = options.ratePerSecond ?? 5;
  const limiter = new RateLimiter(rate, Math.max(1, Math.floor(rate)), sleep);
  const maxAttempts = options.maxAttempts ?? 8;
  const client = options.client ?? new CostExplorerClient({ region: 'us-east-1', maxAttempts: 1, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  // GetAnomalies' EndDate is inclusive.
  const interval = { StartDate: start, EndDate: addDays(end, -1) };
  const pages: GetAnomaliesResponse[] = [];
  const seen = new Set<string>();
  let requests = 0;
  let token: string | undefined;
  do {
    const input = {
      DateInterval: interval,
      ...(options.monitorArn ? { MonitorArn: options.monitorArn } : {}),
      ...(token ? { NextPageToken: token } : {}),
    };
    let response: GetAnomaliesResponse;
    for (let attempt = 1; ; attempt++) {
      await limiter.take();
      requests++;
      try {
        response = await client.send(new GetAnomaliesCommand(input));
        break;
      } catch (err) {
        if (isRetryable(err) && attempt < maxAttempts) {
          await sleep(backoffMs(attempt - 1, options.baseDelayMs ?? 500, 20_000));
          continue;
        }
        throw explainCostExplorerError(err, { windowStart: start, windowEnd: end, page: pages.length + 1, attempts: attempt, operation: 'GetAnomalies' });
      }
    }
    pages.push(response);
    token = response.NextPageToken || undefined;
    if (token !== undefined) {
      if (seen.has(token)) {
        throw new CostReportError('malformed-response', `GetAnomalies returned the same NextPageToken twice (page ${pages.length}); stopping instead of looping`);
      }
      seen.add(token);
    }
  } while (token !== undefined);
  return { pages, requests };
}
