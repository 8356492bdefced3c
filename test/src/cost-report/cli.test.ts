import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CostExplorerClient, GetAnomaliesCommand, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { page, runCli } from './fixtures';
import { EXIT } from '../../../src/cost-report/cli';

const ce = mockClient(CostExplorerClient);
const sts = mockClient(STSClient);
let tmp: string;

beforeEach(() => {
  ce.reset();
  sts.reset();
  tmp = mkdtempSync(path.join(tmpdir(), 'cost-cli-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('--sample', () => {
  test('prints the Markdown report of the bundled data set with no AWS access', async () => {
    const r = await runCli('--sample');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^### Cost by team: /);
    expect(r.stdout).toMatch(/\| \*\*Total\*\* \|/);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(0);
  });

  test('--format csv prints one line per row', async () => {
    const r = await runCli('--sample', '--format', 'csv');
    const lines = r.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('day,team,service,amount,currency,provisional');
    expect(lines.length).toBeGreaterThan(1000);
  });

  test('--format json prints a document of the published schema', async () => {
    const r = await runCli('--sample', '--format', 'json');
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, query: { tagKey: 'team' } });
  });

  test('--format html prints a self-contained page', async () => {
    const r = await runCli('--sample', '--format', 'html');
    expect(r.stdout).toMatch(/^<!DOCTYPE html>/i);
    expect(r.stdout).toContain('<svg');
  });

  test('--output writes the report to a file', async () => {
    const file = path.join(tmp, 'report.md');
    const r = await runCli('--sample', '--output', file);
    expect(r.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toMatch(/^### Cost by team/);
  });

  test('--fail-on-anomaly exits 1 when an anomaly falls in the recent window', async () => {
    const r = await runCli('--sample', '--fail-on-anomaly', '--recent-days', '400');
    expect(r.code).toBe(EXIT.ANOMALY);
    expect(r.stderr).toMatch(/\d+ anomal(y|ies), [1-9]\d* ending in the last 400 days/);
  });

  test('without --fail-on-anomaly the same anomalies exit 0', async () => {
    const r = await runCli('--sample', '--recent-days', '400');
    expect(r.code).toBe(EXIT.OK);
  });

  test('thresholds are passed to the detector: an unreachable score flags nothing', async () => {
    const r = await runCli('--sample', '--fail-on-anomaly', '--recent-days', '400', '--min-score', '1000000', '--no-drift');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/#### Anomalies: 0/);
  });
});

describe('reading Cost Explorer', () => {
  test('prints progress per page and the request count on stderr', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-03-01': [['fraud', 'Amazon EC2', '3']] }, { token: 't' }))
      .resolvesOnce(page({ '2026-03-02': [['', 'Amazon EC2', '1']] }));
    const r = await runCli('--start', '2026-03-01', '--end', '2026-03-03', '--no-cache');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/reading 2026-03-01..2026-03-03 \(1\/1\) page 2 from aws: 2 rows, 2 request\(s\)/);
    expect(r.stderr).toMatch(/Cost Explorer: 2 request\(s\), USD 0\.02/);
    expect(r.stdout).toMatch(/\*\*Total 4\.00 USD\*\*/);
  });

  test('defaults to the 91 days before today, grouped by the tag schema\'s team key', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({}));
    await runCli('--no-cache', '--quiet');
    const inputs = ce.commandCalls(GetCostAndUsageCommand).map(c => c.args[0].input);
    expect(inputs[0].TimePeriod!.Start).toBe('2025-12-03');
    expect(inputs.at(-1)!.TimePeriod!.End).toBe('2026-03-04');
    expect(inputs[0].GroupBy![0]).toEqual({ Type: 'TAG', Key: 'team' });
    expect(inputs[0].Metrics).toEqual(['NetAmortizedCost']);
  });

  test('warns when every row is untagged: the tag is probably not activated for cost allocation', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [['', 'Amazon EC2', '3']] }));
    const r = await runCli('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache');
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
    const r = await runCli('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache', '--aws-anomalies', '--monitor-team', 'arn:aws:ce::1:anomalymonitor/fraud=fraud');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/Cost Anomaly Detection: 1 request\(s\), USD 0\.01; 1 finding\(s\)/);
    expect(r.stdout).toMatch(/#### AWS Cost Anomaly Detection, side by side\n\n1 AWS finding\(s\): 0 agree with an anomaly above, 0 anomalies only here, 1 only at AWS\./);
    expect(r.stdout).toMatch(/\| anom-1 \| 2026-03-01 \| fraud \| \+2\.50 \| Amazon EC2 \|/);
    expect(r.stdout).toMatch(/2 Cost Explorer request\(s\), USD 0\.02/);
  });

  test('without credentials it says so and points to --sample (exit 3)', async () => {
    ce.on(GetCostAndUsageCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await runCli('--no-cache');
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/no AWS credentials were found.*--sample/s);
  });

  test('a hand-edited manifest value is a broken recording (exit 3), named, not a bad command line', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [['fraud', 'Amazon EC2', '2.5']] }));
    await runCli('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache', '--record', tmp);
    const manifest = path.join(tmp, 'manifest.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"end": "2026-03-02"', '"end": "2026-13-10"'));
    const r = await runCli('--replay', tmp);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/manifest\.json is not one --record writes: end "2026-13-10" is not a YYYY-MM-DD day/);
  });

  test('--recent-days at its limit runs', async () => {
    const r = await runCli('--sample', '--quiet', '--fail-on-anomaly', '--recent-days', '3650');
    expect(r.code).toBe(EXIT.ANOMALY);
  });

  test('--record then --replay reproduces the report offline, range taken from the recording', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [['fraud', 'Amazon EC2', '2.5']] }));
    const recorded = await runCli('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache', '--record', tmp, '--format', 'csv');
    ce.reset();
    const replayed = await runCli('--replay', tmp, '--format', 'csv');
    expect(replayed.code).toBe(EXIT.OK);
    expect(replayed.stdout).toBe(recorded.stdout);
    expect(replayed.stderr).toMatch(/0 request\(s\), USD 0\.00; 1 page\(s\) in 1 monthly window\(s\), 1 replayed/);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(0);
  });
});

describe('the cache of closed months is keyed by the caller\'s AWS account', () => {
  // January is closed on 2026-03-04 (the clock of runCli()), so a read of it is cached.
  const january = ['--start', '2026-01-01', '--end', '2026-02-01', '--format', 'csv'];
  const ACCOUNT_A = '111111111111';
  const ACCOUNT_B = '222222222222';

  test('a second account under the same profile is not served the first account\'s month', async () => {
    sts.on(GetCallerIdentityCommand).resolvesOnce({ Account: ACCOUNT_A }).resolvesOnce({ Account: ACCOUNT_B });
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-01-05': [['fraud', 'Amazon EC2', '10']] }))
      .resolvesOnce(page({ '2026-01-05': [['search', 'Amazon S3', '7']] }));
    await runCli(...january, '--cache-dir', tmp);
    const b = await runCli(...january, '--cache-dir', tmp);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(2);
    expect(b.stdout).toContain('2026-01-05,search,Amazon S3,7,USD,false');
    expect(b.stdout).not.toContain('fraud');
  });

  test('the same account is served from the cache on the next run', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT_A });
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-01-05': [['fraud', 'Amazon EC2', '10']] }));
    const first = await runCli(...january, '--cache-dir', tmp);
    const second = await runCli(...january, '--cache-dir', tmp);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(1);
    expect(second.stderr).toMatch(/0 request\(s\), USD 0\.00; 1 page\(s\) in 1 monthly window\(s\), 1 from the cache/);
    expect(second.stdout).toBe(first.stdout);
  });

  test('the account is looked up once per run, not per page or window', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT_A });
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-01-05': [['fraud', 'Amazon EC2', '10']] }, { token: 't' }))
      .resolves(page({}));
    await runCli('--start', '2026-01-01', '--end', '2026-03-01', '--cache-dir', tmp, '--quiet');
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(3);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  test.each([
    ['--no-cache', ['--start', '2026-01-01', '--end', '2026-02-01', '--no-cache']],
    ['--sample', ['--sample']],
  ])('%s makes no STS call', async (_flag, argv) => {
    ce.on(GetCostAndUsageCommand).resolves(page({}));
    const r = await runCli(...argv, '--quiet');
    expect(r.code).toBe(EXIT.OK);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  test('--replay makes no STS call', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [['fraud', 'Amazon EC2', '2.5']] }));
    await runCli('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache', '--record', tmp, '--quiet');
    const r = await runCli('--replay', tmp, '--quiet');
    expect(r.code).toBe(EXIT.OK);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  test('without credentials the account lookup says so and points to --sample (exit 3), before any billed request', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await runCli(...january, '--cache-dir', tmp);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/no AWS credentials were found.*ce:GetCostAndUsage.*--sample/s);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(0);
  });

  test('expired credentials get the refresh message (exit 3)', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken', $metadata: { httpStatusCode: 403 } }));
    const r = await runCli(...january, '--cache-dir', tmp);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/AWS rejected the credentials \(ExpiredToken\).*expired or invalid.*aws sso login/s);
  });

  test('any other STS error names the call and the way around it (exit 3)', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('STS is not activated in this region'), { name: 'RegionDisabledException', $metadata: { httpStatusCode: 403 } }));
    const r = await runCli(...january, '--cache-dir', tmp);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/sts:GetCallerIdentity failed: RegionDisabledException.*--no-cache/s);
  });

  test('an account ID that is not 12 digits is refused rather than used as a cache key', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '../x' });
    const r = await runCli(...january, '--cache-dir', tmp);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/returned the account ID "\.\.\/x"; expected 12 digits/);
  });
});

describe('bad command lines exit 2 with the problem named', () => {
  test.each([
    [['--format', 'xml'], /--format \("xml"\) must be one of md, csv, json, html/],
    [['--min-score', 'high'], /--min-score \("high"\) must be a number/],
    [['--start', '2026-02-31'], /--start \("2026-02-31"\) is not a day of the calendar/],
    [['--metric', 'UsageQuantity', '--no-cache'], /metric \("UsageQuantity"\) must be one of/],
    [['--sample', '--replay', 'x'], /only one of --sample, --replay and --record/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--sample', '--baseline-weeks', '0'], /baselineWeeks \(0\) must be a whole number/],
    [['--sample', '--aws-anomalies'], /--aws-anomalies calls AWS: it cannot be combined with --sample/],
    [['--monitor-team', 'arn-without-team'], /--monitor-team \("arn-without-team"\) must be MONITOR_ARN=TEAM/],
    [['--sample', '--recent-days', '1e9'], /--recent-days \("1e9"\) must be a whole number of days from 1 to 3650/],
    [['--sample', '--recent-days', '1.5'], /--recent-days \("1.5"\) must be a whole number of days/],
    [['--sample', '--recent-days', '0'], /--recent-days \("0"\) must be a whole number of days/],
    [['--sample', '--recent-days', 'abc'], /^mlops-cost-report: --recent-days \("abc"\) must be a whole number of days from 1 to 3650$/m],
    [['--sample', '--metric', 'UnblendedCost'], /--sample is a year of NetAmortizedCost by the team tag: --metric cannot be combined with it/],
    [['--sample', '--metric', 'Foo', '--tag-key', 'project'], /--metric and --tag-key cannot be combined with it/],
    [['--sample', '-o', ''], /--output needs a file name/],
  ])('%p', async (argv, message) => {
    const r = await runCli(...argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(message);
  });

  test('--help prints the usage', async () => {
    const r = await runCli('--help');
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

describe('--output failures exit 4 with a message, in every format', () => {
  test.each(['md', 'csv', 'json', 'html'])('%s into a missing directory', async format => {
    const file = path.join(tmp, 'missing', 'report.out');
    const r = await runCli('--sample', '--quiet', '--format', format, '-o', file);
    expect(r.code).toBe(EXIT.WRITE_FAILED);
    expect(r.stderr).toMatch(new RegExp(`could not open --output ${file.replace(/[.]/g, '\\.')}: the directory does not exist \\(ENOENT\\)`));
  });

  test('a path under a regular file (ENOTDIR)', async () => {
    const file = path.join(tmp, 'plain');
    writeFileSync(file, 'x');
    const r = await runCli('--sample', '--quiet', '-o', path.join(file, 'x.md'));
    expect(r.code).toBe(EXIT.WRITE_FAILED);
    expect(r.stderr).toMatch(/a part of the path is a file, not a directory \(ENOTDIR\)/);
  });

  test.each(['md', 'csv'])('%s onto a full disk (/dev/full)', async format => {
    const r = await runCli('--sample', '--quiet', '--format', format, '-o', '/dev/full');
    expect(r.code).toBe(EXIT.WRITE_FAILED);
    expect(r.stderr).toMatch(/could not write --output \/dev\/full: no space left on the device \(ENOSPC\)/);
  });

  test('--record into a path under a regular file exits 4 before any request', async () => {
    const file = path.join(tmp, 'plain');
    writeFileSync(file, 'x');
    const r = await runCli('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache', '--record', path.join(file, 'rec'));
    expect(r.code).toBe(EXIT.WRITE_FAILED);
    expect(r.stderr).toMatch(/could not write the recording directory/);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(0);
  });
});

describe('--sample and --start/--end', () => {
  test('days within the sample year are honoured', async () => {
    const r = await runCli('--sample', '--quiet', '--start', '2026-01-01', '--end', '2026-02-01', '--format', 'csv');
    expect(r.code).toBe(EXIT.OK);
    const days = new Set(r.stdout.trim().split('\r\n').slice(1).map(l => l.slice(0, 10)));
    expect([...days].sort()[0]).toBe('2026-01-01');
    expect([...days].sort().at(-1)).toBe('2026-01-31');
    expect(days.size).toBe(31);
  });

  test.each([
    [['--start', '2026-02-31'], /--start \("2026-02-31"\) is not a day of the calendar/],
    [['--end', 'soon'], /--end \("soon"\) must be a UTC day/],
    [['--start', '2024-01-01'], /--sample covers 2025-11-01 to 2026-11-01/],
    [['--start', '2026-03-01', '--end', '2026-02-01'], /--sample covers .* must be a non-empty range within it/],
  ])('%p is rejected (exit 2)', async (argv, message) => {
    const r = await runCli('--sample', ...argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(message);
  });
});

describe('--version and --help', () => {
  test('--version prints the package version', async () => {
    const r = await runCli('--version');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toBe(`mlops-cost-report ${JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')).version}\n`);
  });

  test('--help lists -o and every exit code the CLI returns', async () => {
    const r = await runCli('--help');
    expect(r.stdout).toMatch(/-o, --output FILE/);
    for (const code of Object.values(EXIT)) {
      expect(r.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    }
  });

  test('the README lists every exit code the CLI returns', () => {
    const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const line = readme.split('\n').find(l => l.includes('**Exit codes**'))!;
    expect(line).toBeDefined();
    const section = readme.slice(readme.indexOf(line), readme.indexOf('\n\n', readme.indexOf(line)));
    for (const code of Object.values(EXIT)) {
      expect(section).toMatch(new RegExp(`\\b${code} `));
    }
  });
});

test('an internal error is one line with no stack trace (exit 70)', async () => {
  ce.on(GetCostAndUsageCommand).callsFake(() => {
    throw new TypeError('boom');
  });
  const r = await runCli('--start', '2026-03-01', '--end', '2026-03-02', '--no-cache');
  expect(r.code).toBe(EXIT.INTERNAL);
  expect(r.stderr).toMatch(/internal error: boom\nThis is a bug/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
