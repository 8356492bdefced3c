import { AMOUNT_SCALE, type Amount } from './model';

const SCALE = 10n ** BigInt(AMOUNT_SCALE);
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Zero. */
export const ZERO: Amount = { units: 0n };

/**
 * Parse a decimal string as Cost Explorer returns it (`"12.3456789012"`, `"-0.01"`, `"1E-10"` is not
 * produced by Cost Explorer and is rejected). Digits past {@link AMOUNT_SCALE} are rounded half-even.
 */
export function parseAmount(text: string): Amount {
  const m = DECIMAL.exec(text.trim());
  if (!m) {
    throw new Error(`not a decimal amount: "${text}"`);
  }
  const [, sign, whole, frac = ''] = m;
  let units = BigInt(whole) * SCALE + BigInt((frac + '0'.repeat(AMOUNT_SCALE)).slice(0, AMOUNT_SCALE) || '0');
  const rest = frac.slice(AMOUNT_SCALE);
  if (rest.length > 0) {
    const half = '5' + '0'.repeat(rest.length - 1);
    if (rest > half || (rest === half && units % 2n === 1n)) {
      units += 1n;
    }
  }
  return { units: sign ? -units : units };
}

/** a + b, exactly. */
export function addAmounts(a: Amount, b: Amount): Amount {
  return { units: a.units + b.units };
}

/** a - b, exactly. */
export function subtractAmounts(a: Amount, b: Amount): Amount {
  return { units: a.units - b.units };
}

/** Sum, exactly. */
export function sumAmounts(amounts: Iterable<Amount>): Amount {
  let units = 0n;
  for (const a of amounts) {
    units += a.units;
  }
  return { units };
}

/**
 * A float for statistics and charts only (medians, z-scores, bar heights). Never sum these for money.
 */
export function amountToNumber(a: Amount): number {
  return Number(a.units) / Number(SCALE);
}

/**
 * An amount from a float, for synthetic data and expected values; rounded to the scale.
 */
export function amountFromNumber(n: number): Amount {
  return parseAmount(n.toFixed(AMOUNT_SCALE));
}

/** Amount in whole cents, rounded half-even: the unit the report reconciles to. */
export function amountToCents(a: Amount): bigint {
  const perCent = SCALE / 100n;
  const q = a.units / perCent;
  const r = a.units % perCent;
  const abs = r < 0n ? -r : r;
  const twice = abs * 2n;
  if (twice > perCent || (twice === perCent && (q % 2n !== 0n))) {
    return a.units < 0n ? q - 1n : q + 1n;
  }
  return q;
}

/** `1234.5` → `"1234.50"`; exact decimal, no float. */
export function formatCents(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  const whole = abs / 100n;
  const frac = (abs % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** The full-precision decimal string of an amount (`"12.3456789012"` keeps every digit). */
export function formatAmountExact(a: Amount): string {
  const neg = a.units < 0n;
  const abs = neg ? -a.units : a.units;
  const whole = abs / SCALE;
  const frac = (abs % SCALE).toString().padStart(AMOUNT_SCALE, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? '.' + frac : ''}`;
}
