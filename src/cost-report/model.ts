/**
 * The data model shared by every part of the cost report: what is read from Cost Explorer, what the anomaly
 * detector consumes, and what the renderers print.
 *
 * Money is never a JavaScript number here: Cost Explorer returns decimal strings with up to 10 fractional
 * digits, and a float sum of a million of them drifts by cents. {@link Amount} is an exact fixed-point value.
 */

import type { CostRowSource, CostRows } from './rows';

/** Fractional digits kept exactly: Cost Explorer amounts carry up to 10. */
export const AMOUNT_SCALE = 10;

/**
 * An exact monetary amount: `units` is the value times 10^{@link AMOUNT_SCALE}.
 */
export interface Amount {
  readonly units: bigint;
}

/**
 * The team key of spend that carries no team tag: the empty value, as in Cost Explorer's `team$`. Shown as
 * {@link UNTAGGED_LABEL}, never dropped. It is keyed apart from every tag value, so a tag whose value is
 * literally `(untagged)` stays a team of its own and is never summed into the untagged row.
 */
export const UNTAGGED = '';

/** How the untagged row is shown in every output. */
export const UNTAGGED_LABEL = '(untagged)';

/** The display name of a team key: the tag value, or {@link UNTAGGED_LABEL} for the untagged row. */
export function teamLabel(team: string): string {
  return team === UNTAGGED ? UNTAGGED_LABEL : team;
}

/**
 * One day of one service's spend for one team: the grain of the report (and of the CSV).
 */
export interface CostRow {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Team tag value, or {@link UNTAGGED} (the empty string). */
  readonly team: string;
  /** AWS service as Cost Explorer names it (`Amazon Elastic Compute Cloud - Compute`). */
  readonly service: string;
  readonly amount: Amount;
  /** Cost Explorer marks the day `Estimated`: shown as provisional, never alerted on. */
  readonly estimated: boolean;
}

/**
 * What the report covers and how it was read.
 */
export interface CostQuery {
  /** First day, inclusive, `YYYY-MM-DD`. */
  readonly start: string;
  /** Last day, exclusive, `YYYY-MM-DD` (Cost Explorer's convention). */
  readonly end: string;
  /** Tag key grouped by: the tag schema's team key. */
  readonly tagKey: string;
  /** Cost Explorer metric, e.g. `NetAmortizedCost`. */
  readonly metric: string;
}

/**
 * Every row of a report period, in one currency.
 */
export interface CostDataset {
  readonly query: CostQuery;
  /** ISO 4217 code; rows in more than one currency are an error, not a sum. */
  readonly currency: string;
  /**
   * The rows: the compact {@link CostRows} store the reader fills, or plain row objects (small data sets,
   * tests), which the report copies into a store.
   */
  readonly rows: CostRowSource;
  /** Cost Explorer requests made to build this dataset (each costs USD 0.01); 0 when replayed or cached. */
  readonly apiCalls: number;
}

/**
 * One anomaly: consecutive flagged days of one team merged, with what drove it.
 */
export interface Anomaly {
  readonly team: string;
  /** First flagged day, `YYYY-MM-DD`. */
  readonly start: string;
  /** Last flagged day, inclusive. */
  readonly end: string;
  /** Sum over the flagged days of (actual - expected). */
  readonly impact: Amount;
  /** impact / expected over the flagged days, in percent. */
  readonly impactPercent: number;
  /** Largest robust z-score among the flagged days. */
  readonly maxScore: number;
  /** Services ordered by their share of the impact, largest first. */
  readonly drivers: readonly { readonly service: string; readonly impact: Amount }[];
  /**
   * `daily` (the weekday-aware rule: a spike), `level-shift` (spend stepped up and stayed: reported once, then
   * learned as the team's new level) or `drift` (month-to-date creep).
   */
  readonly kind: 'daily' | 'level-shift' | 'drift';
  /**
   * For a rise of the untagged row: the team whose spend on the same service fell by a similar amount on the
   * same days, i.e. a resource that likely lost its team tag.
   *
   * @default - no such team
   */
  readonly tagLoss?: TagLossNote;
  /**
   * What Cost Explorer names behind the excess (usage types, regions, linked accounts), from targeted
   * requests for the anomaly's team and days; largest excess first.
   *
   * @default - not looked up (`--root-causes` looks them up)
   */
  readonly rootCauses?: readonly RootCause[];
}

/** Spend that likely moved from a team to the untagged row: a resource lost its tag. */
export interface TagLossNote {
  /** The team whose spend fell. */
  readonly fromTeam: string;
  readonly service: string;
  /** The team's fall over the anomaly's days, against its same-weekday median (positive). */
  readonly teamDrop: Amount;
  /** The untagged row's rise on that service over the same days. */
  readonly untaggedRise: Amount;
}

/** One contributor to an anomaly's excess, as Cost Explorer names it. */
export interface RootCause {
  /** `USAGE_TYPE`, e.g. `USE1-SpotUsage:p5.48xlarge`. */
  readonly usageType?: string;
  /** `REGION`, e.g. `us-east-1`. */
  readonly region?: string;
  /** `LINKED_ACCOUNT`: the 12-digit account ID. */
  readonly account?: string;
  /** Excess over the same-weekday median of the 4 weeks before, summed over the anomaly's days. */
  readonly excess: Amount;
}

/**
 * One team's spend over the report period.
 */
export interface TeamTotal {
  /** Team tag value, or {@link UNTAGGED}. */
  readonly team: string;
  readonly total: Amount;
  /** Share of the account total, 0..1 (for charts; never used for money). */
  readonly share: number;
  /** Per-service totals, largest first. */
  readonly services: readonly { readonly service: string; readonly total: Amount }[];
}

/**
 * Month-to-date spend and a month-end projection for one team.
 */
export interface TeamProjection {
  readonly team: string;
  /** Month of the last complete day, `YYYY-MM`. */
  readonly month: string;
  readonly monthToDate: Amount;
  readonly projectedMonth: Amount;
  /** Same-length trailing baseline the projection is compared with. */
  readonly baselineMonth: Amount;
  /** Last day counted in {@link monthToDate}, `YYYY-MM-DD`; the days after it are projected. */
  readonly asOfDay: string;
  /**
   * Days of the month after {@link asOfDay} that Cost Explorer marked `Estimated`: left out of
   * {@link monthToDate} (their partial figures would understate it) and projected like the rest of the month.
   */
  readonly provisionalDaysLeftOut: readonly string[];
}

/**
 * Everything a renderer needs: built once from a {@link CostDataset}, rendered as Markdown, CSV, JSON or HTML.
 */
export interface CostReport {
  readonly query: CostQuery;
  readonly currency: string;
  /** ISO timestamp of when the report was built. */
  readonly generatedAt: string;
  /** Every day of the period, ascending. */
  readonly days: readonly string[];
  /** Days Cost Explorer marked `Estimated`: shown as provisional. */
  readonly provisionalDays: readonly string[];
  /** Account total: exactly the sum of every row. */
  readonly total: Amount;
  /** Per-team totals including the {@link UNTAGGED} row; they add up to {@link total} exactly. */
  readonly teams: readonly TeamTotal[];
  /** The raw rows, the grain of the CSV, in the compact store. */
  readonly rows: CostRows;
  readonly anomalies: readonly Anomaly[];
  readonly projections: readonly TeamProjection[];
  readonly apiCalls: number;
  /**
   * Findings of AWS Cost Anomaly Detection over the period, shown side by side with {@link anomalies}.
   *
   * @default - not fetched; renderers leave the comparison out
   */
  readonly awsAnomalies?: readonly AwsAnomalyFinding[];
}

/**
 * One finding of AWS Cost Anomaly Detection (`GetAnomalies`), in the report's terms.
 *
 * @see https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_Anomaly.html
 */
export interface AwsAnomalyFinding {
  /** `AnomalyId`. */
  readonly id: string;
  /** First day, `YYYY-MM-DD`. */
  readonly start: string;
  /** Last day, inclusive; the start day while the anomaly is still open. */
  readonly end: string;
  /** Whether AWS reports no end day yet. */
  readonly ongoing: boolean;
  /** Team the finding's monitor watches, when known (one monitor per team is the usual set-up). */
  readonly team?: string;
  /** `DimensionValue`: what the monitor splits by (a service name for a service monitor). */
  readonly dimension?: string;
  /** ARN of the monitor that raised it. */
  readonly monitorArn?: string;
  /** `Impact.TotalImpact`: actual minus expected spend, in USD. */
  readonly impact: Amount;
  /** `Impact.TotalImpactPercentage`; absent when AWS expected no spend. */
  readonly impactPercent?: number;
  /** `AnomalyScore.MaxScore` (AWS's own scale, not a z-score). */
  readonly maxScore: number;
  /** Root causes, largest contribution first. */
  readonly rootCauses: readonly {
    readonly service?: string;
    readonly region?: string;
    readonly account?: string;
    readonly usageType?: string;
    readonly impact?: Amount;
  }[];
}
