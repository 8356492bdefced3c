import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { page, runCli } from './fixtures';
import { EXIT } from '../../../src/cost-report/cli';
import { CostRowCollector, readCostExplorer } from '../../../src/cost-report/explorer';
import { UNTAGGED } from '../../../src/cost-report/model';
import { buildReport } from '../../../src/cost-report/report';

// Bad data never crashes and never miscounts: every malformed recording, cache file or answer ends with exit 3
// and a message that names the file or the request and what is wrong.

const ce = mockClient(CostExplorerClient);
const sts = mockClient(STSClient);
let tmp: string;

beforeEach(() => {
  ce.reset();
  sts.reset();
  tmp = mkdtempSync(path.join(tmpdir(), 'cost-bad-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const strip = ({ $metadata: _m, ...rest }: { $metadata: unknown }) => rest;
const GOOD = strip(page({ '2026-03-01': [['fraud', 'Amazon EC2', '2.5']] }));

/** A recording of 2026-03-01..2026-03-03 whose first page file holds `text`. */
function recording(text: string): string {
  const dir = path.join(tmp, 'rec');
  mkdirSync(path.join(dir, '2026-03-01_2026-03-03'), { recursive: true });
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'mlops-stack/cost-explorer-recording@1', start: '2026-03-01', end: '2026-03-03', tagKey: 'team', metric: 'NetAmortizedCost' }));
  writeFileSync(path.join(dir, '2026-03-01_2026-03-03', 'page-00001.json'), text);
  return dir;
}

const BROKEN: [string, string, RegExp][] = [
  ['truncated', JSON.stringify(GOOD).slice(0, 40), /is not valid JSON .*truncated/],
  ['empty', '', /is empty/],
  ['null', 'null', /is null, not a GetCostAndUsage answer/],
  ['a list', '[]', /is a list, not a GetCostAndUsage answer/],
  ['ResultsByTime a string', JSON.stringify({ ResultsByTime: 'x' }), /has a ResultsByTime that is a string; expected a list/],
  ['ResultsByTime null', JSON.stringify({ ResultsByTime: null }), /has a ResultsByTime that is null; expected a list/],
  ['no ResultsByTime', JSON.stringify({}), /has no ResultsByTime; expected a list/],
  ['a result that is null', JSON.stringify({ ResultsByTime: [null] }), /has a result that is null/],
  ['Groups not a list', JSON.stringify({ ResultsByTime: [{ TimePeriod: { Start: '2026-03-01' }, Groups: 'x' }] }), /Groups is "x"; expected a list/],
];

describe('a recording that is broken: exit 3, the file named, no stack trace', () => {
  test.each(BROKEN)('%s', async (_what, text, message) => {
    const dir = recording(text);
    const r = await runCli('--replay', dir);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(path.join(dir, '2026-03-01_2026-03-03', 'page-00001.json'));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('a manifest that is null is named, exit 3', async () => {
    const dir = recording(JSON.stringify(GOOD));
    writeFileSync(path.join(dir, 'manifest.json'), 'null');
    const r = await runCli('--replay', dir);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/manifest\.json is null, not a recording manifest/);
  });
});

describe('a cache file that is broken: exit 3, the file named', () => {
  const january = ['--start', '2026-01-01', '--end', '2026-02-01', '--format', 'csv', '--quiet'];

  async function cached(): Promise<string> {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111' });
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-01-05': [['fraud', 'Amazon EC2', '10']] }));
    const first = await runCli(...january, '--cache-dir', tmp);
    expect(first.code).toBe(EXIT.OK);
    const [file] = readdirSync(tmp);
    return path.join(tmp, file);
  }

  test.each([
    ['truncated', (t: string) => t.slice(0, 30), /is not valid JSON .*truncated/],
    ['empty', () => '', /is empty/],
    ['null', () => 'null\n', /is null, not a GetCostAndUsage answer/],
    ['ResultsByTime not a list', () => '{"ResultsByTime":{}}\n', /has a ResultsByTime that is a object; expected a list/],
  ])('%s', async (_what, corrupt, message) => {
    const file = await cached();
    writeFileSync(file, corrupt(readFileSync(file, 'utf8')));
    const r = await runCli(...january, '--cache-dir', tmp);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
  });
});

describe('an answer from the API that is broken (aws-sdk-client-mock): exit 3, the request named', () => {
  test.each([
    ['null', null, /is null, not a GetCostAndUsage answer/],
    ['ResultsByTime a number', { $metadata: {}, ResultsByTime: 3 }, /has a ResultsByTime that is a number/],
    ['ResultsByTime missing', { $metadata: {} }, /has no ResultsByTime/],
    ['a NextPageToken that is a number', { $metadata: {}, ResultsByTime: [], NextPageToken: 7 }, /NextPageToken that is a number/],
  ])('%s', async (_what, answer, message) => {
    ce.on(GetCostAndUsageCommand).resolves(answer as never);
    const r = await runCli('--start', '2026-03-01', '--end', '2026-03-03', '--no-cache');
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/the GetCostAndUsage answer for 2026-03-01\.\.2026-03-03, page 1/);
  });
});

describe('the same day, team and service twice is an error, never a sum', () => {
  test('a repeated page (live): names the day, team, service and both pages', async () => {
    const p = page({ '2026-03-01': [['fraud', 'Amazon EC2', '2.5']] });
    ce.on(GetCostAndUsageCommand).resolvesOnce({ ...p, NextPageToken: 't' }).resolvesOnce(p);
    const r = await runCli('--start', '2026-03-01', '--end', '2026-03-03', '--no-cache');
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/page 2 repeats 2026-03-01, team "fraud", service "Amazon EC2", already read from the GetCostAndUsage answer for 2026-03-01\.\.2026-03-03, page 1/);
  });

  test('a repeated day within one page (replay)', async () => {
    const twice = strip(page({ '2026-03-01': [['fraud', 'Amazon EC2', '2.5']] })) as { ResultsByTime: unknown[] };
    const doubled = { ...twice, ResultsByTime: [...twice.ResultsByTime!, ...twice.ResultsByTime!] };
    const r = await runCli('--replay', recording(JSON.stringify(doubled)));
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/repeats 2026-03-01, team "fraud", service "Amazon EC2"/);
  });

  test('a day that continues on the next page with other groups is read in full', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-03-01': [['fraud', 'Amazon EC2', '2.5']] }, { token: 't' }))
      .resolvesOnce(page({ '2026-03-01': [['fraud', 'Amazon S3', '1'], ['search', 'Amazon EC2', '4']] }));
    const { dataset } = await readCostExplorer({ start: '2026-03-01', end: '2026-03-03', client: new CostExplorerClient({ region: 'us-east-1' }), ratePerSecond: 1000 });
    expect(buildReport(dataset).teams.map(t => [t.team, t.total.units])).toEqual([['search', 40_000_000_000n], ['fraud', 35_000_000_000n]]);
  });

  test('the same team and service on two different days is not a repeat', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolves(page({ '2026-03-01': [['fraud', 'Amazon EC2', '2.5']], '2026-03-02': [['fraud', 'Amazon EC2', '2.5']] }));
    const r = await runCli('--start', '2026-03-01', '--end', '2026-03-03', '--no-cache', '--format', 'csv');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout.trim().split('\r\n')).toHaveLength(3);
  });
});

describe('fields of the wrong type are named', () => {
  const result = (extra: object, amount: unknown = '1') => ({
    $metadata: {},
    ResultsByTime: [{ TimePeriod: { Start: '2026-03-01' }, ...extra, Groups: [{ Keys: ['team$a', 'Amazon EC2'], Metrics: { NetAmortizedCost: { Amount: amount, Unit: 'USD' } } }] }],
  });
  test.each([
    ['Estimated a string', result({ Estimated: 'true' }), /Estimated is "true"; expected true or false/],
    ['Estimated a number', result({ Estimated: 1 }), /Estimated is 1; expected true or false/],
    ['Amount a number', result({}, 12.5), /Amount is 12\.5, a number; Cost Explorer sends a decimal string/],
    ['Amount null', result({}, null), /Amount is null, a null/],
    ['Amount in exponent form', result({}, '1E-10'), /Amount "1E-10" is not a decimal string/],
    ['Amount empty', result({}, ''), /Amount "" is not a decimal string/],
  ])('%s (live, exit 3)', async (_what, answer, message) => {
    ce.on(GetCostAndUsageCommand).resolves(answer as never);
    const r = await runCli('--start', '2026-03-01', '--end', '2026-03-03', '--no-cache');
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(message);
  });

  test('Estimated that is not a boolean, replayed (exit 3, file named)', async () => {
    const dir = recording(JSON.stringify(strip(result({ Estimated: 'no' }) as never)));
    const r = await runCli('--replay', dir);
    expect(r.code).toBe(EXIT.READ_FAILED);
    expect(r.stderr).toMatch(/page-00001\.json, 2026-03-01: Estimated is "no"/);
  });
});

describe('a tag value spelled "(untagged)" is a team of its own', () => {
  test('it is never summed into the untagged row', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [['(untagged)', 'Amazon EC2', '5'], ['', 'Amazon EC2', '3']] }));
    const { dataset } = await readCostExplorer({ start: '2026-03-01', end: '2026-03-03', client: new CostExplorerClient({ region: 'us-east-1' }), ratePerSecond: 1000 });
    const teams = buildReport(dataset).teams;
    expect(teams.map(t => [t.team, t.total.units])).toEqual([['(untagged)', 50_000_000_000n], [UNTAGGED, 30_000_000_000n]]);
  });

  test('both rows appear, apart, in the Markdown and JSON outputs', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [['(untagged)', 'Amazon EC2', '5'], ['', 'Amazon EC2', '3']] }));
    const md = await runCli('--start', '2026-03-01', '--end', '2026-03-03', '--no-cache', '--quiet');
    expect(md.stdout).toMatch(/\| \(untagged\) \| 5\.00 \|/);
    expect(md.stdout).toMatch(/\| _\(untagged\)_ \| 3\.00 \|/);
    const json = JSON.parse((await runCli('--start', '2026-03-01', '--end', '2026-03-03', '--no-cache', '--quiet', '--format', 'json')).stdout);
    expect(json.teams.map((t: { team: string; untagged: boolean }) => [t.team, t.untagged])).toEqual([['(untagged)', false], ['(untagged)', true]]);
    expect(json.rows.map((r: { untagged?: boolean }) => r.untagged ?? false)).toEqual([false, true]);
  });
});

describe('Markdown escapes what GitHub renders in team and service names', () => {
  test.each([
    ['$', 'ml$ops', 'ml\\$ops'],
    ['|', 'a|b', 'a\\|b'],
    ['*', '*bold*', '\\*bold\\*'],
    ['_', '_it_', '\\_it\\_'],
    ['backtick', '`code`', '\\`code\\`'],
  ])('%s', async (_what, name, escaped) => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-03-01': [[name, `Amazon ${name}`, '5']] }));
    const r = await runCli('--start', '2026-03-01', '--end', '2026-03-03', '--no-cache', '--quiet');
    expect(r.stdout).toContain(`| ${escaped} | 5.00 | 100.0% | Amazon ${escaped} |`);
  });
});

describe('the repeat check holds however many teams and services a window has', () => {
  const groups = (teams: number, services: number) => {
    const out: [string, string, string][] = [];
    for (let t = 0; t < teams; t++) for (let s = 0; s < services; s++) out.push([`team-${t}`, `service-${s}`, '1']);
    return out;
  };
  const collect = (...pages: ReturnType<typeof page>[]) => {
    const c = new CostRowCollector('team', 'NetAmortizedCost');
    pages.forEach((p, i) => c.addPage(p, { windowStart: '2026-03-01', windowEnd: '2026-04-01', page: i + 1 }));
    return c;
  };

  test('a repeat of an early team is found after the check has grown for later ones', () => {
    const first = page({ '2026-03-31': [['team-0', 'service-0', '1']] });
    const later = page({ '2026-03-31': [...groups(300, 40), ['team-0', 'service-0', '1']] });
    expect(() => collect(first, later)).toThrow(/page 2 of 2026-03-01\.\.2026-04-01 repeats 2026-03-31, team "team-0", service "service-0", already read from page 1/);
  });

  test('past the dense grid (70,000 teams) a repeat is still found, and distinct rows are all kept', () => {
    const many = page({ '2026-03-02': groups(70_000, 1) });
    expect(collect(many).rows).toHaveLength(70_000);
    expect(() => collect(many, page({ '2026-03-02': [['team-69999', 'service-0', '1']] }))).toThrow(/repeats 2026-03-02, team "team-69999"/);
  });
});
