import type { GetAnomaliesResponse } from '@aws-sdk/client-cost-explorer';
import { MlopsStackError } from '../../errors';
import { amountFromNumber } from '../amount';
import { isDay } from '../dates';
import type { Anomaly, AwsAnomalyFinding } from '../model';

/**
 * Options of {@link fromCostAnomalyDetection}.
 */
export interface AwsFindingOptions {
  /**
   * Team watched by each monitor, by monitor ARN: with one custom monitor per team (filtered on the team tag),
   * its findings are compared with that team's anomalies.
   *
   * @default - no team: findings are matched on the services of their root causes
   * @see https://docs.aws.amazon.com/cost-management/latest/userguide/getting-started-ad.html
   */
  readonly monitorTeams?: Readonly<Record<string, string>>;
}

/**
 * AWS Cost Anomaly Detection findings (one or more `GetAnomalies` pages, as the SDK returns them) in the
 * report's terms, to show next to the report's own anomalies. A pure function: fetching the pages, with their
 * `NextPageToken`, is the caller's.
 *
 * @throws when a finding lacks its id or start day, or a day is not a date: a half-read finding would be
 *   compared wrongly.
 * @see https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetAnomalies.html
 */
export function fromCostAnomalyDetection(
  responses: GetAnomaliesResponse | readonly GetAnomaliesResponse[],
  options: AwsFindingOptions = {},
): AwsAnomalyFinding[] {
  const pages = Array.isArray(responses) ? responses as readonly GetAnomaliesResponse[] : [responses as GetAnomaliesResponse];
  const problems: string[] = [];
  const out: AwsAnomalyFinding[] = [];
  pages.forEach((page, p) => (page.Anomalies ?? []).forEach((a, i) => {
    const where = `GetAnomalies page ${p + 1}, Anomalies[${i}]`;
    const start = day(a.AnomalyStartDate);
    const end = a.AnomalyEndDate === undefined ? start : day(a.AnomalyEndDate);
    if (!a.AnomalyId) problems.push(`${where}: AnomalyId is missing`);
    if (!start) problems.push(`${where}: AnomalyStartDate (${JSON.stringify(a.AnomalyStartDate)}) must be a date, YYYY-MM-DD or an ISO timestamp`);
    if (a.AnomalyEndDate !== undefined && !end) problems.push(`${where}: AnomalyEndDate (${JSON.stringify(a.AnomalyEndDate)}) must be a date`);
    if (!a.AnomalyId || !start || !end) {
      return;
    }
    const team = a.MonitorArn ? options.monitorTeams?.[a.MonitorArn] : undefined;
    out.push({
      id: a.AnomalyId,
      start,
      end,
      ongoing: a.AnomalyEndDate === undefined,
      ...(team !== undefined ? { team } : {}),
      ...(a.DimensionValue ? { dimension: a.DimensionValue } : {}),
      ...(a.MonitorArn ? { monitorArn: a.MonitorArn } : {}),
      impact: amountFromNumber(a.Impact?.TotalImpact ?? a.Impact?.MaxImpact ?? 0),
      ...(a.Impact?.TotalImpactPercentage !== undefined ? { impactPercent: a.Impact.TotalImpactPercentage } : {}),
      maxScore: a.AnomalyScore?.MaxScore ?? 0,
      rootCauses: [...(a.RootCauses ?? [])]
        .sort((x, y) => (y.Impact?.Contribution ?? 0) - (x.Impact?.Contribution ?? 0))
        .map(c => ({
          ...(c.Service ? { service: c.Service } : {}),
          ...(c.Region ? { region: c.Region } : {}),
          ...(c.LinkedAccount ? { account: c.LinkedAccount } : {}),
          ...(c.UsageType ? { usageType: c.UsageType } : {}),
          ...(c.Impact?.Contribution !== undefined ? { impact: amountFromNumber(c.Impact.Contribution) } : {}),
        })),
    });
  }));
  if (problems.length > 0) {
    throw new MlopsStackError(`AWS Cost Anomaly Detection findings cannot be read:\n  - ${problems.join('\n  - ')}`);
  }
  return out.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
}

/**
 * One line of the side-by-side comparison: a report anomaly, an AWS finding, or both when they agree.
 */
export interface AnomalyComparison {
  /** The report's anomaly, when it has one here. */
  readonly ours?: Anomaly;
  /** The AWS finding, when AWS has one here. */
  readonly aws?: AwsAnomalyFinding;
}

/**
 * Pair the report's anomalies with AWS findings. They agree when their days overlap and either the finding's
 * team is the anomaly's team or, with no team known, one of the finding's root-cause services drives the
 * anomaly. Each is paired at most once (earliest first); the rest stand alone.
 */
export function compareWithAws(ours: readonly Anomaly[], aws: readonly AwsAnomalyFinding[]): AnomalyComparison[] {
  const used = new Set<AwsAnomalyFinding>();
  const out: AnomalyComparison[] = [];
  for (const a of ours) {
    const match = aws.find(f => !used.has(f) && f.start <= a.end && a.start <= f.end && (f.team !== undefined
      ? f.team === a.team
      : f.rootCauses.some(c => c.service !== undefined && a.drivers.some(d => d.service === c.service))));
    if (match) {
      used.add(match);
      out.push({ ours: a, aws: match });
    } else {
      out.push({ ours: a });
    }
  }
  for (const f of aws) {
    if (!used.has(f)) {
      out.push({ aws: f });
    }
  }
  return out.sort((x, y) => (x.ours ?? x.aws)!.start.localeCompare((y.ours ?? y.aws)!.start));
}

/** The day of a `YYYY-MM-DD` or ISO timestamp string, or undefined when it is neither. */
function day(text: string | undefined): string | undefined {
  const d = text?.slice(0, 10);
  return d !== undefined && isDay(d) && (text!.length === 10 || text![10] === 'T') ? d : undefined;
}
