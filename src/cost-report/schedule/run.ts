import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { TagSchema } from '../../tags';
import { dayOf } from '../dates';
import { CostReportError } from '../errors';
import { readCostExplorer } from '../explorer';
import { csvLines } from '../render/csv';
import { renderHtml } from '../render/html';
import { jsonChunks } from '../render/json';
import { renderMarkdown } from '../render/markdown';
import { buildReport } from '../report';
import { S3CacheMirror } from './s3-cache';
import { REPORTS_PREFIX, SCHEDULED_REPORT_ENV, checkMonths, reportWindow, type ReportWindow } from './settings';
import { fitSnsMessage, snsSubject } from './summary';

/**
 * Options of {@link runScheduledReport}.
 */
export interface ScheduledReportOptions {
  /** Bucket the reports (`reports/<run date>/`) and the cache of closed months (`cache/`) go to. */
  readonly bucket: string;
  /**
   * SNS topic the Markdown summary is published to.
   *
   * @default - not published
   */
  readonly topicArn?: string;
  /**
   * Tag key to group by.
   *
   * @default TagSchema.DEFAULT.teamKey
   */
  readonly tagKey?: string;
  /**
   * Full calendar months before the current one (the month to date is always included).
   *
   * @default 3
   */
  readonly monthsOfHistory?: number;
  /**
   * Cost Explorer metric.
   *
   * @default 'NetAmortizedCost'
   */
  readonly metric?: string;
  /**
   * Account ID that keys the cache: the function's own account, given by the construct, so no
   * `sts:GetCallerIdentity` call is made.
   *
   * @default 'default'
   */
  readonly account?: string;
  /** @default - a client with the default credential chain */
  readonly s3?: S3Client;
  /** @default - a client with the default credential chain */
  readonly sns?: SNSClient;
  /** @default - the reader's client (us-east-1, its own retries) */
  readonly costExplorer?: CostExplorerClient;
  /** The run's clock. @default - the clock */
  readonly now?: () => Date;
  /** Where the progress line goes. @default console.log */
  readonly log?: (line: string) => void;
}

/** What a run wrote and sent. */
export interface ScheduledReportResult {
  /** The run date (UTC), the folder of its reports. */
  readonly runDate: string;
  readonly window: ReportWindow;
  /** Keys of the objects written under `reports/<run date>/`. */
  readonly reports: { readonly html: string; readonly csv: string; readonly json: string; readonly markdown: string };
  /** Requests sent to Cost Explorer (each billed USD 0.01). */
  readonly costExplorerRequests: number;
  /** Months served from the cache. */
  readonly cachedMonths: number;
  /** Cache objects added this run. */
  readonly cacheUploads: readonly string[];
  readonly anomalies: number;
  /** The SNS message ID, when published. */
  readonly messageId?: string;
  /** Whether the SNS message was cut to fit. */
  readonly truncated: boolean;
}

/**
 * One run of the scheduled cost report: reads Cost Explorer over {@link reportWindow} with the cache of closed
 * months kept in the bucket, writes the HTML, CSV, JSON and Markdown reports to `reports/<run date>/` and publishes
 * the Markdown summary (cut to SNS's limit, with the S3 location of the rest).
 */
export async function runScheduledReport(options: ScheduledReportOptions): Promise<ScheduledReportResult> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((line: string) => console.log(line));
  const runDate = dayOf(now());
  const window = reportWindow(runDate, options.monthsOfHistory ?? 3);
  const s3 = options.s3 ?? new S3Client({});
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'cost-report-cache-'));
  try {
    const cache = new S3CacheMirror(s3, options.bucket, cacheDir);
    await cache.download(window);
    const { dataset, stats } = await readCostExplorer({
      start: window.start,
      end: window.end,
      tagKey: options.tagKey ?? TagSchema.DEFAULT.teamKey,
      metric: options.metric,
      client: options.costExplorer,
      cacheDir,
      cacheScope: options.account,
      now,
    });
    const cacheUploads = await cache.upload();
    const report = buildReport(dataset, { now: now() });

    const prefix = `${REPORTS_PREFIX}${runDate}/`;
    const reports = {
      html: `${prefix}cost-report.html`,
      csv: `${prefix}cost-report.csv`,
      json: `${prefix}cost-report.json`,
      markdown: `${prefix}summary.md`,
    };
    const put = (key: string, body: Buffer, contentType: string) =>
      s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body, ContentType: contentType }));
    // One format at a time: a year of 200 teams is 64 MB of CSV and 123 MB of JSON, never all held at once.
    await put(reports.html, Buffer.from(renderHtml(report), 'utf8'), 'text/html; charset=utf-8');
    await put(reports.csv, joined(csvLines(report)), 'text/csv; charset=utf-8');
    await put(reports.json, joined(jsonChunks(report)), 'application/json');
    const markdown = renderMarkdown(report);
    await put(reports.markdown, Buffer.from(markdown, 'utf8'), 'text/markdown; charset=utf-8');

    let messageId: string | undefined;
    let truncated = false;
    if (options.topicArn) {
      const fitted = fitSnsMessage(markdown, `s3://${options.bucket}/${prefix}`);
      truncated = fitted.truncated;
      const sns = options.sns ?? new SNSClient({});
      const lastDay = report.days[report.days.length - 1] ?? window.start;
      const answer = await sns.send(new PublishCommand({
        TopicArn: options.topicArn,
        Subject: snsSubject(`Cost report by ${dataset.query.tagKey}, ${window.start} to ${lastDay}`),
        Message: fitted.message,
      }));
      messageId = answer.MessageId;
    }
    const result: ScheduledReportResult = {
      runDate,
      window,
      reports,
      costExplorerRequests: stats.requests,
      cachedMonths: stats.cachedWindows,
      cacheUploads,
      anomalies: report.anomalies.length,
      messageId,
      truncated,
    };
    log(JSON.stringify({ message: 'cost report written', ...result, rows: dataset.rows.length, retries: stats.retries }));
    return result;
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/**
 * The options of a run from the environment the construct sets ({@link SCHEDULED_REPORT_ENV}).
 */
export function scheduledReportOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): ScheduledReportOptions {
  const bucket = env[SCHEDULED_REPORT_ENV.bucket];
  if (!bucket) {
    throw new CostReportError('bad-option', `${SCHEDULED_REPORT_ENV.bucket} is not set: it names the bucket the reports go to`);
  }
  const monthsText = env[SCHEDULED_REPORT_ENV.monthsOfHistory];
  const monthsOfHistory = monthsText === undefined || monthsText === '' ? undefined : Number(monthsText);
  if (monthsOfHistory !== undefined) {
    checkMonths(monthsOfHistory, SCHEDULED_REPORT_ENV.monthsOfHistory);
  }
  return {
    bucket,
    topicArn: env[SCHEDULED_REPORT_ENV.topicArn] || undefined,
    tagKey: env[SCHEDULED_REPORT_ENV.tagKey] || undefined,
    monthsOfHistory,
    metric: env[SCHEDULED_REPORT_ENV.metric] || undefined,
    account: env[SCHEDULED_REPORT_ENV.account] || undefined,
  };
}

/** Concatenates generated text in one buffer, in batches so that a million CSV lines are not a million buffers. */
function joined(chunks: Iterable<string>): Buffer {
  const parts: Buffer[] = [];
  let batch: string[] = [];
  let size = 0;
  for (const chunk of chunks) {
    batch.push(chunk);
    size += chunk.length;
    if (size >= 1_048_576) {
      parts.push(Buffer.from(batch.join(''), 'utf8'));
      batch = [];
      size = 0;
    }
  }
  parts.push(Buffer.from(batch.join(''), 'utf8'));
  return Buffer.concat(parts);
}
