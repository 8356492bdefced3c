import { amountToNumber } from '../amount';
import { UNTAGGED, type Amount, type Anomaly } from '../model';
import type { CostRowSource } from '../rows';
import { type AnomalyOptions, resolveAnomalyOptions } from './options';
import { ResidualWindow, robustScale } from './private/robust-scale';
import {
  buildSeries, dayFromIndex, type SeriesSet, type TeamSeries, median, medianUnits, medianUnitsInPlace, weekday,
} from './private/series';


/** Smallest share of an anomaly's impact a service must carry to be named as a driver. */
const DRIVER_MIN_SHARE = 0.1;

/** Fewest residuals a scale is estimated from: one week, so every weekday contributes. */
const MIN_RESIDUALS = 7;

/**
 * Flag unusual spend per team.
 *
 * **Daily rule.** For each team and day, in order, the expected spend is the median of the same weekday over
 * the last `baselineWeeks` weeks; the scale is 1.4826 × the median absolute deviation of the team's residuals
 * (actual minus expected) over the previous `scaleWindowDays` days, floored at `scaleFloorPercent` of the
 * expected spend and at `scaleFloorAmount`. A day is flagged when its robust z-score reaches `minScore` **and**
 * its excess reaches `minImpactAmount` **and** `minImpactPercent`. Only increases are flagged: a drop in spend
 * is not a cost risk (a tag lost shows up as a rise of the untagged row, which is flagged like any team).
 *
 * **One incident, one alert.** A flagged day opens an incident; each following day whose z-score stays at or
 * above `incidentMinScore` joins it (a weekend dip that stays elevated does not split it), and the first day
 * below ends it. Days of an incident are left out of every later baseline and scale, so a spike does not
 * inflate the noise scale and hide the next one. **Change point:** an incident still open after
 * `levelShiftDays` days is a confirmed level shift: it ends there as one `level-shift` anomaly, and the team's
 * new level is learned at once: every earlier day of its baseline is rescaled by the median ratio of actual to
 * expected spend over the incident (and the incident's days rejoin the baseline as they are), so a later
 * spike on the new level, even one within the new level's first weeks, is still found, and the shift raises
 * no further alert. An incident that ends sooner is a `daily` anomaly. Each anomaly carries its total impact
 * and the services that drove it: each service's own excess over its same-weekday median on those days,
 * largest first, naming only services that carry at least a tenth of the impact (at most `maxDrivers`).
 *
 * **What is never flagged.** Days marked `Estimated` (also left out of every baseline); days before a team
 * has `minBaselineWeeks` same-weekday values (warm-up); the first `newTeamSuppressionDays` days of a team
 * whose first spend comes after the first day of the data.
 *
 * **Drift check** (`drift`, on by default). Each month of the data, from its first day to its last
 * (non-estimated) day, is compared with the per-weekday median of the `driftBaselineDays` before it. Months
 * whose baseline or own days hold an incident of the team are skipped: that change is already reported. A
 * month is a `drift` anomaly when its excess reaches `driftMinPercent` and `driftMinImpactAmount` and its
 * z-score (excess over scale × √days) reaches `minScore`.
 *
 * @param rows one currency; any order. Days with no row for a team count as zero spend.
 * @param options changes to {@link DEFAULT_ANOMALY_OPTIONS}.
 * @returns anomalies ordered by start day, then team.
 * @see https://en.wikipedia.org/wiki/Median_absolute_deviation
 * @see https://en.wikipedia.org/wiki/Change_detection
 */
export function detectAnomalies(rows: CostRowSource, options: Partial<AnomalyOptions> = {}): Anomaly[] {
  const opts = resolveAnomalyOptions(options);
  const set = buildSeries(rows);
  const dayNames = Array.from({ length: set.length }, (_, t) => dayFromIndex(set.start + t));
  const anomalies: Anomaly[] = [];
  for (const series of set.teams.values()) {
    const scored = scoreDays(series, opts);
    anomalies.push(...incidentAnomalies(series, set.start, scored, opts));
    if (opts.drift) {
      anomalies.push(...detectDrift(set, dayNames, series, scored.flagged, opts));
    }
  }
  return anomalies
    .map(a => (a.team === UNTAGGED ? withTagLoss(a, set, opts) : a))
    .sort((a, b) => a.start.localeCompare(b.start) || a.team.localeCompare(b.team) || a.kind.localeCompare(b.kind));
}

/** A team's drop must be within this factor of the untagged rise (either way) to be called the same spend. */
const TAG_LOSS_MATCH = 1.5;

/**
 * Tag loss: for a rise of the untagged row, the team whose spend on the same service fell over the same days
 * by a similar amount (between 1/1.5 and 1.5 times the rise, and at least `minImpactAmount`), each against its
 * same-weekday median. That pattern is a resource that lost its team tag, not new spend.
 */
function withTagLoss(a: Anomaly, set: SeriesSet, opts: AnomalyOptions): Anomaly {
  const from = dayIndexOf(a.start) - set.start;
  const to = dayIndexOf(a.end) - set.start;
  let best: { team: string; service: string; drop: bigint; rise: bigint } | undefined;
  for (const driver of a.drivers) {
    const rise = Number(driver.impact.units);
    for (const series of set.teams.values()) {
      const values = series.team === UNTAGGED ? undefined : series.services.get(driver.service);
      if (!values) continue;
      let drop = 0n;
      for (let t = from; t <= to; t++) {
        if (series.estimated[t]) continue;
        const past = sameWeekdayBaseline(values, series.estimated, series.firstActive, t, opts.baselineWeeks);
        if (past.length > 0) drop += medianUnits(past) - values[t];
      }
      const d = Number(drop);
      if (d > 0 && d * TAG_LOSS_MATCH >= rise && d <= rise * TAG_LOSS_MATCH
        && amountToNumber({ units: drop }) >= opts.minImpactAmount && (!best || drop > best.drop)) {
        best = { team: series.team, service: driver.service, drop, rise: driver.impact.units };
      }
    }
  }
  if (!best) {
    return a;
  }
  return { ...a, tagLoss: { fromTeam: best.team, service: best.service, teamDrop: { units: best.drop }, untaggedRise: { units: best.rise } } };
}

function dayIndexOf(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
}

/** One incident of a team: consecutive elevated days opened by a flagged one. */
interface Incident {
  /** Day offsets, ascending and consecutive except for estimated days. */
  readonly days: number[];
  /** Whether it lasted `levelShiftDays` and the new level was learned. */
  levelShift: boolean;
}

interface ScoredDays {
  /** Expected spend per day (units), where the warm-up allows one. */
  readonly expected: (bigint | undefined)[];
  readonly score: number[];
  /** Days that belong to an incident. */
  readonly flagged: boolean[];
  readonly incidents: readonly Incident[];
}

/** Fixed-point factor of a rescaled baseline value: six decimal places of the ratio. */
const RATIO_SCALE = 1_000_000;

function scoreDays(series: TeamSeries, opts: AnomalyOptions): ScoredDays {
  const n = series.totals.length;
  const values = series.totals;
  const estimated = series.estimated;
  // Each day's value on the team's current level: the raw value until a level shift rescales it.
  const level = values.slice();
  // Days left out of baselines and scales: those of an incident not (yet) confirmed as a new level.
  const excluded = new Uint8Array(n);
  const expected = new Array<bigint | undefined>(n).fill(undefined);
  // Residuals in a float column beside a has-residual flag: in an array of `number | undefined` every value
  // would be a heap number of its own.
  const residual = new Float64Array(n);
  const hasResidual = new Uint8Array(n);
  const score = new Array<number>(n).fill(0);
  const flagged = new Array<boolean>(n).fill(false);
  const incidents: Incident[] = [];
  const isNew = series.firstActive > 0;
  const minResiduals = Math.min(MIN_RESIDUALS, opts.scaleWindowDays);
  // Reused for every day: the baseline's values.
  const history = new Array<bigint>(opts.baselineWeeks).fill(0n);
  // The residuals of the last scaleWindowDays days, kept as days enter and leave: those of days in [lo, hi).
  // A day of an incident has no residual, so no excluded day is ever in it.
  const window = new ResidualWindow(opts.scaleWindowDays);
  let lo = 0;
  let hi = 0;
  // A learned level rescales past residuals: the window is then filled again.
  let stale = false;
  let open: Incident | undefined;
  // Index into open.days of the first day not yet learned as a new level.
  let unlearned = 0;

  // The new level is the old one scaled (a step proportional to each weekday's spend) or shifted (the same
  // step every day), whichever fits the incident's days better (smaller mean absolute miss: one weekend badly
  // missed matters, which a median would ignore).
  const learnNewLevel = (days: readonly number[]) => {
    const actual = days.map(t => amountToNumber({ units: values[t] }));
    const before = days.map(t => amountToNumber({ units: expected[t]! }));
    const step = median(actual.map((v, k) => v - before[k]));
    const additiveMiss = mean(actual.map((v, k) => Math.abs(v - before[k] - step)));
    const scalable = before.every(e => e > 0);
    const ratio = scalable ? median(actual.map((v, k) => v / before[k])) : NaN;
    const scaledMiss = scalable ? mean(actual.map((v, k) => Math.abs(v - before[k] * ratio))) : Infinity;
    const first = days[0];
    if (scaledMiss <= additiveMiss) {
      const fixed = BigInt(Math.round(ratio * RATIO_SCALE));
      for (let j = 0; j < first; j++) {
        level[j] = (level[j] * fixed) / BigInt(RATIO_SCALE);
        if (hasResidual[j] === 1) residual[j] = residual[j] * ratio;
      }
      stale = true;
    } else {
      const units = parseUnits(step);
      for (let j = 0; j < first; j++) level[j] += units;
    }
    for (const t of days) excluded[t] = 0;
  };

  for (let i = 0; i < n; i++) {
    if (estimated[i]) {
      continue;
    }
    const found = baseline(history, level, estimated, excluded, series.firstActive, i, opts.baselineWeeks);
    if (found < opts.minBaselineWeeks) {
      continue;
    }
    const exp = medianUnitsInPlace(history, found);
    expected[i] = exp;
    const impact = amountToNumber({ units: values[i] - exp });
    const suppressed = isNew && i - series.firstActive < opts.newTeamSuppressionDays;
    const from = Math.max(0, i - opts.scaleWindowDays);
    if (stale) {
      window.clear();
      lo = hi = from;
      stale = false;
    }
    // Days leave before days enter, so the window never holds more than scaleWindowDays residuals.
    for (; lo < from; lo++) {
      if (lo < hi && hasResidual[lo] === 1) window.remove(residual[lo]);
    }
    for (hi = Math.max(hi, from); hi < i; hi++) {
      if (hasResidual[hi] === 1) window.add(residual[hi]);
    }
    if (suppressed || window.length < minResiduals) {
      residual[i] = impact;
      hasResidual[i] = 1;
      continue;
    }
    const expectedNumber = amountToNumber({ units: exp });
    const scale = window.robustScale(expectedNumber, opts);
    score[i] = impact / scale;
    const percent = (100 * impact) / Math.max(expectedNumber, opts.scaleFloorAmount);
    const alarming = score[i] >= opts.minScore && impact >= opts.minImpactAmount && percent >= opts.minImpactPercent;
    if (open && (alarming || score[i] >= opts.incidentMinScore)) {
      // Still elevated: the same incident. After a learned shift, a day still above the learned level means
      // the level was underestimated: it stays in the baseline and, a further levelShiftDays on, is learned too.
      open.days.push(i);
      flagged[i] = true;
      excluded[i] = 1;
      if (i - open.days[Math.min(unlearned, open.days.length - 1)] + 1 >= opts.levelShiftDays) {
        open.levelShift = true;
        learnNewLevel(open.days.slice(unlearned));
        unlearned = open.days.length;
      }
      continue;
    }
    open = undefined;
    if (alarming) {
      open = { days: [i], levelShift: false };
      unlearned = 0;
      incidents.push(open);
      excluded[i] = 1;
      flagged[i] = true;
      if (opts.levelShiftDays <= 1) {
        open.levelShift = true;
        learnNewLevel(open.days);
        unlearned = 1;
      }
      continue;
    }
    residual[i] = impact;
    hasResidual[i] = 1;
  }
  return { expected, score, flagged, incidents };
}

/**
 * Writes into `out` the same-weekday values of the last `weeks` weeks before day `i`, from the team's first
 * spend, skipping estimated days and days of an incident (reaching further back, up to twice as many weeks, so
 * a skipped day does not shrink the baseline); returns how many.
 */
function baseline(
  out: bigint[], values: readonly bigint[], estimated: readonly boolean[], excluded: Uint8Array, first: number, i: number, weeks: number,
): number {
  let found = 0;
  for (let k = 1; k <= 2 * weeks && found < weeks; k++) {
    const j = i - 7 * k;
    if (j < first) {
      break;
    }
    if (!estimated[j] && excluded[j] === 0) {
      out[found++] = values[j];
    }
  }
  return found;
}

/** Median of the same weekday over the last `weeks` weeks, from the team's first spend, skipping estimated days. */
function sameWeekdayBaseline(values: readonly bigint[], estimated: readonly boolean[], first: number, i: number, weeks: number): bigint[] {
  const out: bigint[] = [];
  for (let k = 1; k <= weeks; k++) {
    const j = i - 7 * k;
    if (j < first) {
      break;
    }
    if (!estimated[j]) {
      out.push(values[j]);
    }
  }
  return out;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function parseUnits(n: number): bigint {
  return BigInt(Math.round(n * 1e10));
}

function incidentAnomalies(series: TeamSeries, axisStart: number, scored: ScoredDays, opts: AnomalyOptions): Anomaly[] {
  return scored.incidents.map(incident => {
    let actual = 0n;
    let expected = 0n;
    let maxScore = 0;
    for (const t of incident.days) {
      actual += series.totals[t];
      expected += scored.expected[t]!;
      maxScore = Math.max(maxScore, scored.score[t]);
    }
    const drivers = serviceImpacts(series, incident.days, t => sameWeekdayBaseline(
      series.services.get(t.service)!, series.estimated, series.firstActive, t.day, opts.baselineWeeks));
    const from = incident.days[0];
    const to = incident.days[incident.days.length - 1];
    return anomaly(series, axisStart, from, to, actual - expected, expected, maxScore, drivers, incident.levelShift ? 'level-shift' : 'daily', opts);
  });
}

/** Each service's excess over its own expectation on the given days, exact. */
function serviceImpacts(
  series: TeamSeries,
  days: readonly number[],
  history: (at: { service: string; day: number }) => bigint[],
): { service: string; impact: bigint }[] {
  const out: { service: string; impact: bigint }[] = [];
  for (const [service, values] of series.services) {
    let impact = 0n;
    for (const day of days) {
      const past = history({ service, day });
      impact += values[day] - (past.length > 0 ? medianUnits(past) : 0n);
    }
    out.push({ service, impact });
  }
  return out;
}

function anomaly(
  series: TeamSeries, start: number, from: number, to: number, impact: bigint, expected: bigint, maxScore: number,
  services: { service: string; impact: bigint }[], kind: Anomaly['kind'], opts: AnomalyOptions,
): Anomaly {
  const impactAmount: Amount = { units: impact };
  // An expectation of zero (a row that had no spend) would make the percentage infinite, which no output
  // format can carry; the scale floor is the smallest expectation the rule believes in.
  const base = Math.max(amountToNumber({ units: expected }), opts.scaleFloorAmount * (to - from + 1));
  return {
    team: series.team,
    start: dayFromIndex(start + from),
    end: dayFromIndex(start + to),
    impact: impactAmount,
    impactPercent: (100 * amountToNumber(impactAmount)) / base,
    maxScore,
    drivers: services
      // A service that rose by a sliver of the impact is noise, not a cause worth naming.
      .filter(s => s.impact > 0n && s.impact * BigInt(Math.round(1 / DRIVER_MIN_SHARE)) >= impact)
      .sort((a, b) => (a.impact < b.impact ? 1 : a.impact > b.impact ? -1 : a.service.localeCompare(b.service)))
      .slice(0, opts.maxDrivers)
      .map(s => ({ service: s.service, impact: { units: s.impact } })),
    kind,
  };
}

function detectDrift(
  set: SeriesSet, dayNames: readonly string[], series: TeamSeries, flaggedDaily: readonly boolean[], opts: AnomalyOptions,
): Anomaly[] {
  const out: Anomaly[] = [];
  const n = set.length;
  for (let ms = 0; ms < n; ms++) {
    const day = dayNames[ms];
    if (!day.endsWith('-01')) {
      continue;
    }
    const baseFrom = ms - opts.driftBaselineDays;
    if (baseFrom < 0 || baseFrom < series.firstActive) {
      continue;
    }
    if (series.firstActive > 0 && ms - series.firstActive < opts.newTeamSuppressionDays) {
      continue;
    }
    const month = day.slice(0, 7);

    const monthDays: number[] = [];
    let last = ms;
    for (let t = ms; t < n && dayNames[t].startsWith(month); t++) {
      if (!series.estimated[t]) {
        monthDays.push(t);
        last = t;
      }
    }
    // A step the daily rule has already reported would be reported again, as drift, every month until the
    // trailing baseline catches up with it.
    const nextFlagged = flaggedDaily.indexOf(true, baseFrom);
    if (monthDays.length < opts.driftMinDays || (nextFlagged !== -1 && nextFlagged <= last)) {
      continue;
    }
    const weekdayMedian = weekdayMedians(series.totals, series.estimated, set.start, baseFrom, ms);
    const residuals: number[] = [];
    for (let t = baseFrom; t < ms; t++) {
      const m = weekdayMedian[weekday(set.start + t)];
      if (!series.estimated[t] && m !== undefined) {
        residuals.push(amountToNumber({ units: series.totals[t] - m }));
      }
    }
    const counted = monthDays.filter(t => weekdayMedian[weekday(set.start + t)] !== undefined);
    if (counted.length < opts.driftMinDays || residuals.length < MIN_RESIDUALS) {
      continue;
    }
    let actual = 0n;
    let expected = 0n;
    for (const t of counted) {
      actual += series.totals[t];
      expected += weekdayMedian[weekday(set.start + t)]!;
    }
    const excess = amountToNumber({ units: actual - expected });
    const expectedNumber = amountToNumber({ units: expected });
    const scale = robustScale(residuals, expectedNumber / counted.length, opts);
    const score = excess / (scale * Math.sqrt(counted.length));
    const percent = (100 * excess) / Math.max(expectedNumber, opts.scaleFloorAmount * counted.length);
    if (score >= opts.minScore && excess >= opts.driftMinImpactAmount && percent >= opts.driftMinPercent) {
      const serviceMedians = new Map<string, (bigint | undefined)[]>();
      for (const [service, values] of series.services) {
        serviceMedians.set(service, weekdayMedians(values, series.estimated, set.start, baseFrom, ms));
      }
      const drivers = serviceImpacts(series, counted, ({ service, day: t }) => {
        const m = serviceMedians.get(service)![weekday(set.start + t)];
        return m === undefined ? [] : [m];
      });
      out.push(anomaly(series, set.start, ms, last, actual - expected, expected, score, drivers, 'drift', opts));
    }
  }
  return out;
}

/** Per weekday (0 = Sunday), the median of a series over [from, to), skipping estimated days; `undefined` for none. */
function weekdayMedians(values: readonly bigint[], estimated: readonly boolean[], start: number, from: number, to: number): (bigint | undefined)[] {
  const byWeekday: bigint[][] = [[], [], [], [], [], [], []];
  for (let t = from; t < to; t++) {
    if (!estimated[t]) {
      byWeekday[weekday(start + t)].push(values[t]);
    }
  }
  return byWeekday.map(list => (list.length > 0 ? medianUnits(list) : undefined));
}
