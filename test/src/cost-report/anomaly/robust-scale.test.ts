import { resolveAnomalyOptions } from '../../../../src/cost-report/anomaly/options';
import { ResidualWindow, robustScale } from '../../../../src/cost-report/anomaly/private/robust-scale';
import { Random } from '../../../../src/cost-report/synthetic/private/random';

// The detector reads each day's noise scale off a sliding window of sorted residuals instead of computing it from
// a copy; it must give the very value the plain definition gives, or anomalies move. Compared here on windows that
// slide over seeded series with ties, zeros of both signs, negative values, level shifts and outliers.

function series(seed: number, length: number): number[] {
  const rng = new Random(seed);
  const next = () => rng.next();
  let level = 0;
  return Array.from({ length }, (_, i) => {
    if (i % 37 === 0) level = Math.round((next() - 0.5) * 200);
    const kind = next();
    if (kind < 0.15) return 0;
    if (kind < 0.2) return -0;
    if (kind < 0.4) return level;
    if (kind < 0.45) return (next() - 0.5) * 1e6;
    return Math.round((level + (next() - 0.5) * 40) * 100) / 100;
  });
}

const OPTIONS = [
  resolveAnomalyOptions(),
  // Next to no floor: the scale is the MAD alone, so any difference in the median deviation shows.
  resolveAnomalyOptions({ scaleFloorPercent: 0, scaleFloorAmount: 1e-9 }),
];

test.each([1, 2, 3, 7, 8, 28, 29, 56])('a window of %i days gives the scale of its residuals, day after day', size => {
  for (let seed = 1; seed <= 12; seed++) {
    const values = series(seed * 1000 + size, 400);
    const window = new ResidualWindow(size);
    for (let i = 0; i < values.length; i++) {
      if (i >= size) window.remove(values[i - size]);
      window.add(values[i]);
      const inWindow = values.slice(Math.max(0, i - size + 1), i + 1);
      expect(window.length).toBe(inWindow.length);
      for (const opts of OPTIONS) {
        const expected = values[i] * 3;
        const got = window.robustScale(expected, opts);
        const want = robustScale(inWindow, expected, opts);
        if (got !== want) {
          throw new Error(`seed ${seed}, size ${size}, day ${i}: window ${got}, definition ${want}, residuals ${JSON.stringify(inWindow)}`);
        }
      }
    }
  }
});

test('the comparison can fail: a window that drops the wrong value gives another scale', () => {
  const opts = OPTIONS[1];
  const window = new ResidualWindow(3);
  [1, 2, 100].forEach(v => window.add(v));
  window.remove(2); // the window should have dropped 1
  window.add(3);
  // [1, 3, 100] has a median deviation of 2, [2, 3, 100] of 1.
  expect(window.robustScale(0, opts)).not.toBe(robustScale([2, 100, 3], 0, opts));
});

test('clear empties the window', () => {
  const window = new ResidualWindow(4);
  [3, 1, 2].forEach(v => window.add(v));
  window.clear();
  window.add(5);
  expect(window.length).toBe(1);
  expect(window.robustScale(0, OPTIONS[1])).toBe(robustScale([5], 0, OPTIONS[1]));
});
