import { CostReportError } from '../errors';

/**
 * Environment variables the scheduled report's Lambda handler reads; `CostReportSchedule` sets them.
 */
export const SCHEDULED_REPORT_ENV = {
  /** Name of the bucket the reports and the cache go to. */
  bucket: 'MLOPS_COST_REPORT_BUCKET',
  /** ARN of the SNS topic the Markdown summary is published to. */
  topicArn: 'MLOPS_COST_REPORT_TOPIC_ARN',
  /** Tag key to group by. */
  tagKey: 'MLOPS_COST_REPORT_TAG_KEY',
  /** Full calendar months before the current one. */
  monthsOfHistory: 'MLOPS_COST_REPORT_MONTHS',
  /** Cost Explorer metric. */
  metric: 'MLOPS_COST_REPORT_METRIC',
  /** Account ID that keys the cache of closed months. */
  account: 'MLOPS_COST_REPORT_ACCOUNT',
} as const;

/** Key prefix of the reports: `reports/<run date>/`. */
export const REPORTS_PREFIX = 'reports/';
/** Key prefix of the cache of closed months. */
export const CACHE_PREFIX = 'cache/';

/**
 * Most full months a run may cover: with daily granularity Cost Explorer serves the last 14 months, that is 13
 * full months and the current one.
 *
 * @see https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
 */
export const MAX_MONTHS_OF_HISTORY = 13;

/** A run's range of days. */
export interface ReportWindow {
  /** First day, inclusive. */
  readonly start: string;
  /** Last day, exclusive: the run date (today's spend is not in yet). */
  readonly end: string;
}

/**
 * The days a run covers: the `monthsOfHistory` full months before the month of `today`, then the month to date
 * (up to yesterday). On the 1st of a month the month to date is empty and the window ends with the last full month.
 *
 * @param today the run date, `YYYY-MM-DD` (UTC)
 * @param monthsOfHistory full months before the current one, 1 to {@link MAX_MONTHS_OF_HISTORY}
 */
export function reportWindow(today: string, monthsOfHistory: number): ReportWindow {
  checkMonths(monthsOfHistory, 'monthsOfHistory');
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7)) - 1;
  const first = new Date(Date.UTC(year, month - monthsOfHistory, 1));
  return { start: first.toISOString().slice(0, 10), end: today };
}

/** Throws unless `months` is a whole number from 1 to {@link MAX_MONTHS_OF_HISTORY}. */
export function checkMonths(months: number, name: string): void {
  if (!Number.isInteger(months) || months < 1 || months > MAX_MONTHS_OF_HISTORY) {
    throw new CostReportError('bad-option',
      `${name} (${months}) must be a whole number of months from 1 to ${MAX_MONTHS_OF_HISTORY} (Cost Explorer keeps 14 months of daily data)`);
  }
}
