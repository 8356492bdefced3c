import { amountToCents, formatCents } from '../amount';
import { teamLabel, type Amount, type Anomaly, type RootCause } from '../model';

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

/** `USE1-SpotUsage:p5.48xlarge in us-east-1, account 111111111111 +1,234.00`: one root cause in words. */
export function describeRootCause(c: RootCause): string {
  const where = [c.usageType, c.region ? `in ${c.region}` : undefined].filter(Boolean).join(' ');
  const who = c.account ? `account ${c.account}` : '';
  return `${[where, who].filter(Boolean).join(', ')} ${signedMoney(c.excess)}`;
}

/** The notes of an anomaly as sentences: tag loss first, then the root causes found. */
export function anomalyNotes(a: Anomaly): string[] {
  const out: string[] = [];
  if (a.tagLoss) {
    out.push(`spend likely moved from ${teamLabel(a.tagLoss.fromTeam)} to untagged: a resource lost its tag ` +
      `(${a.tagLoss.service}: ${teamLabel(a.tagLoss.fromTeam)} ${signedMoney({ units: -a.tagLoss.teamDrop.units })}, untagged ${signedMoney(a.tagLoss.untaggedRise)})`);
  }
  if (a.rootCauses && a.rootCauses.length > 0) {
    out.push(`root causes: ${a.rootCauses.map(describeRootCause).join('; ')}`);
  } else if (a.rootCauses) {
    out.push('root causes: no usage type, region or account rose');
  }
  return out;
}
