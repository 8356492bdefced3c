import { MlopsStackError } from '../../errors';

/**
 * Tuning of {@link detectAnomalies}. Every field has a default in {@link DEFAULT_ANOMALY_OPTIONS}; pass only
 * what you change. Money thresholds are in the report's currency.
 *
 * A day is flagged only when all three of the robust z-score, the dollar impact and the percentage impact
 * reach their thresholds: the z-score alone flags noise on tiny, steady teams, the impact alone flags normal
 * wobble on large teams.
 */
export interface AnomalyOptions {
  /**
   * Same-weekday values the expected spend of a day is the median of (the same weekday in each of the last N
   * weeks), so a Monday is compared with Mondays and weekend dips are not anomalies.
   *
   * @default 4
   */
  readonly baselineWeeks: number;

  /**
   * Warm-up: a day is scored only when at least this many of its `baselineWeeks` same-weekday values exist
   * (non-estimated, after the team's first spend).
   *
   * @default 3
   */
  readonly minBaselineWeeks: number;

  /**
   * Days of residuals (actual minus expected, before the scored day) the scale is the median absolute
   * deviation of.
   *
   * @see https://en.wikipedia.org/wiki/Median_absolute_deviation
   * @default 28
   */
  readonly scaleWindowDays: number;

  /**
   * Lower bound of the scale, in percent of the expected spend: a team whose spend barely moves would
   * otherwise get a near-zero scale and a huge score for a cent of change.
   *
   * @default 5
   */
  readonly scaleFloorPercent: number;

  /**
   * Lower bound of the scale, in currency units per day, for teams whose expected spend is near zero.
   *
   * @default 1
   */
  readonly scaleFloorAmount: number;

  /**
   * Robust z-score ((actual - expected) / scale, the scale being 1.4826 × MAD) a day must reach. Cost noise
   * is multiplicative, with a heavier upper tail than the normal distribution the usual 3 to 4 assume: on the
   * synthetic benchmark, 4 gave three times the false alerts of 4.5 for a recall gain under half a percent.
   *
   * @default 4.5
   */
  readonly minScore: number;

  /**
   * Robust z-score a day must keep to stay in an open incident (opened by a flagged day). Lower than
   * `minScore`, so that the weekend days of a level shift, whose excess is smaller, do not split one incident
   * into several alerts; above the noise, so that the day after a spike ends it.
   *
   * @default 2
   */
  readonly incidentMinScore: number;

  /**
   * Change-point rule: an incident still open after this many days is a confirmed level shift. It is reported
   * once (kind `level-shift`), and the team's baseline learns the new level at once instead of alerting again.
   * Seven days cover one of each weekday.
   *
   * @default 7
   */
  readonly levelShiftDays: number;

  /**
   * Excess over the expected spend a day must reach, in currency units.
   *
   * @default 50
   */
  readonly minImpactAmount: number;

  /**
   * Excess over the expected spend a day must reach, in percent of the expected spend.
   *
   * @default 20
   */
  readonly minImpactPercent: number;

  /**
   * A team whose first spend comes after the first day of the data is new: its ramp-up is growth, not an
   * anomaly, so none of its days are flagged for this many days after its first spend. (The warm-up alone
   * ends about four weeks after the first spend, while ramp-ups often run longer.)
   *
   * @default 42
   */
  readonly newTeamSuppressionDays: number;

  /**
   * Services listed as the drivers of an anomaly, largest share of the impact first.
   *
   * @default 3
   */
  readonly maxDrivers: number;

  /**
   * Run the drift check: each month's spend (to date) against the same weekdays of a trailing baseline, for
   * creep the daily rule absorbs because its baseline moves with it.
   *
   * @default true
   */
  readonly drift: boolean;

  /**
   * Days before the month the drift baseline covers (whole weeks keep the weekday mix even).
   *
   * @default 56
   */
  readonly driftBaselineDays: number;

  /**
   * Days of a month (non-estimated) needed before it is checked for drift.
   *
   * @default 7
   */
  readonly driftMinDays: number;

  /**
   * Excess of the month over its baseline, in percent, for a drift anomaly.
   *
   * @default 15
   */
  readonly driftMinPercent: number;

  /**
   * Excess of the month over its baseline, in currency units, for a drift anomaly.
   *
   * @default 500
   */
  readonly driftMinImpactAmount: number;
}

/** The defaults of {@link AnomalyOptions}, documented field by field there. */
export const DEFAULT_ANOMALY_OPTIONS: AnomalyOptions = Object.freeze({
  baselineWeeks: 4,
  minBaselineWeeks: 3,
  scaleWindowDays: 28,
  scaleFloorPercent: 5,
  scaleFloorAmount: 1,
  minScore: 4.5,
  incidentMinScore: 2,
  levelShiftDays: 7,
  minImpactAmount: 50,
  minImpactPercent: 20,
  newTeamSuppressionDays: 42,
  maxDrivers: 3,
  drift: true,
  driftBaselineDays: 56,
  driftMinDays: 7,
  driftMinPercent: 15,
  driftMinImpactAmount: 500,
});

const INTEGER_AT_LEAST_ONE: readonly (keyof AnomalyOptions)[] = [
  'baselineWeeks', 'minBaselineWeeks', 'scaleWindowDays', 'maxDrivers', 'driftBaselineDays', 'driftMinDays', 'levelShiftDays',
];
const NON_NEGATIVE: readonly (keyof AnomalyOptions)[] = [
  'scaleFloorPercent', 'minScore', 'incidentMinScore', 'minImpactAmount', 'minImpactPercent', 'driftMinPercent', 'driftMinImpactAmount',
];

/**
 * Merge options over the defaults and check them; every problem is reported in one error.
 */
export function resolveAnomalyOptions(options: Partial<AnomalyOptions> = {}): AnomalyOptions {
  const merged: AnomalyOptions = { ...DEFAULT_ANOMALY_OPTIONS, ...stripUndefined(options) };
  const problems: string[] = [];
  for (const key of INTEGER_AT_LEAST_ONE) {
    const v = merged[key] as number;
    if (!Number.isInteger(v) || v < 1) {
      problems.push(`${key} (${v}) must be a whole number of at least 1; default ${DEFAULT_ANOMALY_OPTIONS[key]}`);
    }
  }
  for (const key of NON_NEGATIVE) {
    const v = merged[key] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      problems.push(`${key} (${v}) must be a finite number of at least 0; default ${DEFAULT_ANOMALY_OPTIONS[key]}`);
    }
  }
  if (typeof merged.scaleFloorAmount !== 'number' || !Number.isFinite(merged.scaleFloorAmount) || merged.scaleFloorAmount <= 0) {
    problems.push(`scaleFloorAmount (${merged.scaleFloorAmount}) must be a finite number above 0, or every steady team divides by zero; default ${DEFAULT_ANOMALY_OPTIONS.scaleFloorAmount}`);
  }
  if (!Number.isInteger(merged.newTeamSuppressionDays) || merged.newTeamSuppressionDays < 0) {
    problems.push(`newTeamSuppressionDays (${merged.newTeamSuppressionDays}) must be a whole number of at least 0; default ${DEFAULT_ANOMALY_OPTIONS.newTeamSuppressionDays}`);
  }
  if (Number.isInteger(merged.minBaselineWeeks) && Number.isInteger(merged.baselineWeeks) && merged.minBaselineWeeks > merged.baselineWeeks) {
    problems.push(`minBaselineWeeks (${merged.minBaselineWeeks}) must not exceed baselineWeeks (${merged.baselineWeeks}); raise baselineWeeks or lower minBaselineWeeks`);
  }
  if (problems.length > 0) {
    throw new MlopsStackError(problems.length === 1
      ? `anomaly options: ${problems[0]}`
      : `anomaly options have ${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
  }
  return merged;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
