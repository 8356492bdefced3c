import type { AnomalyOptions } from '../options';
import { median } from './series';

/** 1.4826 × MAD estimates the standard deviation of normally distributed residuals. */
const MAD_TO_SIGMA = 1.4826;

/** The noise scale of a day: 1.4826 × the residuals' median absolute deviation, at least the options' floors. */
export function robustScale(residuals: readonly number[], expected: number, opts: AnomalyOptions): number {
  const center = median(residuals);
  const mad = median(residuals.map(r => Math.abs(r - center)));
  return Math.max(MAD_TO_SIGMA * mad, (opts.scaleFloorPercent / 100) * Math.abs(expected), opts.scaleFloorAmount);
}

/**
 * Residuals kept sorted as days enter and leave a sliding window, so each day's {@link robustScale} reads the
 * median off the middle and the median absolute deviation off a merge outward from it, instead of selecting
 * both from a copy. The same value as {@link robustScale} of the same residuals: the deviations on either side
 * of the center come out in order (float subtraction is monotonic), so the merge meets the same order
 * statistics, and neither a zero's sign nor the order of equal values changes a deviation.
 */
export class ResidualWindow {
  private readonly sorted: Float64Array;
  private size = 0;

  constructor(capacity: number) {
    this.sorted = new Float64Array(Math.max(1, capacity));
  }

  public get length(): number {
    return this.size;
  }

  public clear(): void {
    this.size = 0;
  }

  public add(v: number): void {
    const a = this.sorted;
    let j = this.size - 1;
    for (; j >= 0 && a[j] > v; j--) {
      a[j + 1] = a[j];
    }
    a[j + 1] = v;
    this.size++;
  }

  /** Removes one value equal to `v` (one that was added). */
  public remove(v: number): void {
    const j = this.lowerBound(v);
    this.sorted.copyWithin(j, j + 1, this.size);
    this.size--;
  }

  public robustScale(expected: number, opts: AnomalyOptions): number {
    const a = this.sorted;
    const n = this.size;
    const mid = Math.floor(n / 2);
    const center = n % 2 === 1 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
    // Values left of the lower bound are below the center, the rest at or above it: walking outward from it,
    // each side's deviations grow, and the mid-th smallest of their merge is the median deviation.
    let l = this.lowerBound(center) - 1;
    let r = l + 1;
    let previous = 0;
    let current = 0;
    for (let k = 0; k <= mid; k++) {
      previous = current;
      const left = l >= 0 ? Math.abs(a[l] - center) : Infinity;
      const right = r < n ? Math.abs(a[r] - center) : Infinity;
      if (right < left) {
        current = right;
        r++;
      } else {
        current = left;
        l--;
      }
    }
    const mad = n % 2 === 1 ? current : (previous + current) / 2;
    return Math.max(MAD_TO_SIGMA * mad, (opts.scaleFloorPercent / 100) * Math.abs(expected), opts.scaleFloorAmount);
  }

  /** The first index whose value is at least `v`. */
  private lowerBound(v: number): number {
    const a = this.sorted;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const m = Math.floor((lo + hi) / 2);
      if (a[m] < v) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
}
