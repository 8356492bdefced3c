import { ModelGateError } from './errors';

/** Whether a larger or a smaller value of the metric is better. */
export type MetricDirection = 'maximize' | 'minimize';

/** The allowed {@link MetricDirection} values. */
export const METRIC_DIRECTIONS: readonly MetricDirection[] = ['maximize', 'minimize'];

/** One side of the comparison: a model package version and its metric value. */
export interface GateCandidate {
  /** The model package ARN. */
  readonly arn: string;
  /** The version within its group. @default - unversioned */
  readonly version?: number;
  /** The metric's value. */
  readonly value: number;
  /** Where the value was read (see {@link MetricReading.source}). */
  readonly source: string;
}

/** The rule the gate applies. */
export interface GateRule {
  /** The metric compared. */
  readonly metric: string;
  /** Whether larger or smaller is better. */
  readonly direction: MetricDirection;
  /**
   * How much better than the champion the challenger must be, in the metric's units (0.01 for one point of AUC).
   * The challenger must also be strictly better: a tie never replaces the champion.
   *
   * @default 0
   */
  readonly minImprovement?: number;
  /**
   * An absolute bound every challenger must meet: at least this value when maximizing, at most when minimizing.
   * With no champion yet, it is what decides the first model; without it, the first model is left pending.
   *
   * @default - no bound: a challenger only has to beat the champion, and a first model is left pending
   */
  readonly threshold?: number;
}

/** What the gate does with the challenger. */
export type GateOutcome = 'approve' | 'reject' | 'no-decision';

/** Why. */
export type GateReason =
  /** Better than the champion by at least the minimum improvement (and meets the threshold, if any). */
  | 'improved'
  /** Not better than the champion by the minimum improvement. */
  | 'not-improved'
  /** Worse than the threshold. */
  | 'below-threshold'
  /** No champion yet; meets the threshold. */
  | 'first-model-meets-threshold'
  /** No champion yet and no threshold: left for a person to approve. */
  | 'no-champion'
  /** No package awaits approval. */
  | 'no-challenger';

/** The gate's decision. */
export interface GateDecision {
  /** Approve, reject, or leave everything as it is. */
  readonly outcome: GateOutcome;
  /** Why. */
  readonly reason: GateReason;
  /** One sentence that says what was compared and why; it becomes the package's `ApprovalDescription`. */
  readonly description: string;
  /** The rule applied. */
  readonly rule: Required<Pick<GateRule, 'metric' | 'direction' | 'minImprovement'>> & Pick<GateRule, 'threshold'>;
  /** The newest package awaiting approval. @default - none */
  readonly challenger?: GateCandidate;
  /** The newest approved package. @default - none */
  readonly champion?: GateCandidate;
  /**
   * How much better the challenger is than the champion (positive is better, in either direction).
   *
   * @default - no champion or no challenger
   */
  readonly improvement?: number;
}

/** `UpdateModelPackage` accepts an `ApprovalDescription` of at most 1024 characters. */
export const MAX_APPROVAL_DESCRIPTION = 1024;

/**
 * Decides what to do with the challenger. A pure function: the gate calls it after reading the metrics.
 *
 * - no challenger: no decision;
 * - a threshold the challenger does not meet: reject;
 * - no champion: approve if a threshold is given (and met), else no decision (left pending for a person);
 * - otherwise: approve if the challenger is strictly better than the champion by at least `minImprovement`,
 *   else reject.
 *
 * Comparisons allow for floating-point rounding (`0.93 - 0.92` counts as an improvement of 0.01).
 *
 * @param rule metric, direction, minimum improvement, threshold
 * @param challenger the newest package awaiting approval
 * @param champion the newest approved package
 */
export function decidePromotion(rule: GateRule, challenger: GateCandidate | undefined, champion: GateCandidate | undefined): GateDecision {
  validateRule(rule);
  const r = { metric: rule.metric, direction: rule.direction, minImprovement: rule.minImprovement ?? 0, threshold: rule.threshold };
  const label = (c: GateCandidate, role: string) => `${role} ${c.version !== undefined ? `v${c.version}` : c.arn}`;
  const done = (outcome: GateOutcome, reason: GateReason, text: string, improvement?: number): GateDecision => ({
    outcome,
    reason,
    rule: r,
    challenger,
    champion,
    improvement,
    description: truncate(`${OUTCOME_WORD[outcome]} by mlops-model-gate: ${text}`),
  });
  if (!challenger) {
    return done('no-decision', 'no-challenger', 'no model package awaits approval (PendingManualApproval); nothing to compare.');
  }
  const better = r.direction === 'maximize' ? 'at least' : 'at most';
  const who = `${r.metric} ${fmt(challenger.value)} (${label(challenger, 'challenger')})`;
  if (r.threshold !== undefined && !meets(challenger.value, r.threshold, r.direction)) {
    return done('reject', 'below-threshold', `${who} does not meet the threshold: ${r.direction} ${r.metric}, must be ${better} ${fmt(r.threshold)}.`);
  }
  if (!champion) {
    if (r.threshold === undefined) {
      return done('no-decision', 'no-champion', `${who}: no approved model package to compare with and no threshold; left for manual approval.`);
    }
    return done('approve', 'first-model-meets-threshold', `${who} meets the threshold (${better} ${fmt(r.threshold)}); there is no approved model package yet.`);
  }
  const improvement = r.direction === 'maximize' ? challenger.value - champion.value : champion.value - challenger.value;
  const vs = `${who} vs ${fmt(champion.value)} (${label(champion, 'champion')}), ${r.direction}, improvement ${fmt(improvement)}`;
  const tolerance = 1e-9 * Math.max(1, Math.abs(challenger.value), Math.abs(champion.value));
  if (improvement > tolerance && improvement >= r.minImprovement - tolerance) {
    return done('approve', 'improved', `${vs} >= required ${fmt(r.minImprovement)}.`, improvement);
  }
  const why = improvement > tolerance ? `< required ${fmt(r.minImprovement)}` : 'is not an improvement';
  return done('reject', 'not-improved', `${vs} ${why}.`, improvement);
}

const OUTCOME_WORD: Record<GateOutcome, string> = { 'approve': 'Approved', 'reject': 'Rejected', 'no-decision': 'Not decided' };

function meets(value: number, threshold: number, direction: MetricDirection): boolean {
  const tolerance = 1e-9 * Math.max(1, Math.abs(threshold));
  return direction === 'maximize' ? value >= threshold - tolerance : value <= threshold + tolerance;
}

/** Checks a rule given through the API (the CLI checks its flags first, with flag names in the messages). */
export function validateRule(rule: GateRule): void {
  const problems: string[] = [];
  if (typeof rule.metric !== 'string' || rule.metric.trim() === '') {
    problems.push(`metric (${JSON.stringify(rule.metric)}) must be a non-empty metric name, such as "auc"`);
  }
  if (!METRIC_DIRECTIONS.includes(rule.direction)) {
    problems.push(`direction (${JSON.stringify(rule.direction)}) must be one of ${METRIC_DIRECTIONS.join(', ')}`);
  }
  if (rule.minImprovement !== undefined && !(Number.isFinite(rule.minImprovement) && rule.minImprovement >= 0)) {
    problems.push(`minImprovement (${rule.minImprovement}) must be a finite number of at least 0`);
  }
  if (rule.threshold !== undefined && !Number.isFinite(rule.threshold)) {
    problems.push(`threshold (${rule.threshold}) must be a finite number`);
  }
  if (problems.length > 0) {
    throw new ModelGateError('bad-option', problems.join('; '));
  }
}

/** Up to 12 significant digits: `0.93 - 0.92` prints as 0.01, not 0.010000000000000009. */
export function fmt(n: number): string {
  return String(Number(n.toPrecision(12)));
}

function truncate(text: string): string {
  return text.length <= MAX_APPROVAL_DESCRIPTION ? text : `${text.slice(0, MAX_APPROVAL_DESCRIPTION - 1)}…`;
}
