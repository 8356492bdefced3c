import { detectAnomalies, DEFAULT_ANOMALY_OPTIONS } from '../../src/cost-report/anomaly';
import { generateCostSeries, sampleDataset, type SyntheticEventKind, type SyntheticOptions } from '../../src/cost-report/synthetic';
import { scoreDetections } from '../../src/cost-report/synthetic/evaluate';

// Detection quality of `detectAnomalies` at its default settings on labelled synthetic series: a year of 12
// teams per seed, seeds 1-20 (the unit tests' floors use seeds 100-111, so these figures are out of sample).
// Printed as Markdown. `npm run bench -- anomaly`.
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

interface Totals {
  detected: number;
  truePositives: number;
  labels: number;
  found: number;
  rows: number;
  ms: number;
  byKind: Map<SyntheticEventKind, { labels: number; found: number }>;
}

function measure(options: Partial<SyntheticOptions>): Totals {
  const t: Totals = { detected: 0, truePositives: 0, labels: 0, found: 0, rows: 0, ms: 0, byKind: new Map() };
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
    for (const label of series.labels) {
      const k = t.byKind.get(label.kind) ?? { labels: 0, found: 0 };
      k.labels++;
      k.found += q.missed.includes(label) ? 0 : 1;
      t.byKind.set(label.kind, k);
    }
  }
  return t;
}

const f3 = (v: number) => v.toFixed(3);
function line(name: string, t: Totals): string {
  const precision = t.detected === 0 ? 1 : t.truePositives / t.detected;
  const recall = t.labels === 0 ? 1 : t.found / t.labels;
  const f1 = (2 * precision * recall) / (precision + recall);
  return `| ${name} | ${f3(precision)} | ${f3(recall)} | ${f3(f1)} | ${t.detected} | ${t.labels} | ${Math.round(t.rows / (t.ms / 1000)).toLocaleString('en-US')} |`;
}

const o = DEFAULT_ANOMALY_OPTIONS;
console.log(`Anomaly detection quality, default settings (minScore ${o.minScore}, minImpactAmount ${o.minImpactAmount}, `
  + `minImpactPercent ${o.minImpactPercent}, baselineWeeks ${o.baselineWeeks}), ${SEEDS.length} seeds × 365 days × 12 teams + untagged:`);
console.log('');
console.log('| series | precision | recall | F1 | anomalies reported | events planted | rows/s detected |');
console.log('|---|--:|--:|--:|--:|--:|--:|');
const base = measure({});
console.log(line('default (noise 6%)', base));
console.log(line('noisier (noise 10%)', measure({ noisePercent: 10 })));
console.log(line('quiet (noise 3%)', measure({ noisePercent: 3 })));
console.log('');
console.log('Recall by planted event, default series:');
console.log('');
console.log('| event | planted | found | recall |');
console.log('|---|--:|--:|--:|');
for (const [kind, k] of [...base.byKind].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`| ${kind} | ${k.labels} | ${k.found} | ${f3(k.found / k.labels)} |`);
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
