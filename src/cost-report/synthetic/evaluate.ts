import type { Anomaly } from '../model';
import type { SyntheticLabel } from './generate';

/**
 * How well detected anomalies match planted labels.
 */
export interface DetectionQuality {
  /** Detected anomalies that overlap a label of the same team. */
  readonly truePositives: number;
  /** Detected anomalies that overlap no label. */
  readonly falsePositives: number;
  /** Labels no detected anomaly overlaps. */
  readonly falseNegatives: number;
  /** Labels at least one detected anomaly overlaps. */
  readonly labelsFound: number;
  /** truePositives / detected (1 when nothing was detected). */
  readonly precision: number;
  /** labelsFound / labels (1 when nothing was planted). */
  readonly recall: number;
  /** Harmonic mean of precision and recall. */
  readonly f1: number;
  /** The detected anomalies that matched nothing, to look at. */
  readonly unmatched: readonly Anomaly[];
  /** The labels nothing matched, to look at. */
  readonly missed: readonly SyntheticLabel[];
}

/**
 * Score detections against labels: a detection is right when it overlaps (in days) a label of the same team.
 * Precision counts detections (a long event flagged as two anomalies is not penalised twice), recall counts
 * labels.
 *
 * @see https://en.wikipedia.org/wiki/Precision_and_recall
 */
export function scoreDetections(detected: readonly Anomaly[], labels: readonly SyntheticLabel[]): DetectionQuality {
  const overlaps = (a: Anomaly, l: SyntheticLabel) => a.team === l.team && a.start <= l.end && l.start <= a.end;
  const unmatched = detected.filter(a => !labels.some(l => overlaps(a, l)));
  const missed = labels.filter(l => !detected.some(a => overlaps(a, l)));
  const truePositives = detected.length - unmatched.length;
  const labelsFound = labels.length - missed.length;
  const precision = detected.length === 0 ? 1 : truePositives / detected.length;
  const recall = labels.length === 0 ? 1 : labelsFound / labels.length;
  return {
    truePositives,
    falsePositives: unmatched.length,
    falseNegatives: missed.length,
    labelsFound,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    unmatched,
    missed,
  };
}
