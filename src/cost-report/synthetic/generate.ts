import { MlopsStackError } from '../../errors';
import { amountFromNumber } from '../amount';
import { dayFromIndex, dayIndex } from '../anomaly/private/series';
import { type CostRow, UNTAGGED } from '../model';
import { Random } from './private/random';

/** What a planted anomaly is. */
export type SyntheticEventKind = 'spike' | 'level-shift' | 'tag-loss' | 'drift';

/**
 * One planted anomaly: the team and days a correct detector should flag.
 */
export interface SyntheticLabel {
  /** The team whose spend rises: for `tag-loss`, {@link UNTAGGED}. */
  readonly team: string;
  readonly kind: SyntheticEventKind;
  /** The service the event is planted in (`drift` raises every service; the largest is named). */
  readonly service: string;
  /** First day, `YYYY-MM-DD`. */
  readonly start: string;
  /**
   * Last day, inclusive, of the window in which flagging it is right: the spike's days; the first two weeks of
   * a level shift or tag loss (before the same-weekday baseline has absorbed it); for drift, from the start of
   * the ramp to the end of the month after it.
   */
  readonly end: string;
}

/**
 * Shape of a generated series. Every field has a default; pass only what you change.
 */
export interface SyntheticOptions {
  /**
   * Seed: the same seed gives the same rows and labels everywhere.
   *
   * @default 1
   */
  readonly seed: number;

  /**
   * First day, `YYYY-MM-DD`.
   *
   * @default '2025-01-01'
   */
  readonly startDay: string;

  /**
   * Number of days.
   *
   * @default 365
   */
  readonly days: number;

  /**
   * Number of teams (the untagged row comes on top).
   *
   * @default 12
   */
  readonly teams: number;

  /**
   * Team names, in order; teams beyond the list are named `team-13`, `team-14`, ...
   *
   * @default - a dozen ML team names (`fraud`, `recsys`, `search`, ...)
   */
  readonly teamNames: readonly string[];

  /**
   * How many of the teams start spending part-way through (ramping up over two weeks, never labelled).
   *
   * @default 2
   */
  readonly newTeams: number;

  /**
   * Mean number of one- to three-day spikes per team over the whole series.
   *
   * @default 2
   */
  readonly spikesPerTeam: number;

  /**
   * Chance that a team gets a lasting step up in one service.
   *
   * @default 0.3
   */
  readonly levelShiftProbability: number;

  /**
   * Chance that a team's spend creeps up by a quarter to a half over three to five weeks.
   *
   * @default 0.2
   */
  readonly driftProbability: number;

  /**
   * Tag-loss events: a team's largest service loses its tag and its spend moves to the untagged row for good.
   *
   * @default 1
   */
  readonly tagLossEvents: number;

  /**
   * Day-to-day noise of each service, in percent (coefficient of variation, varied ±40% per service).
   *
   * @default 6
   */
  readonly noisePercent: number;

  /**
   * Last days marked `Estimated` (and partial, as Cost Explorer's latest days are).
   *
   * @default 2
   */
  readonly estimatedDays: number;

  /**
   * Untagged spend as a percentage of the tagged teams' spend.
   *
   * @default 4
   */
  readonly untaggedPercent: number;
}

/** The rows of a generated series and the truth about it. */
export interface SyntheticCosts {
  /** One row per day × team × service with spend, ordered by day, team, service. */
  readonly rows: CostRow[];
  /** Every planted anomaly, ordered by start day. */
  readonly labels: SyntheticLabel[];
  /** Team names, the untagged row excluded. */
  readonly teams: string[];
  /** Teams that start part-way through, with their first day. */
  readonly newTeams: { readonly team: string; readonly firstDay: string }[];
  /** First day, inclusive. */
  readonly start: string;
  /** Last day, exclusive. */
  readonly end: string;
}

/** Defaults of {@link SyntheticOptions}. */
export const DEFAULT_SYNTHETIC_OPTIONS: SyntheticOptions = Object.freeze({
  seed: 1,
  startDay: '2025-01-01',
  days: 365,
  teams: 12,
  teamNames: Object.freeze([
    'fraud', 'recsys', 'search', 'ml-platform', 'forecasting', 'vision',
    'nlp', 'ads-ranking', 'data-eng', 'personalization', 'risk', 'speech',
  ]),
  newTeams: 2,
  spikesPerTeam: 2,
  levelShiftProbability: 0.3,
  driftProbability: 0.2,
  tagLossEvents: 1,
  noisePercent: 6,
  estimatedDays: 2,
  untaggedPercent: 4,
});

/** Services as Cost Explorer names them; the first two carry most ML spend. */
const SERVICES = [
  'Amazon Elastic Compute Cloud - Compute',
  'Amazon SageMaker',
  'Amazon Simple Storage Service',
  'Amazon Elastic Container Service for Kubernetes',
  'EC2 - Other',
  'Amazon Relational Database Service',
  'Amazon DynamoDB',
  'AWS Glue',
  'Amazon Athena',
  'Amazon OpenSearch Service',
  'Amazon Bedrock',
  'Amazon CloudWatch',
  'Amazon Elastic File System',
];
const UNTAGGED_SERVICES = ['EC2 - Other', 'Amazon Simple Storage Service', 'Amazon Virtual Private Cloud', 'AWS Key Management Service'];

/** Days after a team's first spend before an event is planted: the detector's warm-up, with room to spare. */
const EVENT_WARMUP_DAYS = 49;
/** Extra quiet days for teams that start part-way (their ramp and suppression period). */
const NEW_TEAM_QUIET_DAYS = 63;
/** Gap between two events of one team, so each is judged against an undisturbed baseline. */
const EVENT_SPACING_DAYS = 42;
const NEW_TEAM_RAMP_DAYS = 14;

interface ServicePlan {
  readonly service: string;
  readonly weight: number;
  readonly noise: number;
  /** Added level (fraction of the team level) from a day on: level shifts. */
  readonly steps: { readonly from: number; readonly add: number }[];
  /** Extra spend (fraction of the team level) on given days: spikes. */
  readonly spikes: Map<number, number>;
  /** Day from which this service's spend is untagged. */
  untaggedFrom?: number;
}

interface TeamPlan {
  readonly team: string;
  readonly level: number;
  readonly first: number;
  readonly weekly: number[];
  readonly growthPerDay: number;
  readonly services: ServicePlan[];
  readonly events: number[];
  drift?: { readonly from: number; readonly days: number; readonly add: number };
}

/**
 * A deterministic, labelled synthetic cost series: per-team daily spend by service with a weekly pattern
 * (quieter weekends), a yearly trend, multiplicative noise, and planted events — spikes, lasting level shifts,
 * slow drift, new teams ramping up, and tag loss (spend moving from a team to the untagged row). The labels
 * say which team and days a detector should flag; new teams' ramps are deliberately unlabelled.
 *
 * Events are planted after a team's warm-up and at least six weeks apart, with impacts that are material at
 * the default thresholds of `detectAnomalies` (at least a few hundred percent of its noise and tens of
 * currency units), so precision and recall measure the rule rather than the planting.
 *
 * @param options changes to {@link DEFAULT_SYNTHETIC_OPTIONS}.
 */
export function generateCostSeries(options: Partial<SyntheticOptions> = {}): SyntheticCosts {
  const o: SyntheticOptions = { ...DEFAULT_SYNTHETIC_OPTIONS, ...options };
  const problems: string[] = [];
  if (!Number.isInteger(o.days) || o.days < 1) problems.push(`days (${o.days}) must be a whole number of at least 1`);
  if (!Number.isInteger(o.teams) || o.teams < 1) problems.push(`teams (${o.teams}) must be a whole number of at least 1`);
  if (!Number.isInteger(o.newTeams) || o.newTeams < 0 || o.newTeams > o.teams) problems.push(`newTeams (${o.newTeams}) must be a whole number from 0 to teams (${o.teams})`);
  if (!Number.isInteger(o.estimatedDays) || o.estimatedDays < 0) problems.push(`estimatedDays (${o.estimatedDays}) must be a whole number of at least 0`);
  if (problems.length > 0) {
    throw new MlopsStackError(`synthetic cost options: ${problems.join('; ')}`);
  }
  const rng = new Random(o.seed);
  const start = dayIndex(o.startDay);
  const n = o.days;
  const lastEventDay = n - o.estimatedDays - 4;
  const labels: SyntheticLabel[] = [];
  const names = Array.from({ length: o.teams }, (_, i) => o.teamNames[i] ?? `team-${String(i + 1).padStart(2, '0')}`);
  const newTeamIndexes = new Set(rng.pick(names.map((_, i) => i), o.newTeams));

  const plans: TeamPlan[] = names.map((team, i) => {
    const first = newTeamIndexes.has(i) ? rng.int(Math.min(60, n - 1), Math.max(60, n - 90)) : 0;
    const count = rng.int(3, 6);
    const chosen = [rng.next() < 0.5 ? SERVICES[0] : SERVICES[1], ...rng.pick(SERVICES.slice(2), count - 1)];
    const raw = chosen.map((_, k) => (k === 0 ? 2 : 0) + -Math.log(1 - rng.next()));
    const sum = raw.reduce((a, b) => a + b, 0);
    const weekend = rng.uniform(0.5, 0.95);
    return {
      team,
      level: rng.logUniform(250, 8000),
      first,
      weekly: Array.from({ length: 7 }, (_, w) => (w === 0 || w === 6 ? weekend : 1 + 0.03 * rng.normal())),
      growthPerDay: rng.uniform(-0.05, 0.3) / 365,
      services: chosen.map((service, k) => ({
        service,
        weight: raw[k] / sum,
        noise: (o.noisePercent / 100) * rng.uniform(0.6, 1.4),
        steps: [],
        spikes: new Map<number, number>(),
      })),
      events: [],
    };
  });

  const firstEventDay = (p: TeamPlan) => p.first + (p.first > 0 ? NEW_TEAM_QUIET_DAYS : EVENT_WARMUP_DAYS);
  const place = (p: TeamPlan, latest: number, taken: number[] = p.events): number | undefined => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const day = rng.int(firstEventDay(p), latest);
      if (day <= latest && taken.every(e => Math.abs(e - day) >= EVENT_SPACING_DAYS)) {
        return day;
      }
    }
    return undefined;
  };
  const label = (team: string, kind: SyntheticEventKind, service: string, from: number, to: number) =>
    labels.push({ team, kind, service, start: dayFromIndex(start + from), end: dayFromIndex(start + Math.min(to, n - 1)) });

  for (const p of plans) {
    if (firstEventDay(p) > lastEventDay) {
      continue;
    }
    if (rng.next() < o.driftProbability && firstEventDay(p) <= n - 70) {
      const from = place(p, n - 70);
      if (from !== undefined) {
        const days = rng.int(21, 35);
        p.drift = { from, days, add: rng.uniform(0.2, 0.4) };
        p.events.push(from, from + days);
        // The month after the ramp is where month-to-date first exceeds the trailing baseline in full.
        const rampEnd = dayFromIndex(start + from + days);
        const nextMonthEnd = dayIndex(endOfMonth(endOfMonth(rampEnd, 0), 1));
        label(p.team, 'drift', p.services[0].service, from, nextMonthEnd - start);
      }
    }
    if (rng.next() < o.levelShiftProbability) {
      const from = place(p, lastEventDay);
      if (from !== undefined) {
        const s = p.services[rng.int(0, p.services.length - 1)];
        s.steps.push({ from, add: rng.uniform(0.25, 0.6) });
        p.events.push(from);
        label(p.team, 'level-shift', s.service, from, from + 13);
      }
    }
    const spikes = rng.poisson(o.spikesPerTeam);
    for (let k = 0; k < spikes; k++) {
      const from = place(p, lastEventDay);
      if (from === undefined) {
        continue;
      }
      const s = p.services[rng.int(0, p.services.length - 1)];
      const days = rng.int(1, 3);
      for (let d = from; d < from + days; d++) {
        s.spikes.set(d, rng.uniform(0.25, 1.2));
      }
      p.events.push(from);
      label(p.team, 'spike', s.service, from, from + days - 1);
    }
  }

  const totalLevel = plans.reduce((a, p) => a + p.level, 0);
  const untaggedLevel = (o.untaggedPercent / 100) * totalLevel;
  const untaggedEvents: number[] = [];
  // Tag loss is planted only where it is material for the untagged row (at least half its level).
  const candidates = rng.pick(plans.filter(p => p.level * p.services[0].weight >= 0.5 * untaggedLevel), plans.length);
  for (const p of candidates.slice(0, o.tagLossEvents)) {
    const from = place(p, lastEventDay, [...p.events, ...untaggedEvents]);
    if (from === undefined) {
      continue;
    }
    p.services[0].untaggedFrom = from;
    p.events.push(from);
    untaggedEvents.push(from);
    // Events planted earlier in that service now land in the untagged row.
    for (let k = 0; k < labels.length; k++) {
      const l = labels[k];
      if (l.team === p.team && l.service === p.services[0].service && l.kind !== 'drift' && l.start >= dayFromIndex(start + from)) {
        labels[k] = { ...l, team: UNTAGGED };
      }
    }
    label(UNTAGGED, 'tag-loss', p.services[0].service, from, from + 13);
  }

  const untagged: TeamPlan = {
    team: UNTAGGED,
    level: untaggedLevel,
    first: 0,
    weekly: [0.9, 1, 1, 1, 1, 1, 0.9],
    growthPerDay: 0,
    services: UNTAGGED_SERVICES.map((service, k) => ({
      service, weight: [0.4, 0.3, 0.2, 0.1][k], noise: o.noisePercent / 100, steps: [], spikes: new Map(),
    })),
    events: [],
  };

  const rows: CostRow[] = [];
  for (let t = 0; t < n; t++) {
    const day = dayFromIndex(start + t);
    const wd = ((start + t + 4) % 7 + 7) % 7;
    const estimated = t >= n - o.estimatedDays;
    const partial = estimated ? rng.uniform(0.6, 0.9) : 1;
    const spend = new Map<string, Map<string, number>>();
    const add = (team: string, service: string, value: number) => {
      const byService = spend.get(team) ?? new Map<string, number>();
      byService.set(service, (byService.get(service) ?? 0) + value);
      spend.set(team, byService);
    };
    for (const p of [...plans, untagged]) {
      if (t < p.first) {
        continue;
      }
      const ramp = p.first > 0 ? Math.min(1, 0.1 + (0.9 * (t - p.first + 1)) / NEW_TEAM_RAMP_DAYS) : 1;
      const drift = p.drift ? 1 + p.drift.add * Math.min(1, Math.max(0, (t - p.drift.from) / p.drift.days)) : 1;
      const common = Math.exp(0.3 * (o.noisePercent / 100) * rng.normal());
      const level = p.level * p.weekly[wd] * Math.exp(p.growthPerDay * t) * ramp * drift * common;
      for (const s of p.services) {
        const step = s.steps.filter(x => t >= x.from).reduce((a, x) => a + x.add, 0);
        const noise = Math.exp(s.noise * rng.normal() - (s.noise * s.noise) / 2);
        let value = level * s.weight * noise + p.level * step * p.weekly[wd] + p.level * (s.spikes.get(t) ?? 0);
        value *= partial;
        add(s.untaggedFrom !== undefined && t >= s.untaggedFrom ? UNTAGGED : p.team, s.service, value);
      }
    }
    for (const team of [...spend.keys()].sort()) {
      for (const [service, value] of [...spend.get(team)!].sort(([a], [b]) => a.localeCompare(b))) {
        if (value > 0) {
          rows.push({ day, team, service, amount: amountFromNumber(Math.round(value * 1e8) / 1e8), estimated });
        }
      }
    }
  }
  labels.sort((a, b) => a.start.localeCompare(b.start) || a.team.localeCompare(b.team));
  return {
    rows,
    labels,
    teams: names,
    newTeams: plans.filter(p => p.first > 0).map(p => ({ team: p.team, firstDay: dayFromIndex(start + p.first) })),
    start: dayFromIndex(start),
    end: dayFromIndex(start + n),
  };
}

/** Last day of the month `offset` months after the month of `day`. */
function endOfMonth(day: string, offset: number): string {
  const d = new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) + offset, 0));
  return d.toISOString().slice(0, 10);
}
