import { amountFromNumber } from '../../../../src/cost-report/amount';
import { dayFromIndex, dayIndex } from '../../../../src/cost-report/anomaly/private/series';
import type { CostRow } from '../../../../src/cost-report/model';
import { Random } from '../../../../src/cost-report/synthetic/private/random';

/** First day of the test series: a Monday, the first of a month. */
export const START = '2024-01-01';

/** `START` plus `n` days. */
export function day(n: number): string {
  return dayFromIndex(dayIndex(START) + n);
}

/** Spend of a weekday (Saturday and Sunday at `weekend` of it) with multiplicative noise. */
export function weekly(level: number, opts: { weekend?: number; noisePercent?: number; seed?: number } = {}): (t: number) => number {
  const rng = new Random(opts.seed ?? 7);
  return t => {
    const wd = (t + 1) % 7; // START is a Monday: 0 = Sunday
    const base = wd === 0 || wd === 6 ? level * (opts.weekend ?? 0.6) : level;
    return base * (1 + ((opts.noisePercent ?? 3) / 100) * rng.normal());
  };
}

/** One row per day of one team × service, `days` long from `from`. */
export function rows(
  team: string, service: string, days: number, spend: (t: number) => number, opts: { from?: number; estimatedFrom?: number } = {},
): CostRow[] {
  const out: CostRow[] = [];
  for (let t = opts.from ?? 0; t < days; t++) {
    out.push({ day: day(t), team, service, amount: amountFromNumber(Math.max(0, spend(t))), estimated: t >= (opts.estimatedFrom ?? Infinity) });
  }
  return out;
}

/** `spend` plus `extra` on the given days. */
export function withExtra(spend: (t: number) => number, extra: Record<number, number>): (t: number) => number {
  return t => spend(t) + (extra[t] ?? 0);
}
