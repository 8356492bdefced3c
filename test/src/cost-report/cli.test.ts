import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CostExplorerClient, GetAnomaliesCommand, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { page, recordingSleep } from './fixtures';
import { EXIT, main } from '../../../src/cost-report/cli';

const ce = mockClient(CostExplorerClient);
let tmp: string;

beforeEach(() => {
  ce.reset();
  tmp = mkdtempSync(path.join(tmpdir(), 'cost-cli-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => { stderr += s; } },
    env: {},
    now: () => new Date('2026-03-04T09:00:00Z'),
    sleep: recordingSleep().sleep,
  });
  return { code, stdout, stderr };
}

describe('--sample', () => {
  test('prints the Markdown report of the bundled data set with no AWS access', async () => {
    const r = await run('--sample');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^### Cost by team: /);
    expect(r.stdout).toMatch(/\| \*\*Total\*\* \|/);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(0);
  });

  test('--format csv prints one line per row', async () => {
    const r = await run('--sample', '--format', 'csv');
    const lines = r.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('day,team,service,amount,currency,provisional');
    expect(lines.length).toBeGreaterThan(1000);
  });

  test('--format json prints a document of the published schema', async () => {
    const r = await run('--sample', '--format', 'json');
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, query: { tagKey: 'team' } });
  });

  test('--format html prints a self-contained page', async () => {
    const r = await run('--sample', '--format', 'html');
    expect(r.stdout).toMatch(/^<!DOCTYPE html>/i);
    expect(r.stdout).toContain('<svg');
  });

  test('--output writes the report to a file', async () => {
    const file = path.join(tmp, 'report.md');
    const r = await run('--sample', '--output', file);
    expect(r.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toMatch(/^### Cost by team/);
  });

  test('--fail-on-anomaly exits 1 when an anomaly falls in the recent window', async () => {
    const r = await run('--sample', '--fail-on-anomaly', '--recent-days', '400');
    expect(r.code).toBe(EXIT.ANOMALY);
    expect(r.stderr).toMatch(/\d+ anomal(y|ies), [1-9]\d* ending in the last 400 days/);
  });

  test('without --fail-on-anomaly the same anomalies exit 0', async () => {
    const r = await run('--sample', '--recent-days', '400');
    expect(r.code).toBe(EXIT.OK);
  });

  test('thresholds are passed to the detector: an unreachable score flags nothing', async () => {
    const r = await run('--sample', '--fail-on-anomaly', '--recent-days', '400', '--min-score', '1000000', '--no-drift');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/#### Anomalies: 0/);
  });
});

describe('reading Cost Explorer', () => {
  test('prints progress per page and the request count on stderr', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-03-01': [['fraud', 'Amazon EC2', '3']] }, { token: 't' }))
      .resolvesOnce(page({ '2026-03-02': [['', 'Amazon EC2', '1']] }));
    const r = await run('--start', '2026-03-01', '--end', '2026-03-03', '--no-cache');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/reading 2026-03-01..2026-03-03 \(1\/1\) page 2 from aws: 2 rows, 2 request\(s\)/);
    expect(r.stderr).toMatch(/Cost Explorer: 2 request\(s\), USD 0\.02/);
    expect(r.stdout).toMatch(/\*\*Total 4\.00 USD\*\*/);
  });

  test('defaults to the 91 days before today, grouped by the tag schema\'s team key', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({}));
    await run('--no-cache', '--quiet');
    const inputs = ce.commandCalls(GetCostAndUsageCommand).map(c => c.args[0].input);
    expect(inputs[0].TimePeriod!.Start).toBe('2025-12-03');
    expect(inputs.at(-1)!.TimePeriod!.End).toBe('2026-03-04');
    expect(inputs[0].GroupBy![0]).toEqual({ Type: 'TAG', Key: 'team' });
    expect(inputs[0].Metrics).toEqual(['NetAmortizedCost']);
  });

  test('warns when every row is untagged: the tag is probably not activated for cost allocation', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [['', 'Amazon EC2', '3']] }));
    const r = await run('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache');
    expect(r.stderr).toMatch(/all spend is untagged for tag key "team".*cost allocation tag/);
  });

  test('--aws-anomalies fetches Cost Anomaly Detection findings and shows them side by side', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [['fraud', 'Amazon EC2', '3']] }));
    ce.on(GetAnomaliesCommand).resolves({
      Anomalies: [{
        AnomalyId: 'anom-1',
        AnomalyStartDate: '2026-03-01',
        AnomalyEndDate: '2026-03-01',
        MonitorArn: 'arn:aws:ce::1:anomalymonitor/fraud',
        AnomalyScore: { MaxScore: 0.9, CurrentScore: 0.9 },
        Impact: { MaxImpact: 2, TotalImpact: 2.5 },
        RootCauses: [{ Service: 'Amazon EC2' }],
      }],
    });
    const r = await run('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache', '--aws-anomalies', '--monitor-team', 'arn:aws:ce::1:anomalymonitor/fraud=fraud');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/Cost Anomaly Detection: 1 request\(s\), USD 0\.01; 1 finding\(s\)/);
    expect(r.stdout).toMatch(/#### AWS Cost Anomaly Detection, side by side\n\n1 AWS finding\(s\): 0 agree with an anomaly above, 0 anomalies only here, 1 only at AWS\./);
    expect(r.stdout).toMatch(/\| anom-1 \| 2026-03-01 \| fraud \| \+2\.50 \| Amazon EC2 \|/);
    expect(r.stdout).toMatch(/2 Cost Explorer request\(s\), USD 0\.02/);
  });

  test('without credentials it says so and points to --sample (exit 3)', async () => {
    ce.on(GetCostAndUsageCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await run('--no-cache');
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/no AWS credentials were found.*--sample/s);
  });

  test('--record then --replay reproduces the report offline, range taken from the recording', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [['fraud', 'Amazon EC2', '2.5']] }));
    const recorded = await run('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache', '--record', tmp, '--format', 'csv');
    ce.reset();
    const replayed = await run('--replay', tmp, '--format', 'csv');
    expect(replayed.code).toBe(EXIT.OK);
    expect(replayed.stdout).toBe(recorded.stdout);
    expect(replayed.stderr).toMatch(/0 request\(s\), USD 0\.00; 1 page\(s\) in 1 monthly window\(s\), 1 replayed/);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(0);
  });
});

describe('bad command lines exit 2 with the problem named', () => {
  test.each([
    [['--format', 'xml'], /--format \("xml"\) must be one of md, csv, json, html/],
    [['--min-score', 'high'], /--min-score \("high"\) must be a number/],
    [['--start', '2026-02-31'], /--start \("2026-02-31"\) must be a UTC day/],
    [['--metric', 'UsageQuantity', '--no-cache'], /metric \("UsageQuantity"\) must be one of/],
    [['--sample', '--replay', 'x'], /only one of --sample, --replay and --record/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--sample', '--baseline-weeks', '0'], /baselineWeeks \(0\) must be a whole number/],
    [['--sample', '--aws-anomalies'], /--aws-anomalies calls AWS: it cannot be combined with --sample/],
    [['--monitor-team', 'arn-without-team'], /--monitor-team \("arn-without-team"\) must be MONITOR_ARN=TEAM/],
  ])('%p', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(message);
  });

  test('--help prints the usage', async () => {
    const r = await run('--help');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/--fail-on-anomaly/);
  });
});

test('runs from a fresh clone with ts-node --transpile-only, no build needed', () => {
  const root = path.join(__dirname, '../../..');
  const res = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'src/cost-report/cli.ts', '--sample', '--quiet'], {
    cwd: root, encoding: 'utf8', timeout: 120_000,
  });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  expect(res.stdout).toMatch(/^### Cost by team/);
});
