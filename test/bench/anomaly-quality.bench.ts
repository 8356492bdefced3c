import { detectAnomalies, DEFAULT_ANOMALY_OPTIONS } from '../../src/cost-report/anomaly';
import { dayFromIndex, dayIndex } from '../../src/cost-report/anomaly/private/series';
import type { Anomaly } from '../../src/cost-report/model';
import { generateCostSeries, sampleDataset, type SyntheticLabel, type SyntheticOptions } from '../../src/cost-report/synthetic';
import { scoreDetections } from '../../src/cost-report/synthetic/evaluate';

// Detection quality of `detectAnomalies` at its default settings on labelled synthetic series: a year of 12
// teams per seed, seeds 1001-1020. The defaults were set on seeds 1-20 and the unit tests' floors use seeds
// 100-111, so these figures are out of sample. Printed as Markdown. `npm run bench -- anomaly`.
const SEEDS = Array.from({ length: 20 }, (_, i) => 1001 + i);

/** Days after a level shift's first day in which every alert of its team is counted as an alert for it. */
const SHIFT_WINDOW_DAYS = 42;

interface Totals {
  detected: number;
  truePositives: number;
  labels: number;
  found: number;
  rows: number;
  ms: number;
  shifts: number;
  shiftAlerts: number;
}

function measure(options: Partial<SyntheticOptions>): Totals {
  const t: Totals = { detected: 0, truePositives: 0, labels: 0, found: 0, rows: 0, ms: 0, shifts: 0, shiftAlerts: 0 };
  for (const seed of SEEDS) {
    const series = generateCostSeries({ ...options, seed });
    const started = process.hrtime.bigint();
    const anomalies = detectAnomalies(series.rows);
    t.ms += Number(process.hrtime.bigint() - started) / 1e6;
    const q = scoreDetections(anomalies, series.labels);
    t.detected += anomalies.length;
    t.truePositives += q.truePositives;
    t.labels += series.labels.length;
    t.found += q.labelsFound;
    t.rows += series.rows.length;
    for (const label of series.labels.filter(l => l.kind === 'level-shift')) {
      t.shifts++;
      t.shiftAlerts += alertsFor(label, anomalies);
    }
  }
  return t;
}

/** Alerts of the shifted team whose days overlap the six weeks from the shift (events are planted six weeks apart). */
function alertsFor(label: SyntheticLabel, anomalies: readonly Anomaly[]): number {
  const to = dayFromIndex(dayIndex(label.start) + SHIFT_WINDOW_DAYS - 1);
  return anomalies.filter(a => a.team === label.team && a.start <= to && label.start <= a.end).length;
}

const f3 = (v: number) => v.toFixed(3);
function cells(t: Totals): string {
  const precision = t.detected === 0 ? 1 : t.truePositives / t.detected;
  const recall = t.labels === 0 ? 1 : t.found / t.labels;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return `${f3(precision)} | ${f3(recall)} | ${f3(f1)} | ${t.detected} | ${t.labels}`;
}

const o = DEFAULT_ANOMALY_OPTIONS;
console.log(`Anomaly detection quality, default settings (minScore ${o.minScore}, minImpactAmount ${o.minImpactAmount}, `
  + `minImpactPercent ${o.minImpactPercent}, baselineWeeks ${o.baselineWeeks}, incidentMinScore ${o.incidentMinScore}, levelShiftDays ${o.levelShiftDays}), `
  + `seeds ${SEEDS[0]}-${SEEDS[SEEDS.length - 1]} × 365 days × 12 teams + untagged:`);
console.log('');
console.log('| series | precision | recall | F1 | anomalies reported | events planted | rows/s detected |');
console.log('|---|--:|--:|--:|--:|--:|--:|');
for (const [name, noise] of [['default (noise 6%)', 6], ['noisier (noise 10%)', 10], ['quiet (noise 3%)', 3]] as const) {
  const t = measure({ noisePercent: noise });
  console.log(`| ${name} | ${cells(t)} | ${Math.round(t.rows / (t.ms / 1000)).toLocaleString('en-US')} |`);
}

// Per planted kind: series holding only that kind of event, so a false alert can only be charged to it.
const NONE: Partial<SyntheticOptions> = { spikesPerTeam: 0, levelShiftProbability: 0, driftProbability: 0, tagLossEvents: 0 };
const ONLY: Record<string, Partial<SyntheticOptions>> = {
  'spike': { ...NONE, spikesPerTeam: 2 },
  'level-shift': { ...NONE, levelShiftProbability: 0.6 },
  'drift': { ...NONE, driftProbability: 0.4 },
  'tag-loss': { ...NONE, tagLossEvents: 2 },
  'none (no event planted)': NONE,
};
for (const [name, noise] of [['default', 6], ['noisier', 10]] as const) {
  console.log('');
  console.log(`Per planted kind, ${name} series (noise ${noise}%), each kind alone in its series; alerts per level shift counts every alert of the team in the ${SHIFT_WINDOW_DAYS} days from the shift (target 1.0):`);
  console.log('');
  console.log('| planted kind | precision | recall | F1 | anomalies reported | events planted | alerts per level shift |');
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const [kind, options] of Object.entries(ONLY)) {
    const t = measure({ ...options, noisePercent: noise });
    console.log(`| ${kind} | ${cells(t)} | ${t.shifts > 0 ? (t.shiftAlerts / t.shifts).toFixed(2) : ''} |`);
  }
}

// The CLI's --sample generates its data set on every run: how long that takes.
const runs: number[] = [];
let sampleRows = 0;
for (let i = 0; i < 5; i++) {
  const started = process.hrtime.bigint();
  sampleRows = sampleDataset().rows.length;
  runs.push(Number(process.hrtime.bigint() - started) / 1e6);
}
console.log('');
console.log(`sampleDataset(): ${sampleRows.toLocaleString('en-US')} rows in ${Math.min(...runs).toFixed(0)} ms (best of 5; first call ${runs[0].toFixed(0)} ms)`);
