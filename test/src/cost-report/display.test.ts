import { amountToCents, parseAmount } from '../../../src/cost-report/amount';
import { allocateCents } from '../../../src/cost-report/display';

const cents = (...amounts: string[]) => allocateCents(amounts.map(parseAmount));

describe('allocateCents', () => {
  test('rounded parts add up to the rounded total where independent rounding would not', () => {
    // Each part alone rounds to 0.00; the total is 0.01.
    const a = cents('0.004', '0.004', '0.004');
    expect(a.total).toBe(1n);
    expect(a.parts).toEqual([1n, 0n, 0n]);
  });

  test('gives left-over cents to the largest remainders', () => {
    const a = cents('1.001', '2.009', '3.005');
    expect(a.total).toBe(602n);
    expect(a.parts).toEqual([100n, 201n, 301n]);
  });

  test('handles credits (negative amounts)', () => {
    const a = cents('10.005', '-0.333', '-0.333');
    expect(a.parts.reduce((x, y) => x + y, 0n)).toBe(a.total);
    expect(a.total).toBe(amountToCents(parseAmount('9.339')));
  });

  test('moves no part by a cent or more from its exact value, on many random parts', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const parts = Array.from({ length: 500 }, () => parseAmount((rnd() * 3 - 0.5).toFixed(10)));
    const a = allocateCents(parts);
    expect(a.parts.reduce((x, y) => x + y, 0n)).toBe(a.total);
    a.parts.forEach((c, i) => {
      const diff = c * 10n ** 8n - parts[i].units;
      expect(diff < 0n ? -diff : diff).toBeLessThan(10n ** 8n);
    });
  });
});
