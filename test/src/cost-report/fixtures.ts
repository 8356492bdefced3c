import type { GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import { parseAmount } from '../../../src/cost-report/amount';
import { main } from '../../../src/cost-report/cli';
import type { CostDataset, CostRow } from '../../../src/cost-report/model';

/** One group of a page: [team value ('' = untagged), service, amount]. */
export type G = readonly [string, string, string];

/** A GetCostAndUsage page with one result per day. */
export function page(
  days: Record<string, readonly G[]>,
  options: { token?: string; estimated?: readonly string[]; unit?: string; metric?: string; tagKey?: string } = {},
): GetCostAndUsageCommandOutput {
  const metric = options.metric ?? 'NetAmortizedCost';
  const tagKey = options.tagKey ?? 'team';
  return {
    $metadata: {},
    GroupDefinitions: [{ Type: 'TAG', Key: tagKey }, { Type: 'DIMENSION', Key: 'SERVICE' }],
    ResultsByTime: Object.entries(days).map(([day, groups]) => ({
      TimePeriod: { Start: day, End: nextDay(day) },
      Total: {},
      Estimated: options.estimated?.includes(day) ?? false,
      Groups: groups.map(([team, service, amount]) => ({
        Keys: [`${tagKey}$${team}`, service],
        Metrics: { [metric]: { Amount: amount, Unit: options.unit ?? 'USD' } },
      })),
    })),
    ...(options.token ? { NextPageToken: options.token } : {}),
  };
}

export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** A dataset from rows written compactly. */
export function dataset(rows: readonly (readonly [string, string, string, string, boolean?])[], start: string, end: string): CostDataset {
  return {
    query: { start, end, tagKey: 'team', metric: 'NetAmortizedCost' },
    currency: 'USD',
    apiCalls: 0,
    rows: rows.map(([day, team, service, amount, estimated]): CostRow => ({
      day, team, service, amount: parseAmount(amount), estimated: estimated ?? false,
    })),
  };
}

/** A sleep that records the delays and does not wait. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => { delays.push(ms); } };
}

/**
 * Run the CLI in-process with captured output, no environment, a fixed clock (2026-03-04 09:00 UTC) and a
 * sleep that returns at once.
 */
export async function runCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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
