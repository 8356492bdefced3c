import { TagSchema } from '../../tags';
import type { CostDataset, CostRow } from '../model';
import { generateCostSeries } from './generate';

/** Seed of the bundled sample: changing it changes every figure of `--sample`. */
const SAMPLE_SEED = 20251101;

/**
 * The bundled sample data set (what the CLI's `--sample` reports on): a year of daily spend, 2025-11-01 to
 * 2026-10-31, for a dozen ML teams and the untagged row, in USD, generated from a fixed seed by
 * {@link generateCostSeries} with a few planted anomalies (spikes, a level shift, tag loss, two teams that
 * start part-way); the last two days are `Estimated`. About 20,000 rows, generated in well under a second,
 * identical on every machine.
 */
export function sampleDataset(): CostDataset & { readonly rows: readonly CostRow[] } {
  // Fewer events than the benchmark's defaults: a sample with an alert every week would read as noise.
  const series = generateCostSeries({
    seed: SAMPLE_SEED,
    startDay: '2025-11-01',
    days: 365,
    spikesPerTeam: 0.4,
    levelShiftProbability: 0.15,
    driftProbability: 0.1,
    tagLossEvents: 1,
  });
  return {
    query: { start: series.start, end: series.end, tagKey: TagSchema.DEFAULT.teamKey, metric: 'NetAmortizedCost' },
    currency: 'USD',
    rows: series.rows,
    apiCalls: 0,
  };
}
