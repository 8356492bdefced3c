import { MlopsStackError } from '../../errors';
import { isDay } from '../dates';
import type { TeamProjection } from '../model';
import type { CostRowSource } from '../rows';
import { buildSeries, dayFromIndex, dayIndex, daysInMonth, medianUnits } from './private/series';

/** Same-weekday values the expected spend of each remaining day of the month is the median of. */
const PROJECTION_WEEKS = 4;

/**
 * Month-to-date spend and a month-end projection per team (the untagged row included).
 *
 * The month is the month of `asOfDay`. Month-to-date is the exact sum of the rows from the first of the
 * month to `asOfDay`; by default that is the last complete day, so the provisional (usually partial) days
 * after it are projected like the rest of the month instead of counted at their partial value. Each remaining day of the
 * month is projected as the median of the same weekday over the last 4 weeks up to `asOfDay`, so a month
 * that ends on a weekend is not projected at weekday rates. The baseline is the spend of the same number of
 * days just before the month, to compare the projection with.
 *
 * @param rows one currency; any order.
 * @param asOfDay last day counted, `YYYY-MM-DD`.
 * @default asOfDay - the last day of the data that is not `Estimated` (the last day of the data if every day is)
 * @returns one projection per team with spend in the month or its baseline, ordered by team.
 */
export function projectMonthEnd(rows: CostRowSource, asOfDay?: string): TeamProjection[] {
  const set = buildSeries(rows);
  if (set.length === 0) {
    return [];
  }
  let asOf: number;
  if (asOfDay === undefined) {
    const lastComplete = set.estimated.lastIndexOf(false);
    asOf = lastComplete >= 0 ? lastComplete : set.length - 1;
  } else {
    if (!isDay(asOfDay)) {
      throw new MlopsStackError(`asOfDay ("${asOfDay}") must be a calendar day written YYYY-MM-DD, e.g. 2026-03-14`);
    }
    asOf = dayIndex(asOfDay) - set.start;
    if (asOf < 0 || asOf >= set.length) {
      throw new MlopsStackError(`asOfDay (${asOfDay}) must be within the data, ${dayFromIndex(set.start)} to ${dayFromIndex(set.start + set.length - 1)}; pass a day inside that range or omit it to use the last complete day`);
    }
  }
  const asOfText = dayFromIndex(set.start + asOf);
  const monthLength = daysInMonth(asOfText);
  const dayOfMonth = Number(asOfText.slice(8, 10));
  const monthStart = asOf - dayOfMonth + 1;
  const provisionalDaysLeftOut: string[] = [];
  for (let t = asOf + 1; t < Math.min(set.length, monthStart + monthLength); t++) {
    if (set.estimated[t]) provisionalDaysLeftOut.push(dayFromIndex(set.start + t));
  }
  const out: TeamProjection[] = [];
  for (const series of [...set.teams.values()].sort((a, b) => a.team.localeCompare(b.team))) {
    const value = (t: number) => (t >= 0 && t < set.length ? series.totals[t] : 0n);
    let monthToDate = 0n;
    for (let t = Math.max(0, monthStart); t <= asOf; t++) {
      monthToDate += value(t);
    }
    let remaining = 0n;
    for (let d = dayOfMonth + 1; d <= monthLength; d++) {
      const t = monthStart + d - 1;
      // Same weekday as day t, at or before asOfDay, from the most recent week back.
      const first = asOf - ((((asOf - t) % 7) + 7) % 7);
      const history: bigint[] = [];
      for (let k = 0; k < PROJECTION_WEEKS; k++) {
        const j = first - 7 * k;
        if (j >= series.firstActive && j >= 0) {
          history.push(value(j));
        }
      }
      remaining += history.length > 0 ? medianUnits(history) : 0n;
    }
    let baseline = 0n;
    for (let t = monthStart - monthLength; t < monthStart; t++) {
      baseline += value(t);
    }
    if (monthToDate === 0n && baseline === 0n && remaining === 0n) {
      continue;
    }
    out.push({
      team: series.team,
      month: asOfText.slice(0, 7),
      monthToDate: { units: monthToDate },
      projectedMonth: { units: monthToDate + remaining },
      baselineMonth: { units: baseline },
      asOfDay: asOfText,
      provisionalDaysLeftOut,
    });
  }
  return out;
}
