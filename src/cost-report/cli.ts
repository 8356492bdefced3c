#!/usr/bin/env node
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { STSClient } from '@aws-sdk/client-sts';
import { TagSchema } from '../tags';
import { DEFAULT_ANOMALY_OPTIONS, fromCostAnomalyDetection, type AnomalyOptions } from './anomaly';
import { addDays, dayOf, parseDay } from './dates';
import { CostReportError } from './errors';
import { COST_METRICS, DEFAULT_COST_METRIC, fileError, findRootCauses, readAnomalyFindings, readCallerAccount, readCostExplorer, readRecordingManifest, type ReadProgress } from './explorer';
import { UNTAGGED, type AwsAnomalyFinding, type CostDataset, type CostReport } from './model';
import { csvLines } from './render/csv';
import { renderHtml } from './render/html';
import { jsonChunks } from './render/json';
import { renderMarkdown } from './render/markdown';
import { buildReport } from './report';
import { sampleDataset } from './synthetic';

/** Exit codes of the CLI. */
export const EXIT = {
  OK: 0,
  /** `--fail-on-anomaly` and a recent anomaly was found. */
  ANOMALY: 1,
  /** Bad command line. */
  USAGE: 2,
  /**
   * Costs could not be read: credentials, permissions, Cost Explorer errors, or a recording, cache file or answer
   * that is malformed (truncated, empty, `null`, a repeated day, team and service, an amount that is not a
   * decimal string).
   */
  READ_FAILED: 3,
  /**
   * The report, the recording (`--record`) or the cache could not be written (the report's directory missing, a
   * file in the way, no permission, disk full; the recording's and the cache's directories are created).
   */
  WRITE_FAILED: 4,
  /** An internal error: a bug, reported with its message (the stack trace with MLOPS_COST_REPORT_DEBUG=1). */
  INTERNAL: 70,
} as const;

/** Report formats. */
export const FORMATS = ['md', 'csv', 'json', 'html'] as const;

/** What the CLI talks to; tests pass their own. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { readonly isTTY?: boolean; write(chunk: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default - the clock */
  readonly now?: () => Date;
  /** @default - a client from the default credential chain */
  readonly client?: CostExplorerClient;
  /** Looks up the account ID that keys the cache. @default - a client with the Cost Explorer client's credentials */
  readonly sts?: STSClient;
  /** Passed to the reader's backoff and rate limit (tests). @default - real timers */
  readonly sleep?: (ms: number) => Promise<void>;
}

const THRESHOLD_FLAGS: Record<string, keyof AnomalyOptions> = {
  'min-score': 'minScore',
  'min-impact': 'minImpactAmount',
  'min-impact-percent': 'minImpactPercent',
  'baseline-weeks': 'baselineWeeks',
  'new-team-days': 'newTeamSuppressionDays',
  'drift-min-percent': 'driftMinPercent',
  'drift-min-impact': 'driftMinImpactAmount',
};

const USAGE = `Usage: mlops-cost-report [options]

Per-team daily spend from AWS Cost Explorer (GetCostAndUsage, grouped by the team tag and by service), with
anomaly flags. Progress goes to stderr, the report to stdout or --output.

Data
  --start YYYY-MM-DD        first day (default: 91 days before --end)
  --end YYYY-MM-DD          day after the last one, exclusive (default: today, UTC)
  --tag-key KEY             tag to group by (default: ${TagSchema.DEFAULT.teamKey}, the tag schema's team key)
  --metric NAME             ${COST_METRICS.join(' | ')} (default: ${DEFAULT_COST_METRIC})
  --sample                  use the bundled sample data set: no AWS access needed (--start and
                            --end pick days within its year, 2025-11-01 to 2026-11-01, and
                            default to its whole range; not with --metric or --tag-key)
  --record DIR              save every raw Cost Explorer response in DIR (created if missing)
  --replay DIR              read responses saved by --record (offline, nothing billed; the range,
                            tag key and metric default to the recording's)
  --cache-dir DIR           cache of closed months, per AWS account (default: .cache/cost-report,
                            created if missing)
  --no-cache                neither read nor write the cache (and skip the account lookup,
                            sts:GetCallerIdentity, that keys it)
  --rate N                  at most N requests per second (default: 5)
  --endpoint URL            Cost Explorer and STS endpoint (a local test server)

Anomalies (defaults in brackets)
  --min-score N             robust z-score a day must reach [${DEFAULT_ANOMALY_OPTIONS.minScore}]
  --min-impact N            excess over expected, currency units [${DEFAULT_ANOMALY_OPTIONS.minImpactAmount}]
  --min-impact-percent N    excess over expected, percent [${DEFAULT_ANOMALY_OPTIONS.minImpactPercent}]
  --baseline-weeks N        same-weekday values in the baseline [${DEFAULT_ANOMALY_OPTIONS.baselineWeeks}]
  --new-team-days N         days a new team is not alerted on [${DEFAULT_ANOMALY_OPTIONS.newTeamSuppressionDays}]
  --drift-min-percent N     month-to-date creep, percent [${DEFAULT_ANOMALY_OPTIONS.driftMinPercent}]
  --drift-min-impact N      month-to-date creep, currency units [${DEFAULT_ANOMALY_OPTIONS.driftMinImpactAmount}]
  --no-drift                skip the drift check
  --aws-anomalies           also fetch AWS Cost Anomaly Detection findings (GetAnomalies; needs
                            ce:GetAnomalies) and show them side by side
  --monitor-team ARN=TEAM   the team an anomaly monitor watches (repeatable), to pair its findings
  --root-causes             name the usage types, regions and accounts behind the 10 largest
                            anomalies: 2 more requests (USD 0.02) per anomaly, filtered by its team
                            and days; saved by --record, read back by --replay

Output
  --format md|csv|json|html report format (default: md)
  -o, --output FILE         write the report to FILE (default: stdout)
  --fail-on-anomaly         exit ${EXIT.ANOMALY} when an anomaly ends in the last --recent-days days
  --recent-days N           window of --fail-on-anomaly, 1 to 3650 days (default: 7)
  -q, --quiet               no progress on stderr
  --version                 print the version
  -h, --help                print this help

Exit codes
  ${EXIT.OK}   ok
  ${EXIT.ANOMALY}   an anomaly ends in the last --recent-days days (only with --fail-on-anomaly)
  ${EXIT.USAGE}   bad command line
  ${EXIT.READ_FAILED}   costs could not be read: credentials, permissions, Cost Explorer errors, or a
      recording, cache file or answer that is malformed (the message names the file or request)
  ${EXIT.WRITE_FAILED}   the report (--output), the recording (--record) or the cache could not be
      written: the report's directory missing, a file in the way, no permission, disk full
  ${EXIT.INTERNAL}  internal error (a bug; MLOPS_COST_REPORT_DEBUG=1 prints the stack trace)
`;

/**
 * Run the CLI. Returns the exit code instead of exiting, so it can be tested in process.
 *
 * @param argv arguments after the program name
 * @param io streams, environment and (for tests) the client and clock
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'start': { type: 'string' },
        'end': { type: 'string' },
        'tag-key': { type: 'string' },
        'metric': { type: 'string' },
        'sample': { type: 'boolean' },
        'record': { type: 'string' },
        'replay': { type: 'string' },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean' },
        'rate': { type: 'string' },
        'endpoint': { type: 'string' },
        'format': { type: 'string' },
        'output': { type: 'string', short: 'o' },
        'fail-on-anomaly': { type: 'boolean' },
        'recent-days': { type: 'string' },
        'no-drift': { type: 'boolean' },
        'aws-anomalies': { type: 'boolean' },
        'monitor-team': { type: 'string', multiple: true },
        'root-causes': { type: 'boolean' },
        'quiet': { type: 'boolean', short: 'q' },
        'help': { type: 'boolean', short: 'h' },
        'version': { type: 'boolean' },
        ...Object.fromEntries(Object.keys(THRESHOLD_FLAGS).map(k => [k, { type: 'string' as const }])),
      },
    }).values as Record<string, string | boolean | string[] | undefined>;
  } catch (err) {
    io.stderr.write(`mlops-cost-report: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  if (args.help) {
    io.stdout.write(USAGE);
    return EXIT.OK;
  }
  if (args.version) {
    io.stdout.write(`mlops-cost-report ${packageVersion()}\n`);
    return EXIT.OK;
  }

  try {
    const opts = parseOptions(args);
    let dataset = await loadDataset(args, opts, io);
    let awsAnomalies: AwsAnomalyFinding[] | undefined;
    if (args['aws-anomalies']) {
      const findings = await readAnomalyFindings({
        start: dataset.query.start,
        end: dataset.query.end,
        client: io.client,
        endpoint: args.endpoint as string | undefined,
        ratePerSecond: opts.rate,
        sleep: io.sleep,
      });
      try {
        awsAnomalies = fromCostAnomalyDetection(findings.pages, { monitorTeams: opts.monitorTeams });
      } catch (err) {
        throw new CostReportError('malformed-response', (err as Error).message);
      }
      dataset = { ...dataset, apiCalls: dataset.apiCalls + findings.requests };
      if (!args.quiet) {
        io.stderr.write(`Cost Anomaly Detection: ${findings.requests} request(s), USD ${(findings.requests / 100).toFixed(2)}; ${awsAnomalies.length} finding(s).\n`);
      }
    }
    let report = buildReport(dataset, { anomaly: opts.anomaly, now: io.now?.(), awsAnomalies });
    if (args['root-causes']) {
      const found = await findRootCauses(report.anomalies, {
        tagKey: dataset.query.tagKey,
        metric: dataset.query.metric,
        client: io.client,
        endpoint: args.endpoint as string | undefined,
        recordDir: args.record as string | undefined,
        replayDir: args.replay as string | undefined,
        ratePerSecond: opts.rate,
        sleep: io.sleep,
      });
      report = { ...report, anomalies: found.anomalies, apiCalls: report.apiCalls + found.requests };
      if (!args.quiet) {
        io.stderr.write(`Root causes: ${found.requests} request(s), USD ${(found.requests / 100).toFixed(2)}, for ${Math.min(report.anomalies.length, 10)} anomal${report.anomalies.length === 1 ? 'y' : 'ies'}.\n`);
      }
    }
    await writeReport(report, opts.format, args.output as string | undefined, io);
    const recent = recentAnomalies(report, opts.recentDays);
    if (!args.quiet) {
      io.stderr.write(`${report.anomalies.length} anomal${report.anomalies.length === 1 ? 'y' : 'ies'}, ${recent} ending in the last ${opts.recentDays} days.\n`);
    }
    return args['fail-on-anomaly'] && recent > 0 ? EXIT.ANOMALY : EXIT.OK;
  } catch (err) {
    if (err instanceof CostReportError) {
      io.stderr.write(`mlops-cost-report: ${err.message}\n`);
      return err.code === 'bad-option' ? EXIT.USAGE : err.code === 'output-failed' ? EXIT.WRITE_FAILED : EXIT.READ_FAILED;
    }
    if (err instanceof Error && err.name === 'MlopsStackError') {
      // Option checks of the anomaly detector.
      io.stderr.write(`mlops-cost-report: ${err.message}\n`);
      return EXIT.USAGE;
    }
    const debug = io.env.MLOPS_COST_REPORT_DEBUG;
    const detail = err instanceof Error ? (debug ? err.stack : err.message) : String(err);
    io.stderr.write(`mlops-cost-report: internal error: ${detail}\nThis is a bug; please report it with the command line` +
      `${debug ? '' : ' (MLOPS_COST_REPORT_DEBUG=1 prints the stack trace)'}.\n`);
    return EXIT.INTERNAL;
  }
}

interface ParsedOptions {
  readonly format: typeof FORMATS[number];
  readonly anomaly: Partial<AnomalyOptions>;
  readonly recentDays: number;
  readonly rate: number;
  readonly monitorTeams: Record<string, string>;
}

/** Ten years: `--recent-days` beyond any report's range (and far below what a date can hold). */
const MAX_RECENT_DAYS = 3650;

function parseOptions(args: Record<string, string | boolean | string[] | undefined>): ParsedOptions {
  const problems: string[] = [];
  const format = (args.format as string | undefined) ?? 'md';
  if (!(FORMATS as readonly string[]).includes(format)) {
    problems.push(`--format ("${format}") must be one of ${FORMATS.join(', ')}`);
  }
  const number = (flag: string, fallback: number): number => {
    const text = args[flag] as string | undefined;
    if (text === undefined) {
      return fallback;
    }
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < 0) {
      problems.push(`--${flag} ("${text}") must be a number of at least 0`);
      return fallback;
    }
    return n;
  };
  const anomaly: Record<string, number | boolean> = {};
  for (const [flag, key] of Object.entries(THRESHOLD_FLAGS)) {
    if (args[flag] !== undefined) {
      anomaly[key] = number(flag, 0);
    }
  }
  if (args['no-drift']) {
    anomaly.drift = false;
  }
  const recentText = args['recent-days'] as string | undefined;
  const recentDays = recentText === undefined ? 7 : Number(recentText);
  if (recentText !== undefined && !(recentText.trim() !== '' && Number.isInteger(recentDays) && recentDays >= 1 && recentDays <= MAX_RECENT_DAYS)) {
    problems.push(`--recent-days ("${recentText}") must be a whole number of days from 1 to ${MAX_RECENT_DAYS}`);
  }
  if (args.output === '') {
    problems.push('--output needs a file name (leave it out to print the report)');
  }
  const rate = number('rate', 5);
  if (args.rate !== undefined && rate === 0) {
    problems.push('--rate must be above 0 requests per second');
  }
  const monitorTeams: Record<string, string> = {};
  for (const pair of (args['monitor-team'] as string[] | undefined) ?? []) {
    const eq = pair.lastIndexOf('=');
    if (eq <= 0 || eq === pair.length - 1) {
      problems.push(`--monitor-team ("${pair}") must be MONITOR_ARN=TEAM`);
    } else {
      monitorTeams[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  const notSampled = ['metric', 'tag-key'].filter(k => args[k] !== undefined);
  if (args.sample && notSampled.length > 0) {
    problems.push(`--sample is a year of ${DEFAULT_COST_METRIC} by the team tag: ${notSampled.map(k => `--${k}`).join(' and ')} cannot be combined with it`);
  }
  if (args['root-causes'] && args.sample) {
    problems.push('--root-causes asks Cost Explorer about usage types the sample data does not have: it cannot be combined with --sample');
  }
  if (args['aws-anomalies'] && (args.sample || args.replay)) {
    problems.push('--aws-anomalies calls AWS: it cannot be combined with --sample or --replay');
  }
  const sources = ['sample', 'replay'].filter(k => args[k] !== undefined);
  if (sources.length > 1 || (args.sample && args.record)) {
    problems.push('use only one of --sample, --replay and --record');
  }
  if (problems.length > 0) {
    throw new CostReportError('bad-option', problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
  }
  return { format: format as ParsedOptions['format'], anomaly: anomaly as Partial<AnomalyOptions>, recentDays, rate, monitorTeams };
}

async function loadDataset(args: Record<string, string | boolean | string[] | undefined>, opts: ParsedOptions, io: CliIo): Promise<CostDataset> {
  if (args.sample) {
    return sampleSlice(args);
  }
  const replay = args.replay as string | undefined;
  const manifest = replay ? await readRecordingManifest(replay) : undefined;
  const today = dayOf(io.now?.() ?? new Date());
  const end = args.end !== undefined ? parseDay('--end', args.end as string) : manifest?.end ?? today;
  const start = args.start !== undefined ? parseDay('--start', args.start as string) : manifest?.start ?? addDays(end, -91);
  const cacheDir = args['no-cache'] || replay ? undefined : (args['cache-dir'] as string | undefined) ?? '.cache/cost-report';
  // Keyed by account, not by profile name: environment credentials and role or SSO switches under one
  // profile name would otherwise be served another account's closed months.
  const cacheScope = cacheDir === undefined ? undefined : await readCallerAccount({
    client: io.sts,
    endpoint: args.endpoint as string | undefined,
    credentials: io.client?.config.credentials,
  });
  const progress = args.quiet ? undefined : progressPrinter(io);
  const { dataset, stats } = await readCostExplorer({
    start,
    end,
    tagKey: (args['tag-key'] as string | undefined) ?? manifest?.tagKey,
    metric: (args.metric as string | undefined) ?? manifest?.metric,
    client: io.client,
    endpoint: args.endpoint as string | undefined,
    cacheDir,
    cacheScope,
    recordDir: args.record as string | undefined,
    replayDir: replay,
    ratePerSecond: opts.rate,
    onProgress: progress?.update,
    sleep: io.sleep,
    now: io.now,
  });
  progress?.done();
  if (!args.quiet) {
    io.stderr.write(`Cost Explorer: ${stats.requests} request(s), USD ${(stats.requests / 100).toFixed(2)}` +
      `; ${stats.pages} page(s) in ${stats.windows} monthly window(s)` +
      (stats.cachedWindows ? `, ${stats.cachedWindows} from the cache` : '') +
      (stats.replayedWindows ? `, ${stats.replayedWindows} replayed` : '') +
      (stats.retries ? `, ${stats.retries} throttled and retried` : '') + `; ${dataset.rows.length} rows.\n`);
  }
  if (dataset.rows.length > 0 && dataset.rows.teams.every(t => t === UNTAGGED)) {
    // Cost Explorer reports a tag only once it is activated as a cost allocation tag, and only from then on.
    io.stderr.write(`warning: all spend is untagged for tag key "${dataset.query.tagKey}". Is it activated as a cost allocation tag ` +
      '(Billing console, Cost allocation tags)? Spend before activation stays untagged.\n');
  }
  return dataset;
}

function progressPrinter(io: CliIo): { update: (p: ReadProgress) => void; done: () => void } {
  const tty = io.stderr.isTTY === true;
  let printed = false;
  return {
    update: p => {
      const line = `reading ${p.windowStart}..${p.windowEnd} (${p.window}/${p.windows}) page ${p.page} from ${p.source}: ${p.rows} rows, ${p.requests} request(s)`;
      io.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      printed = true;
    },
    done: () => {
      if (tty && printed) {
        io.stderr.write('\n');
      }
    },
  };
}

async function writeReport(report: CostReport, format: ParsedOptions['format'], output: string | undefined, io: CliIo): Promise<void> {
  const chunks: Iterable<string> =
    format === 'csv' ? csvLines(report)
      : format === 'json' ? jsonChunks(report)
        : format === 'html' ? [renderHtml(report)]
          : [renderMarkdown(report)];
  if (!output) {
    for (const c of batched(chunks)) {
      const stdout = io.stdout as { once?: (event: 'drain', listener: () => void) => unknown; write(chunk: string): unknown };
      // A million CSV lines piped to a slow reader would otherwise pile up in memory.
      if (stdout.write(c) === false && stdout.once) {
        await new Promise<void>(resolve => stdout.once!('drain', () => resolve()));
      }
    }
    return;
  }
  // Opened, written and closed with awaited calls: a missing directory, a read-only file or a full disk fails
  // the run with a message instead of leaving no file behind an exit code of 0.
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(output, 'w');
  } catch (err) {
    throw fileError(err, `could not open --output ${output}`);
  }
  try {
    for (const c of batched(chunks)) {
      await handle.write(c);
    }
    await handle.sync().catch(err => {
      // Character devices and some file systems cannot fsync; only a real write failure counts.
      if (!['EINVAL', 'ENOTSUP', 'EROFS'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    });
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw fileError(err, `could not write --output ${output}`);
  }
  try {
    await handle.close();
  } catch (err) {
    throw fileError(err, `could not write --output ${output}`);
  }
}

/** The sample data set, cut to --start/--end when given (days within the sample's year). */
function sampleSlice(args: Record<string, string | boolean | string[] | undefined>): CostDataset {
  const sample = sampleDataset();
  if (args.start === undefined && args.end === undefined) {
    return sample;
  }
  const start = args.start !== undefined ? parseDay('--start', args.start as string) : sample.query.start;
  const end = args.end !== undefined ? parseDay('--end', args.end as string) : sample.query.end;
  if (start < sample.query.start || end > sample.query.end || start >= end) {
    throw new CostReportError('bad-option', `--sample covers ${sample.query.start} to ${sample.query.end} (--end exclusive); ` +
      `--start ${start} --end ${end} must be a non-empty range within it`);
  }
  return { ...sample, query: { ...sample.query, start, end }, rows: sample.rows.filter(r => r.day >= start && r.day < end) };
}

/** The version in the package's package.json (two folders up from src/, three from lib/src/). */
function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    const file = path.join(__dirname, rel);
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mlops-stack' && pkg.version) {
        return pkg.version;
      }
    }
  }
  return 'unknown';
}

/** Joins small chunks into writes of about 64 KiB: one write per CSV line is slow. */
function* batched(chunks: Iterable<string>): Generator<string> {
  let buffer: string[] = [];
  let size = 0;
  for (const c of chunks) {
    buffer.push(c);
    size += c.length;
    if (size >= 65_536) {
      yield buffer.join('');
      buffer = [];
      size = 0;
    }
  }
  if (buffer.length > 0) {
    yield buffer.join('');
  }
}

/** Anomalies whose last day is within the last `days` days of the report. */
function recentAnomalies(report: CostReport, days: number): number {
  const lastDay = report.days[report.days.length - 1];
  if (!lastDay) {
    return 0;
  }
  const from = addDays(lastDay, -(days - 1));
  return report.anomalies.filter(a => a.end >= from).length;
}

if (require.main === module) {
  // `mlops-cost-report --format csv | head` closes the pipe early: that is not an error.
  process.stdout.on('error', err => {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
      process.exit(0);
    }
    throw err;
  });
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
    .then(code => { process.exitCode = code; })
    .catch(err => {
      // main() turns every error into a message; this only runs if writing that message failed.
      process.stderr.write(`mlops-cost-report: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.INTERNAL;
    });
}
