import { amountToCents, sumAmounts } from './amount';
import { AMOUNT_SCALE, type Amount, type CostReport } from './model';

const PER_CENT = 10n ** BigInt(AMOUNT_SCALE - 2);

/** Cents for display: the rounded total and the rounded parts, which add up to it exactly. */
export interface CentsAllocation {
  /** The exact sum of the parts, rounded half-even to cents. */
  readonly total: bigint;
  /** One value per part, in order; their sum is {@link total}. */
  readonly parts: readonly bigint[];
}

/**
 * Round amounts to cents so the rounded parts add up to the rounded total (largest-remainder allocation).
 *
 * Rounding each team independently can leave the team column a cent or more off the total line, and finance
 * then asks where the cent went. Each part is floored to cents and the cents left over go, one each, to the
 * parts with the largest remainders (ties to the earlier part). No part moves by a cent or more from its exact
 * value.
 *
 * @see https://en.wikipedia.org/wiki/Largest_remainder_method
 */
export function allocateCents(parts: readonly Amount[]): CentsAllocation {
  const total = amountToCents(sumAmounts(parts));
  const floors = parts.map(p => floorDiv(p.units, PER_CENT));
  const remainders = parts.map((p, i) => p.units - floors[i] * PER_CENT);
  let left = total - floors.reduce((a, b) => a + b, 0n);
  const order = parts.map((_, i) => i).sort((a, b) => (remainders[b] > remainders[a] ? 1 : remainders[b] < remainders[a] ? -1 : a - b));
  const out = [...floors];
  for (const i of order) {
    if (left <= 0n) {
      break;
    }
    out[i] += 1n;
    left -= 1n;
  }
  return { total, parts: out };
}

/**
 * Display cents of each team of a report (in `report.teams` order) and of the total; the teams add up to the
 * total exactly. Renderers print these, never independently rounded values.
 */
export function teamCents(report: Pick<CostReport, 'teams'>): CentsAllocation {
  return allocateCents(report.teams.map(t => t.total));
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}
