import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CostExplorerClient, GetCostAndUsageCommand, type GetCostAndUsageCommandInput } from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { nextDay, runCli } from './fixtures';
import { EXIT } from '../../../src/cost-report/cli';
import { daysInRange, weekday } from '../../../src/cost-report/dates';

// --root-causes: a few targeted requests per anomaly (its team, its days and the 4 weeks before) name the usage
// types, regions and accounts behind the excess; they are counted in the printed cost and replayable.

const ce = mockClient(CostExplorerClient);
let tmp: string;
beforeEach(() => {
  ce.reset();
  tmp = mkdtempSync(path.join(tmpdir(), 'cost-rc-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const SPIKE = '2026-02-18';
const weekdaySpend = (day: string, amount: number) => ([0, 6].includes(weekday(day)) ? amount * 0.6 : amount);

/** Cost Explorer as the test sees it: the report's query, or a drill-down grouped by usage type and region, or by account. */
function answer(input: GetCostAndUsageCommandInput) {
  const days = daysInRange(input.TimePeriod!.Start!, input.TimePeriod!.End!);
  const keys = input.GroupBy!.map(g => g.Key);
  const groups = (day: string) => {
    const spike = day === SPIKE ? 5000 : 0;
    if (keys[0] === 'team') {
      return [{ Keys: ['team$fraud', 'Amazon EC2'], Metrics: { NetAmortizedCost: { Amount: (weekdaySpend(day, 1000) + spike).toFixed(2), Unit: 'USD' } } }];
    }
    if (keys[0] === 'USAGE_TYPE') {
      return [
        { Keys: ['USE1-BoxUsage:m5.large', 'us-east-1'], Metrics: { NetAmortizedCost: { Amount: weekdaySpend(day, 1000).toFixed(2), Unit: 'USD' } } },
        ...(spike ? [{ Keys: ['USE1-SpotUsage:p5.48xlarge', 'us-east-1'], Metrics: { NetAmortizedCost: { Amount: spike.toFixed(2), Unit: 'USD' } } }] : []),
      ];
    }
    return [
      { Keys: ['111111111111'], Metrics: { NetAmortizedCost: { Amount: (weekdaySpend(day, 900) + spike).toFixed(2), Unit: 'USD' } } },
      { Keys: ['222222222222'], Metrics: { NetAmortizedCost: { Amount: weekdaySpend(day, 100).toFixed(2), Unit: 'USD' } } },
    ];
  };
  return {
    $metadata: {},
    GroupDefinitions: input.GroupBy,
    ResultsByTime: days.map(day => ({ TimePeriod: { Start: day, End: nextDay(day) }, Estimated: false, Total: {}, Groups: groups(day) })),
  };
}

const RANGE = ['--start', '2026-01-01', '--end', '2026-03-01', '--no-cache', '--no-drift'];

test('names the usage type, region and account behind the spike, and counts the extra requests', async () => {
  ce.on(GetCostAndUsageCommand).callsFake(answer);
  const r = await runCli(...RANGE, '--root-causes');
  expect(r.code).toBe(EXIT.OK);
  expect(r.stdout).toContain('root causes: USE1-SpotUsage:p5.48xlarge in us-east-1, account 111111111111 +5,000.00');
  expect(r.stderr).toMatch(/Root causes: 2 request\(s\), USD 0\.02/);
  // Two monthly windows for the report, two drill-down requests.
  expect(r.stdout).toMatch(/4 Cost Explorer request\(s\), USD 0\.04/);
});

test('the drill-down is filtered by the team tag, over the anomaly and the 4 weeks before, by USAGE_TYPE and REGION, then LINKED_ACCOUNT', async () => {
  ce.on(GetCostAndUsageCommand).callsFake(answer);
  await runCli(...RANGE, '--root-causes', '--quiet');
  const drills = ce.commandCalls(GetCostAndUsageCommand).map(c => c.args[0].input).filter(i => i.Filter);
  expect(drills).toEqual([
    expect.objectContaining({ TimePeriod: { Start: '2026-01-21', End: '2026-02-19' }, Filter: { Tags: { Key: 'team', Values: ['fraud'], MatchOptions: ['EQUALS'] } }, GroupBy: [{ Type: 'DIMENSION', Key: 'USAGE_TYPE' }, { Type: 'DIMENSION', Key: 'REGION' }] }),
    expect.objectContaining({ GroupBy: [{ Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }] }),
  ]);
});

test('without --root-causes no drill-down request is made', async () => {
  ce.on(GetCostAndUsageCommand).callsFake(answer);
  const r = await runCli(...RANGE);
  expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(2);
  expect(r.stdout).not.toContain('root causes');
});

test('--record saves the drill-down answers and --replay reads them back with no request', async () => {
  ce.on(GetCostAndUsageCommand).callsFake(answer);
  const recorded = await runCli(...RANGE, '--root-causes', '--record', tmp, '--format', 'json');
  ce.reset();
  const replayed = await runCli('--replay', tmp, '--root-causes', '--no-drift', '--format', 'json');
  expect(replayed.code).toBe(EXIT.OK);
  expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(0);
  const causes = (out: string) => JSON.parse(out).anomalies.map((a: { rootCauses: unknown }) => a.rootCauses);
  expect(causes(replayed.stdout)).toEqual(causes(recorded.stdout));
  expect(causes(replayed.stdout)[0][0]).toMatchObject({ usageType: 'USE1-SpotUsage:p5.48xlarge', region: 'us-east-1', account: '111111111111' });
});

test('replaying --root-causes from a recording made without it names what is missing (exit 3)', async () => {
  ce.on(GetCostAndUsageCommand).callsFake(answer);
  await runCli(...RANGE, '--record', tmp, '--quiet');
  const r = await runCli('--replay', tmp, '--root-causes', '--no-drift');
  expect(r.code).toBe(EXIT.READ_FAILED);
  expect(r.stderr).toMatch(/has no root-cause answer root-causes\/.*page-00001\.json: record again with --record --root-causes/);
});

test('a malformed drill-down answer ends with exit 3 naming the request', async () => {
  ce.on(GetCostAndUsageCommand).callsFake(input => (input.Filter ? { $metadata: {}, ResultsByTime: 'x' } : answer(input)));
  const r = await runCli(...RANGE, '--root-causes');
  expect(r.code).toBe(EXIT.READ_FAILED);
  expect(r.stderr).toMatch(/the root-cause answer for 2026-01-21\.\.2026-02-19 \(USAGE_TYPE, REGION\), page 1 has a ResultsByTime that is a string/);
});

test('--root-causes with --sample is refused (exit 2)', async () => {
  const r = await runCli('--sample', '--root-causes');
  expect(r.code).toBe(EXIT.USAGE);
  expect(r.stderr).toMatch(/--root-causes .* cannot be combined with --sample/);
});
