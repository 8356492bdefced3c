import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatAmountExact } from '../../../../src/cost-report/amount';
import { EXIT, main } from '../../../../src/cost-report/cli';
import { readCostExplorer } from '../../../../src/cost-report/explorer';
import { UNTAGGED } from '../../../../src/cost-report/model';
import { buildReport } from '../../../../src/cost-report/report';
import { nextDay, page } from '../fixtures';

// A real HTTP peer: moto's server on 127.0.0.1, started here and stopped after. It answers GetCostAndUsage
// from a queue of canned responses, one per distinct request body, so the first request (no token) gets the
// first page and the request carrying its NextPageToken gets the second.
const MOTO = path.join(__dirname, '../../../../.venv/bin/moto_server');
const ACCOUNT = '123456789012';
let server: ChildProcess | undefined;
let endpoint: string;
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
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok) {
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
  });
  delete process.env.AWS_PROFILE;
}, 90_000);

afterAll(() => {
  server?.kill('SIGTERM');
  process.env = savedEnv;
});

async function queue(results: object[]): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: ACCOUNT, results }),
  });
  expect(res.status).toBe(201);
}

test('pages over HTTP and reconciles the report totals', async () => {
  const strip = ({ $metadata: _m, ...rest }: { $metadata: unknown }) => rest;
  await queue([
    strip(page({
      '2026-02-01': [['fraud', 'Amazon Elastic Compute Cloud - Compute', '120.1234567891'], ['', 'AWS Lambda', '0.0000000009']],
      '2026-02-02': [['search', 'Amazon Simple Storage Service', '33.33']],
    }, { token: 'page-2' })),
    strip(page({
      '2026-02-02': [['fraud', 'Amazon Elastic Compute Cloud - Compute', '99.8765432109']],
      '2026-02-03': [['search', 'Amazon Simple Storage Service', '0.67']],
    }, { estimated: ['2026-02-03'] })),
  ]);

  const { dataset, stats } = await readCostExplorer({ start: '2026-02-01', end: '2026-02-04', endpoint, now: () => new Date('2026-02-04T00:00:00Z') });
  const report = buildReport(dataset);

  expect(stats).toMatchObject({ requests: 2, pages: 2, retries: 0 });
  expect(dataset.rows).toHaveLength(5);
  expect(formatAmountExact(report.total)).toBe('254.0000000009');
  expect(report.teams.map(t => [t.team, formatAmountExact(t.total)])).toEqual([
    ['fraud', '220'], ['search', '34'], [UNTAGGED, '0.0000000009'],
  ]);
  expect(report.provisionalDays).toEqual(['2026-02-03']);
});

test('the CLI reads the same pages over HTTP (moto answers a repeated request with the same page)', async () => {
  let stdout = '';
  let stderr = '';
  const code = await main(['--start', '2026-02-01', '--end', '2026-02-04', '--endpoint', endpoint, '--no-cache', '--format', 'json'], {
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => { stderr += s; } },
    env: process.env,
    now: () => new Date('2026-02-04T00:00:00Z'),
  });
  expect(code).toBe(EXIT.OK);
  expect(stderr).toMatch(/Cost Explorer: 2 request\(s\), USD 0\.02/);
  expect(JSON.parse(stdout).total).toEqual({ amount: '254.0000000009', display: '254.00' });
});

test('with the cache on, the CLI asks STS for the account over HTTP and serves the next run from the cache', async () => {
  const strip = ({ $metadata: _m, ...rest }: { $metadata: unknown }) => rest;
  // A range no other test requests: moto pairs each new request body with the next queued result.
  await queue([strip(page({ '2026-01-10': [['fraud', 'Amazon Elastic Compute Cloud - Compute', '42.5']] }))]);
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'cost-wire-'));
  const run = async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['--start', '2026-01-10', '--end', '2026-01-11', '--endpoint', endpoint, '--cache-dir', cacheDir, '--format', 'json'], {
      stdout: { write: (s: string) => { stdout += s; } },
      stderr: { write: (s: string) => { stderr += s; } },
      env: process.env,
      now: () => new Date('2026-02-04T00:00:00Z'),
    });
    return { code, stdout, stderr };
  };
  try {
    const first = await run();
    const second = await run();
    expect(first.code).toBe(EXIT.OK);
    expect(first.stderr).toMatch(/Cost Explorer: 1 request\(s\)/);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    expect(second.stderr).toMatch(/Cost Explorer: 0 request\(s\), USD 0\.00; 1 page\(s\) in 1 monthly window\(s\), 1 from the cache/);
    expect(JSON.parse(second.stdout).total).toEqual({ amount: '42.5', display: '42.50' });
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

describe('malformed answers over HTTP end with exit 3 and name the request', () => {
  // Each case uses a range of its own: moto pairs each new request body with the next queued result.
  async function cli(start: string, end: string) {
    let stdout = '';
    let stderr = '';
    const code = await main(['--start', start, '--end', end, '--endpoint', endpoint, '--no-cache', '--quiet'], {
      stdout: { write: (s: string) => { stdout += s; } },
      stderr: { write: (s: string) => { stderr += s; } },
      env: process.env,
      now: () => new Date('2026-02-04T00:00:00Z'),
    });
    return { code, stdout, stderr };
  }
  const strip = ({ $metadata: _m, ...rest }: { $metadata: unknown }) => rest;
  const group = (amount: unknown) => ({ Keys: ['team$fraud', 'Amazon EC2'], Metrics: { NetAmortizedCost: { Amount: amount, Unit: 'USD' } } });

  test.each([
    ['2025-06-01', 'ResultsByTime that is not a list', { ResultsByTime: { day: 1 } }, /page 1 has a ResultsByTime that is a object; expected a list/],
    ['2025-06-03', 'an Amount that is not a decimal string', { ResultsByTime: [{ TimePeriod: { Start: '2025-06-03' }, Estimated: false, Groups: [group('12,50')] }] }, /Amount "12,50" is not a decimal string/],
    ['2025-06-05', 'an Estimated that is not a boolean', { ResultsByTime: [{ TimePeriod: { Start: '2025-06-05' }, Estimated: 'false', Groups: [group('1')] }] }, /Estimated is "false"; expected true or false/],
  ])('%s: %s', async (start, _what, result, message) => {
    await queue([result]);
    const end = new Date(Date.parse(`${start}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const r = await cli(start, end);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`the GetCostAndUsage answer for ${start}..${end}`);
  });

  test('a repeated page is an error naming the day, team and service, not a doubled total', async () => {
    const p = strip(page({ '2025-07-01': [['fraud', 'Amazon EC2', '5']] }));
    await queue([{ ...p, NextPageToken: 'again' }, p]);
    const r = await cli('2025-07-01', '2025-07-02');
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/page 2 repeats 2025-07-01, team "fraud", service "Amazon EC2", already read from .* page 1/);
  });

  test('a tag value spelled "(untagged)" is not summed into the untagged row', async () => {
    await queue([strip(page({ '2025-07-03': [['(untagged)', 'Amazon EC2', '5'], ['', 'Amazon EC2', '3']] }))]);
    const { dataset } = await readCostExplorer({ start: '2025-07-03', end: '2025-07-04', endpoint, now: () => new Date('2026-02-04T00:00:00Z') });
    expect(buildReport(dataset).teams.map(t => [t.team, formatAmountExact(t.total)])).toEqual([['(untagged)', '5'], [UNTAGGED, '3']]);
  });
});

test('--root-causes over HTTP: the drill-down pages come back from moto and name the usage type, region and account', async () => {
  // A range of its own. The CLI reads one monthly window after the other, then drills into the one anomaly:
  // USAGE_TYPE and REGION (two pages, joined by a token), then LINKED_ACCOUNT. moto answers in that order.
  const spike = '2024-06-18';
  const dayList = (start: string, end: string) => {
    const out: string[] = [];
    for (let d = start; d < end; d = nextDay(d)) out.push(d);
    return out;
  };
  const weekdaySpend = (day: string, amount: number) => ([0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay()) ? amount * 0.6 : amount);
  const extra = (day: string) => (day === spike ? 5000 : 0);
  const money = (v: number) => ({ NetAmortizedCost: { Amount: v.toFixed(2), Unit: 'USD' } });
  const answer = (start: string, end: string, groups: (day: string) => object[], definitions: string[], token?: string) => ({
    GroupDefinitions: definitions.map(Key => ({ Type: 'DIMENSION', Key })),
    ResultsByTime: dayList(start, end).map(day => ({
      TimePeriod: { Start: day, End: nextDay(day) }, Estimated: false, Total: {}, Groups: groups(day),
    })),
    ...(token ? { NextPageToken: token } : {}),
  });
  const strip = ({ $metadata: _m, ...rest }: { $metadata: unknown }) => rest;
  const month = (start: string, end: string) =>
    strip(page(Object.fromEntries(dayList(start, end).map(day => [day, [['fraud', 'Amazon EC2', (weekdaySpend(day, 1000) + extra(day)).toFixed(2)]]]))));
  // The drill-down covers the anomaly and the 4 weeks before it: 2024-05-21 to 2024-06-18.
  await queue([
    month('2024-05-01', '2024-06-01'),
    month('2024-06-01', '2024-07-01'),
    answer('2024-05-21', '2024-06-05', day => [{ Keys: ['USE1-BoxUsage:m5.large', 'us-east-1'], Metrics: money(weekdaySpend(day, 1000)) }], ['USAGE_TYPE', 'REGION'], 'usage-2'),
    answer('2024-06-05', '2024-06-19', day => [
      { Keys: ['USE1-BoxUsage:m5.large', 'us-east-1'], Metrics: money(weekdaySpend(day, 1000)) },
      ...(extra(day) ? [{ Keys: ['USE1-SpotUsage:p5.48xlarge', 'us-east-1'], Metrics: money(extra(day)) }] : []),
    ], ['USAGE_TYPE', 'REGION']),
    answer('2024-05-21', '2024-06-19', day => [
      { Keys: ['111111111111'], Metrics: money(weekdaySpend(day, 900) + extra(day)) },
      { Keys: ['222222222222'], Metrics: money(weekdaySpend(day, 100)) },
    ], ['LINKED_ACCOUNT']),
  ]);
  let stdout = '';
  let stderr = '';
  const code = await main(['--start', '2024-05-01', '--end', '2024-07-01', '--endpoint', endpoint, '--no-cache', '--no-drift', '--root-causes', '--format', 'json'], {
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => { stderr += s; } },
    env: process.env,
    now: () => new Date('2026-02-04T00:00:00Z'),
  });
  expect({ code, stderr: code === EXIT.OK ? '' : stderr }).toEqual({ code: EXIT.OK, stderr: '' });
  // Three drill-down requests: two pages grouped by usage type and region, one by account.
  expect(stderr).toMatch(/Root causes: 3 request\(s\), USD 0\.03/);
  const doc = JSON.parse(stdout);
  expect(doc.apiCalls).toBe(5);
  const anomalies = doc.anomalies.filter((a: { start: string }) => a.start === spike);
  expect(anomalies).toHaveLength(1);
  expect(anomalies[0].rootCauses).toEqual([
    expect.objectContaining({ usageType: 'USE1-SpotUsage:p5.48xlarge', region: 'us-east-1', account: '111111111111' }),
  ]);
});
