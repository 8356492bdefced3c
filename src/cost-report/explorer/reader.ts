import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { CostExplorerClient, GetCostAndUsageCommand, type GetCostAndUsageCommandInput } from '@aws-sdk/client-cost-explorer';
import { TagSchema } from '../../tags';
import { addDays, dayOf, isDay, monthWindows, parseDay, type DayWindow } from '../dates';
import { CostReportError } from '../errors';
import type { CostDataset } from '../model';
import type { CostRows } from '../rows';
import { explainCostExplorerError } from './errors';
import { CostRowCollector, checkPageShape, type CostAndUsagePage } from './parse';
import { COST_METRICS, DEFAULT_COST_METRIC, costAndUsageRequest } from './request';
import { PageScanner, type ScannedPage } from './scan';
import { RateLimiter, backoffMs, isRetryable, realSleep, type Sleep } from './throttle';

/** Where a window's pages came from. */
export type PageSourceKind = 'aws' | 'cache' | 'replay';

/**
 * Progress while pages are read, for a progress line on stderr.
 */
export interface ReadProgress {
  /** 1-based index of the window being read. */
  readonly window: number;
  readonly windows: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  /** 1-based page within the window. */
  readonly page: number;
  readonly source: PageSourceKind;
  /** Rows parsed so far, all windows. */
  readonly rows: number;
  /** Requests sent to Cost Explorer so far (each billed USD 0.01). */
  readonly requests: number;
}

/**
 * Counters of one read.
 */
export interface ReadStats {
  /** Requests sent to Cost Explorer, retries included: each is billed USD 0.01. */
  readonly requests: number;
  /** Requests that were throttled and retried. */
  readonly retries: number;
  /** Pages parsed, from any source. */
  readonly pages: number;
  /** Windows served from the local cache (nothing billed). */
  readonly cachedWindows: number;
  /** Windows read from a recording. */
  readonly replayedWindows: number;
  readonly windows: number;
}

/**
 * Options of {@link readCostExplorer}.
 */
export interface ReadCostExplorerOptions {
  /** First day, inclusive, `YYYY-MM-DD`. */
  readonly start: string;
  /** Last day, exclusive, `YYYY-MM-DD`. */
  readonly end: string;
  /**
   * Tag key to group by.
   *
   * @default TagSchema.DEFAULT.teamKey ('team')
   */
  readonly tagKey?: string;
  /**
   * Cost Explorer metric, one of {@link COST_METRICS}.
   *
   * @default 'NetAmortizedCost'
   * @see https://docs.aws.amazon.com/cost-management/latest/userguide/ce-advanced.html#ce-cost-metrics
   */
  readonly metric?: string;
  /**
   * The client to call.
   *
   * @default - a client in us-east-1 (Cost Explorer's endpoint) with the default credential chain and the SDK's
   * own retries off (this reader retries, counting every request)
   */
  readonly client?: CostExplorerClient;
  /**
   * Endpoint URL for the default client (a local test server).
   *
   * @default - the AWS endpoint
   */
  readonly endpoint?: string;
  /**
   * Directory of the local cache of closed months. Windows whose days are all final (not `Estimated`) and
   * older than {@link settleDays} are stored there and never requested again.
   *
   * @default - no cache
   */
  readonly cacheDir?: string;
  /**
   * Separates cache entries of different AWS accounts: pass the account ID of the credentials
   * ({@link readCallerAccount}). A profile name is not enough: one profile can switch roles or accounts, and
   * credentials from environment variables have no profile name.
   *
   * @default 'default'
   */
  readonly cacheScope?: string;
  /**
   * Days after which a non-estimated day is treated as closed (Cost Explorer restates recent days as late
   * usage arrives).
   *
   * @default 3
   */
  readonly settleDays?: number;
  /**
   * Save every raw response here (one JSON file per page) for {@link replayDir}.
   *
   * @default - not recorded
   */
  readonly recordDir?: string;
  /**
   * Read responses saved by {@link recordDir} instead of calling AWS (offline, nothing billed).
   *
   * @default - call AWS
   */
  readonly replayDir?: string;
  /**
   * Client-side rate limit, requests per second.
   *
   * @default 5
   */
  readonly ratePerSecond?: number;
  /**
   * Attempts per request when throttled (the first included).
   *
   * @default 8
   */
  readonly maxAttempts?: number;
  /**
   * First backoff ceiling; doubles per attempt, full jitter, capped at 20 s.
   *
   * @default 500
   */
  readonly baseDelayMs?: number;
  /** Called after each page. @default - no progress */
  readonly onProgress?: (progress: ReadProgress) => void;
  /** How to wait (tests). @default - setTimeout */
  readonly sleep?: Sleep;
  /** Jitter source (tests). @default Math.random */
  readonly random?: () => number;
  /** The current time (tests and cache decisions). @default - the clock */
  readonly now?: () => Date;
}

/** Result of {@link readCostExplorer}. */
export interface ReadResult {
  /** The rows read, in the compact store. */
  readonly dataset: CostDataset & { readonly rows: CostRows };
  readonly stats: ReadStats;
}

const MANIFEST = 'manifest.json';
const RECORDING_FORMAT = 'mlops-stack/cost-explorer-recording@1';

/**
 * Read per-team, per-service daily costs from Cost Explorer (`GetCostAndUsage`).
 *
 * The range is split into calendar-month windows; each window is paged on `NextPageToken` (the SDK has no
 * paginator for this call) and parsed page by page, so memory holds one page plus the rows. Closed months come
 * from the cache when one is set; throttling is retried with jittered backoff behind a client-side rate limit;
 * AWS errors become {@link CostReportError}s that say what to do.
 *
 * @see https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
 */
export async function readCostExplorer(options: ReadCostExplorerOptions): Promise<ReadResult> {
  const start = parseDay('start', options.start);
  const end = parseDay('end', options.end);
  if (start >= end) {
    throw new CostReportError('bad-option', `start (${start}) must be before end (${end}); end is exclusive, so one day is --start 2026-01-01 --end 2026-01-02`);
  }
  const tagKey = options.tagKey ?? TagSchema.DEFAULT.teamKey;
  if (tagKey.length === 0 || tagKey.includes('$')) {
    throw new CostReportError('bad-option', `tagKey ("${tagKey}") must be a non-empty tag key without "$"`);
  }
  const metric = options.metric ?? DEFAULT_COST_METRIC;
  if (!(COST_METRICS as readonly string[]).includes(metric)) {
    throw new CostReportError('bad-option', `metric ("${metric}") must be one of ${COST_METRICS.join(', ')}`);
  }
  if (options.recordDir && options.replayDir) {
    throw new CostReportError('bad-option', 'recordDir and replayDir cannot be used together: replaying sends no request to record');
  }
  const settleDays = options.settleDays ?? 3;
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? realSleep;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const limiter = new RateLimiter(options.ratePerSecond ?? 5, Math.max(1, Math.floor(options.ratePerSecond ?? 5)), sleep);
  const client = options.replayDir ? undefined : options.client ?? new CostExplorerClient({
    region: 'us-east-1',
    maxAttempts: 1,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });

  const windows = monthWindows(start, end);
  const collector = new CostRowCollector(tagKey, metric);
  let requests = 0;
  let retries = 0;
  let pages = 0;
  let cachedWindows = 0;
  let replayedWindows = 0;

  if (options.recordDir) {
    const recordDir = options.recordDir;
    await writing(`the recording directory ${recordDir}`, async () => {
      await fs.mkdir(recordDir, { recursive: true });
      await clearRecordedPages(recordDir);
      await fs.writeFile(path.join(recordDir, MANIFEST), JSON.stringify({ format: RECORDING_FORMAT, start, end, tagKey, metric }, null, 2) + '\n');
    });
  }
  if (options.replayDir) {
    await checkManifest(options.replayDir, { start, end, tagKey, metric });
  }

  const send = async (input: GetCostAndUsageCommandInput, window: DayWindow, page: number): Promise<CostAndUsagePage> => {
    for (let attempt = 1; ; attempt++) {
      await limiter.take();
      requests++;
      try {
        return await client!.send(new GetCostAndUsageCommand(input));
      } catch (err) {
        if (isRetryable(err) && attempt < maxAttempts) {
          retries++;
          await sleep(backoffMs(attempt - 1, baseDelayMs, 20_000, options.random));
          continue;
        }
        throw explainCostExplorerError(err, { windowStart: window.start, windowEnd: window.end, page, attempts: attempt });
      }
    }
  };

  let scanner: PageScanner | undefined;
  for (const [i, window] of windows.entries()) {
    const cacheFile = options.cacheDir && !options.replayDir
      ? path.join(options.cacheDir, `${cacheKey(window, tagKey, metric, options.endpoint, options.cacheScope ?? 'default')}.ndjson`)
      : undefined;
    let source: AsyncIterable<SourcedPage>;
    let kind: PageSourceKind;
    if (options.replayDir) {
      source = replayPages(options.replayDir, window, scanner ??= new PageScanner(metric));
      kind = 'replay';
      replayedWindows++;
    } else if (cacheFile && await exists(cacheFile)) {
      source = ndjsonPages(cacheFile);
      kind = 'cache';
      cachedWindows++;
    } else {
      source = livePages(window, tagKey, metric, send);
      kind = 'aws';
    }

    const closed = window.end <= addDays(dayOf(now()), -settleDays);
    const cacheWriter = kind === 'aws' && cacheFile && closed
      ? await writing(`the cache directory ${path.dirname(cacheFile)} (run with --no-cache to skip it)`, () => NdjsonWriter.open(cacheFile))
      : undefined;
    let anyEstimated = false;
    let page = 0;
    const progress = (n: number) => options.onProgress?.({
      window: i + 1,
      windows: windows.length,
      windowStart: window.start,
      windowEnd: window.end,
      page: n,
      source: kind,
      rows: collector.rows.length,
      requests,
    });
    try {
      for await (const sourced of source) {
        page++;
        const origin = { windowStart: window.start, windowEnd: window.end, page, source: sourced.source, fix: FIXES[kind] };
        if (sourced.scanned) {
          // Only a replay reads pages from their bytes; it records nothing and writes no cache.
          collector._addScanned(sourced.scanned, origin);
          pages++;
          progress(page);
          continue;
        }
        const raw = checkPageShape(sourced.page, origin);
        if (options.recordDir) {
          const recordDir = options.recordDir;
          await writing(`the recording directory ${recordDir}`, () => writeRecordedPage(recordDir, window, page, raw));
        }
        collector.addPage(raw, origin);
        anyEstimated ||= raw.ResultsByTime!.some(r => r?.Estimated === true);
        if (cacheWriter) {
          await writing(`the cache file ${cacheFile} (run with --no-cache to skip the cache)`, () => cacheWriter.write(raw));
        }
        pages++;
        progress(page);
      }
    } catch (err) {
      await cacheWriter?.discard();
      throw err;
    }
    if (cacheWriter) {
      // A day still marked Estimated will change: never let it be served from the cache.
      await writing(`the cache file ${cacheFile} (run with --no-cache to skip the cache)`, () => (anyEstimated ? cacheWriter.discard() : cacheWriter.commit()));
    }
  }

  return {
    dataset: {
      query: { start, end, tagKey, metric },
      currency: collector.currency ?? 'USD',
      rows: collector.rows,
      apiCalls: requests,
    },
    stats: { requests, retries, pages, cachedWindows, replayedWindows, windows: windows.length },
  };
}

async function* livePages(
  window: DayWindow, tagKey: string, metric: string,
  send: (input: GetCostAndUsageCommandInput, window: DayWindow, page: number) => Promise<CostAndUsagePage>,
): AsyncGenerator<SourcedPage> {
  let token: string | undefined;
  let page = 0;
  const seen = new Set<string>();
  do {
    page++;
    const response = await send(costAndUsageRequest(window, tagKey, metric, token), window, page);
    const source = `the GetCostAndUsage answer for ${window.start}..${window.end}, page ${page}`;
    const checked = checkPageShape(response, { windowStart: window.start, windowEnd: window.end, page, source });
    // The whole answer (DimensionValueAttributes included) is what --record saves; only the SDK's metadata goes.
    const { $metadata: _metadata, ...answer } = checked as CostAndUsagePage & { $metadata?: unknown };
    yield { page: answer, source };
    token = checked.NextPageToken || undefined;
    if (token !== undefined) {
      // A server that hands back a token it already gave would otherwise loop (and bill) forever.
      if (seen.has(token)) {
        throw new CostReportError('malformed-response', `Cost Explorer returned the same NextPageToken twice for ${window.start}..${window.end} (page ${page}); stopping instead of looping`);
      }
      seen.add(token);
    }
  } while (token !== undefined);
}

function cacheKey(window: DayWindow, tagKey: string, metric: string, endpoint: string | undefined, scope: string): string {
  const request = costAndUsageRequest(window, tagKey, metric);
  return `${window.start}_${window.end}-` + createHash('sha256').update(JSON.stringify({ v: 1, request, endpoint: endpoint ?? 'aws', scope })).digest('hex').slice(0, 16);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** How to get a good copy of a page from each source, for its errors. */
const FIXES: Record<PageSourceKind, string | undefined> = {
  aws: undefined,
  cache: 'delete the cache file or run with --no-cache, and the month is fetched again',
  replay: 'record again with --record',
};

/** Pages of a cache file, one JSON document per line, read line by line. */
async function* ndjsonPages(file: string): AsyncGenerator<SourcedPage> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  let pages = 0;
  for await (const line of lines) {
    n++;
    if (line.trim().length > 0) {
      const source = `the cache file ${file}, line ${n}`;
      pages++;
      yield { page: parseJson(line, source, 'delete the file or run with --no-cache, and it is fetched again'), source };
    }
  }
  if (pages === 0) {
    throw new CostReportError('malformed-response', `the cache file ${file} is empty: delete it or run with --no-cache, and the month is fetched again`);
  }
}

/** One page, parsed or scanned, and what it was read from, for error messages. */
type SourcedPage = {
  readonly page: CostAndUsagePage;
  readonly scanned?: undefined;
  /** The file or request the page came from. */
  readonly source: string;
} | {
  readonly page?: undefined;
  readonly scanned: ScannedPage;
  readonly source: string;
};

/** `JSON.parse`, or an error naming what was read and how it is broken. */
function parseJson(text: string, source: string, fix: string): CostAndUsagePage {
  if (text.trim().length === 0) {
    throw new CostReportError('malformed-response', `${source} is empty: ${fix}`);
  }
  try {
    return JSON.parse(text) as CostAndUsagePage;
  } catch (err) {
    throw new CostReportError('malformed-response', `${source} is not valid JSON (${(err as Error).message}; truncated?): ${fix}`);
  }
}

/**
 * Runs a file-system write; a failure (missing or read-only directory, a path under a file, a full disk)
 * becomes an `output-failed` error naming what was written and why.
 */
async function writing<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw fileError(err, `could not write ${what}`);
  }
}

/** A file-system error as a {@link CostReportError} with its reason in words. */
export function fileError(err: unknown, what: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string') {
    return err;
  }
  const reason = FILE_ERRORS[e.code] ?? e.message;
  return new CostReportError('output-failed', `${what}: ${reason} (${e.code})`);
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'the directory does not exist',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory',
  EEXIST: 'a file is in the way of a directory',
};

/** Writes a cache file under a temporary name; only a complete, final window is renamed into place. */
class NdjsonWriter {
  public static async open(file: string): Promise<NdjsonWriter> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    return new NdjsonWriter(file, tmp, await fs.open(tmp, 'w'));
  }

  private constructor(private readonly file: string, private readonly tmp: string, private readonly handle: fs.FileHandle) {}

  public async write(page: CostAndUsagePage): Promise<void> {
    await this.handle.write(JSON.stringify(page) + '\n');
  }

  public async commit(): Promise<void> {
    await this.handle.close();
    await fs.rename(this.tmp, this.file);
  }

  public async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await fs.rm(this.tmp, { force: true });
  }
}

function windowDir(dir: string, window: DayWindow): string {
  return path.join(dir, `${window.start}_${window.end}`);
}

const PAGE_FILE = /^page-\d{5}\.json$/;
const WINDOW_DIR = /^\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}$/;

/**
 * Removes the page files of an earlier recording in `dir`, before a new one is written: left in place, an
 * earlier window's pages would be read after the new last page, or (when this recording stops early) replayed
 * under the new manifest as if they were part of it. Other files are left alone.
 */
async function clearRecordedPages(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && WINDOW_DIR.test(entry.name)) {
      for (const name of await fs.readdir(path.join(dir, entry.name))) {
        if (PAGE_FILE.test(name)) await fs.rm(path.join(dir, entry.name, name));
      }
    }
  }
}

function pageFile(n: number): string {
  return `page-${String(n).padStart(5, '0')}.json`;
}

async function writeRecordedPage(dir: string, window: DayWindow, page: number, raw: CostAndUsagePage): Promise<void> {
  const wdir = windowDir(dir, window);
  await fs.mkdir(wdir, { recursive: true });
  await fs.writeFile(path.join(wdir, pageFile(page)), JSON.stringify(raw) + '\n');
}

/**
 * Replayed pages of one window: page 1, then the next page for as long as the last one had a token. Each is
 * read from its bytes by the scanner when it can be (each scanned page is used before the next is scanned),
 * else parsed.
 */
async function* replayPages(dir: string, window: DayWindow, scanner: PageScanner): AsyncGenerator<SourcedPage> {
  const fileOf = (page: number) => path.join(windowDir(dir, window), pageFile(page));
  // The next files are read while this page is parsed. A read takes several turns of the event loop (open,
  // stat, read, close), and turns come only between pages: two reads in flight keep the next page ready when
  // it is wanted. Reads past the last page are dropped unseen (their failure handled here, so it never
  // surfaces as an unhandled rejection).
  const read = (page: number) => {
    const pending = fs.readFile(fileOf(page));
    pending.catch(() => undefined);
    return pending;
  };
  const ahead = [read(1), read(2)];
  for (let page = 1; ; page++) {
    const file = fileOf(page);
    let bytes: Buffer;
    try {
      bytes = await ahead.shift()!;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new CostReportError('replay-missing', `${(fileError(err, `could not read the recorded page ${file}`) as Error).message}`);
      }
      throw new CostReportError('replay-missing',
        `the recording in ${dir} has no page ${page} for ${window.start}..${window.end} (${path.relative(dir, file)}); ` +
        'record again with --record over the same range, tag key and metric');
    }
    ahead.push(read(page + 2));
    const source = `the recorded page ${file}`;
    const scanned = scanner.scan(bytes);
    let token: string | undefined | null;
    if (scanned) {
      yield { scanned, source };
      token = scanned.nextPageToken;
    } else {
      let text: string;
      try {
        text = bytes.toString('utf8');
      } catch {
        throw new CostReportError('malformed-response', `${source} is ${bytes.length} bytes, more than a string can hold: record again with --record`);
      }
      const raw = checkPageShape(parseJson(text, source, FIXES.replay!),
        { windowStart: window.start, windowEnd: window.end, page, source, fix: FIXES.replay });
      yield { page: raw, source };
      token = raw.NextPageToken;
    }
    if (!token) {
      // A page file after the last page is from another recording (or a hand edit dropped a token): replaying
      // without it would drop its rows without a word.
      const after = await ahead[0].then(() => true, (err: NodeJS.ErrnoException) => err.code !== 'ENOENT');
      if (after) {
        throw new CostReportError('malformed-response',
          `the recording in ${dir} has ${path.relative(dir, fileOf(page + 1))} after the last page of ${window.start}..${window.end} ` +
          `(${path.relative(dir, file)} has no NextPageToken, or an empty one): either a page left from an earlier recording ` +
          '(--record used to leave them: delete it and the page files after it) or a token lost by an edit (record again with --record)');
      }
      return;
    }
  }
}

/** The query a recording was made with. */
export interface RecordingManifest {
  readonly start: string;
  readonly end: string;
  readonly tagKey: string;
  readonly metric: string;
}

/**
 * The query a `--record` directory holds, so a replay can default to it.
 */
export async function readRecordingManifest(dir: string): Promise<RecordingManifest> {
  const file = path.join(dir, MANIFEST);
  const bad = (what: string) => new CostReportError('replay-missing', `${file} ${what}`);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CostReportError('replay-missing', (fileError(err, `could not read ${file}`) as Error).message);
    }
    throw new CostReportError('replay-missing', await exists(dir)
      ? `${dir} has no ${MANIFEST}: is it a directory written by --record?`
      : `the replay directory ${dir} does not exist`);
  }
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw bad(`is not JSON: is ${dir} a directory written by --record?`);
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw bad(`is ${JSON.stringify(manifest)}, not a recording manifest: is ${dir} a directory written by --record?`);
  }
  const problems = (['start', 'end', 'tagKey', 'metric'] as const).filter(k => typeof manifest[k] !== 'string' || (manifest[k] as string).length === 0);
  if (manifest.format === RECORDING_FORMAT && problems.length > 0) {
    throw bad(`lacks ${problems.join(', ')}: record again with --record`);
  }
  if (manifest.format !== RECORDING_FORMAT) {
    throw bad(`has format ${JSON.stringify(manifest.format)}; expected "${RECORDING_FORMAT}"`);
  }
  const m = manifest as unknown as RecordingManifest;
  // The same rules as the options a recording is made with: a hand-edited manifest is a broken recording.
  const wrong = [
    ...(['start', 'end'] as const).filter(k => !isDay(m[k])).map(k => `${k} ${JSON.stringify(m[k])} is not a YYYY-MM-DD day`),
    ...(isDay(m.start) && isDay(m.end) && m.start >= m.end ? [`start ${m.start} is not before end ${m.end}`] : []),
    ...(m.tagKey.includes('$') ? [`tagKey ${JSON.stringify(m.tagKey)} contains "$"`] : []),
    ...(!(COST_METRICS as readonly string[]).includes(m.metric) ? [`metric ${JSON.stringify(m.metric)} is not one of ${COST_METRICS.join(', ')}`] : []),
  ];
  if (wrong.length > 0) {
    throw bad(`is not one --record writes: ${wrong.join('; ')}. Record again with --record`);
  }
  return m;
}

async function checkManifest(dir: string, query: RecordingManifest): Promise<void> {
  const m = await readRecordingManifest(dir);
  const problems = (['tagKey', 'metric'] as const).filter(k => m[k] !== query[k]).map(k => `${k} is "${m[k]}" in the recording, "${query[k]}" requested`);
  if (query.start !== m.start || query.end !== m.end) {
    problems.push(`the recording covers ${m.start}..${m.end}, ${query.start}..${query.end} requested (leave out --start/--end to replay the recorded range)`);
  }
  if (problems.length > 0) {
    throw new CostReportError('replay-missing', `cannot replay ${dir}: ${problems.join('; ')}. Replay with the recorded options or record again.`);
  }
}
