import type { GetCostAndUsageCommandInput } from '@aws-sdk/client-cost-explorer';
import type { DayWindow } from '../dates';
export type { DayWindow } from '../dates';

/**
 * Cost Explorer metrics the report can total (money metrics only; usage quantities do not add across services).
 *
 * - `NetAmortizedCost` (default): upfront Reserved Instance and Savings Plans fees spread over the days they
 *   cover, after discounts. A team is not billed a spike on the day a commitment is bought (which would be a
 *   false anomaly), and negotiated discounts are reflected, so it is what a team's usage really costs.
 * - `UnblendedCost`: cash basis, what the invoice shows on the day it is charged.
 * - `AmortizedCost`, `NetUnblendedCost`, `BlendedCost`: the remaining combinations.
 *
 * @see https://docs.aws.amazon.com/cost-management/latest/userguide/ce-advanced.html#ce-cost-metrics
 */
export const COST_METRICS = ['NetAmortizedCost', 'UnblendedCost', 'AmortizedCost', 'NetUnblendedCost', 'BlendedCost'] as const;

/** One of {@link COST_METRICS}. */
export type CostMetric = typeof COST_METRICS[number];

/** The default metric; see {@link COST_METRICS} for why. */
export const DEFAULT_COST_METRIC: CostMetric = 'NetAmortizedCost';

/**
 * The `GetCostAndUsage` request for one window: DAILY, grouped by the team tag and by service (Cost Explorer
 * allows two group-bys at most).
 *
 * @see https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
 */
export function costAndUsageRequest(window: DayWindow, tagKey: string, metric: string, nextPageToken?: string): GetCostAndUsageCommandInput {
  return {
    TimePeriod: { Start: window.start, End: window.end },
    Granularity: 'DAILY',
    Metrics: [metric],
    GroupBy: [
      { Type: 'TAG', Key: tagKey },
      { Type: 'DIMENSION', Key: 'SERVICE' },
    ],
    ...(nextPageToken ? { NextPageToken: nextPageToken } : {}),
  };
}
