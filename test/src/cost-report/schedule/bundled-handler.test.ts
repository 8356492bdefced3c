import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { bundleHandler } from '../../../../constructs/cost/private/report-schedule-bundle';
import { readCostExplorer } from '../../../../src/cost-report/explorer';
import { SCHEDULED_REPORT_ENV } from '../../../../src/cost-report/schedule/settings';
import { page } from '../fixtures';

// The handler as Lambda runs it: the file esbuild produced for the asset, loaded with require, against moto's
// server on 127.0.0.1 for Cost Explorer, S3 and SNS (the SDK's AWS_ENDPOINT_URL points every client at it).
// Cost Explorer answers with the pages of a recording made by the reader's --record path.
const MOTO = path.join(__dirname, '../../../../.venv/bin/moto_server');
const ACCOUNT = '123456789012';
const BUCKET = 'cost-reports';
const NOW = new Date('2026-03-04T09:00:00Z');
let server: ChildProcess | undefined;
let endpoint: string;
let topicArn: string;
let handler: () => Promise<any>;
let recording: string;
const savedEnv = { ...process.env };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms`);
    }
    await new Promise(r => setTimeout(r, 200));
  }
}

const strip = ({ $metadata: _m, ...rest }: { $metadata: unknown }) => rest;
/** Two months and the month to date, January in two pages; March 3 is still estimated. */
const PAGES = [
  strip(page({ '2026-01-05': [['fraud', 'Amazon Elastic Compute Cloud - Compute', '120.50'], ['', 'AWS Lambda', '0.25']] }, { token: 'jan-2' })),
  strip(page({ '2026-01-06': [['search', 'Amazon Simple Storage Service', '30']] })),
  strip(page({ '2026-02-10': [['fraud', 'Amazon Elastic Compute Cloud - Compute', '99.50'], ['search', 'Amazon SageMaker', '1000']] })),
  strip(page({ '2026-03-02': [['fraud', 'Amazon Elastic Compute Cloud - Compute', '10']], '2026-03-03': [['search', 'Amazon SageMaker', '5']] }, { estimated: ['2026-03-03'] })),
];

/** Records PAGES with the reader's own --record path, then returns the recorded pages in request order. */
async function recordedPages(): Promise<object[]> {
  const queue = [...PAGES];
  await readCostExplorer({
    start: '2026-01-01',
    end: '2026-03-04',
    recordDir: recording,
    now: () => NOW,
    client: { send: async () => ({ ...queue.shift()!, $metadata: {} }) } as any,
  });
  return readdirSync(recording).filter(d => d.includes('_')).sort()
    .flatMap(d => readdirSync(path.join(recording, d)).sort().map(f => JSON.parse(readFileSync(path.join(recording, d, f), 'utf8'))));
}

beforeAll(async () => {
  if (!existsSync(MOTO)) {
    throw new Error(`${MOTO} is missing: run \`bash test/tools/python-tools.sh\` (npm test does it) to install moto`);
  }
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  server = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitForServer(endpoint, 60_000);
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpoint,
  });
  delete process.env.AWS_PROFILE;
  recording = mkdtempSync(path.join(tmpdir(), 'cost-schedule-rec-'));

  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  topicArn = (await new SNSClient({}).send(new CreateTopicCommand({ Name: 'cost-alerts' }))).TopicArn!;
  const results = await recordedPages();
  const res = await fetch(`${endpoint}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: ACCOUNT, results }),
  });
  expect(res.status).toBe(201);

  Object.assign(process.env, {
    [SCHEDULED_REPORT_ENV.bucket]: BUCKET,
    [SCHEDULED_REPORT_ENV.topicArn]: topicArn,
    [SCHEDULED_REPORT_ENV.tagKey]: 'team',
    [SCHEDULED_REPORT_ENV.monthsOfHistory]: '2',
    [SCHEDULED_REPORT_ENV.account]: ACCOUNT,
  });
  // Exactly what CostReportSchedule puts in its asset.
  handler = (await import(path.join(bundleHandler(), 'index.js'))).handler;
}, 120_000);

afterAll(() => {
  server?.kill('SIGTERM');
  process.env = savedEnv;
  rmSync(recording, { recursive: true, force: true });
});

/** Runs the handler with the clock at NOW (only Date is faked: the SDK's timers run for real). */
async function runHandler(): Promise<any> {
  jest.useFakeTimers({ now: NOW, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  try {
    return await handler();
  } finally {
    jest.useRealTimers();
  }
}

const s3 = () => new S3Client({ forcePathStyle: true });
async function text(key: string): Promise<string> {
  return (await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
}
async function keys(prefix: string): Promise<string[]> {
  return ((await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map(o => o.Key!).sort();
}
async function publishedMessages(): Promise<{ message: string; subject: string }[]> {
  const data = await (await fetch(`${endpoint}/moto-api/data.json`)).json() as any;
  const topics: any[] = Object.values(data.sns?.Topic ?? {}).flat() as any[];
  return topics.flatMap(t => (t.sent_notifications ?? []).map((n: any[]) => ({ message: n[1], subject: n[2] })));
}

describe('the bundled handler', () => {
  let first: any;
  beforeAll(async () => {
    first = await runHandler();
  }, 60_000);

  test('reads the window of two full months and the month to date, 4 requests, and caches the two closed months', async () => {
    expect(first).toMatchObject({
      runDate: '2026-03-04',
      window: { start: '2026-01-01', end: '2026-03-04' },
      costExplorerRequests: 4,
      cachedMonths: 0,
      truncated: false,
    });
    expect(first.cacheUploads).toHaveLength(2);
    expect(await keys('cache/')).toEqual([
      expect.stringMatching(/^cache\/2026-01-01_2026-02-01-[0-9a-f]{16}\.ndjson$/),
      expect.stringMatching(/^cache\/2026-02-01_2026-03-01-[0-9a-f]{16}\.ndjson$/),
    ]);
    // January's two pages, one JSON document a line.
    expect((await text(first.cacheUploads[0])).trim().split('\n')).toHaveLength(2);
  });

  test('writes HTML, CSV, JSON and the Markdown summary under reports/<run date>/', async () => {
    expect(await keys('reports/')).toEqual([
      'reports/2026-03-04/cost-report.csv', 'reports/2026-03-04/cost-report.html', 'reports/2026-03-04/cost-report.json', 'reports/2026-03-04/summary.md',
    ]);
    const json = JSON.parse(await text('reports/2026-03-04/cost-report.json'));
    expect(json.total).toEqual({ amount: '1265.25', display: '1265.25' });
    expect(json.anomalies).toHaveLength(first.anomalies);
    const csv = (await text('reports/2026-03-04/cost-report.csv')).trim().split(/\r?\n/);
    expect(csv[0]).toBe('day,team,service,amount,currency,provisional');
    expect(csv).toHaveLength(1 + 7);
    expect(csv).toContain('2026-03-03,search,Amazon SageMaker,5,USD,true');
    const html = await text('reports/2026-03-04/cost-report.html');
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain('fraud');
    const head = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/2026-03-04/cost-report.html' }));
    expect(head.ContentType).toBe('text/html; charset=utf-8');
  });

  test('publishes the Markdown summary, whole, with a subject naming the range', async () => {
    const messages = await publishedMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0].subject).toBe('Cost report by team, 2026-01-01 to 2026-03-03');
    expect(messages[0].message).toBe(await text('reports/2026-03-04/summary.md'));
    expect(messages[0].message).toMatch(/\*\*Total 1,265\.25 USD\*\*/);
  });

  test('the next run reads the closed months from the bucket: one request, for the month to date', async () => {
    const second = await runHandler();
    expect(second).toMatchObject({ costExplorerRequests: 1, cachedMonths: 2, cacheUploads: [] });
    expect(JSON.parse(await text('reports/2026-03-04/cost-report.json')).total.amount).toBe('1265.25');
    expect(await publishedMessages()).toHaveLength(2);
  }, 60_000);
});
