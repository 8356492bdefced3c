import { amountToCents, formatCents } from '../amount';
import type { Amount } from '../model';

/** `123456789n` cents → `"1,234,567.89"`. */
export function groupedCents(cents: bigint): string {
  const plain = formatCents(cents);
  const neg = plain.startsWith('-');
  const [whole, frac] = (neg ? plain.slice(1) : plain).split('.');
  return `${neg ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

/** An amount rounded to cents, with thousands separators. */
export function money(a: Amount): string {
  return groupedCents(amountToCents(a));
}

/** An amount rounded to cents with an explicit sign: `+12.00`, `-3.50`. */
export function signedMoney(a: Amount): string {
  const s = money(a);
  return a.units > 0n && s !== '0.00' ? `+${s}` : s;
}

/** A percentage with one decimal: `12.3%`. */
export function percent(fraction0to100: number): string {
  return `${fraction0to100.toFixed(1)}%`;
}

/** `2026-01-30, 2026-01-31` or, for a longer run, `2026-01-25 to 2026-01-31 (7 days)`. */
export function describeDays(days: readonly string[]): string {
  if (days.length <= 3) {
    return days.join(', ');
  }
  return `${days[0]} to ${days[days.length - 1]} (${days.length} days)`;
}
