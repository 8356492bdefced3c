import { CostReportError } from './errors';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Milliseconds in a UTC day (no leap seconds in JavaScript time). */
export const MS_PER_DAY = 86_400_000;

/** Whether `text` is a real calendar day written `YYYY-MM-DD`. */
export function isDay(text: string): boolean {
  const m = DAY.exec(text);
  if (!m) {
    return false;
  }
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/** Throws a {@link CostReportError} naming `option` unless `text` is a `YYYY-MM-DD` day. */
export function parseDay(option: string, text: string): string {
  if (!isDay(text)) {
    throw new CostReportError('bad-option', DAY.test(text)
      ? `${option} ("${text}") is not a day of the calendar; write a UTC day YYYY-MM-DD, e.g. 2026-01-31`
      : `${option} ("${text}") must be a UTC day written YYYY-MM-DD, e.g. 2026-01-31`);
  }
  return text;
}

/** `day` plus `n` days (n may be negative). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The UTC day of a timestamp. */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / MS_PER_DAY);
}

/** Every day from `start` (inclusive) to `end` (exclusive), ascending. */
export function daysInRange(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = start; d < end; d = addDays(d, 1)) {
    out.push(d);
  }
  return out;
}

/** 0 = Sunday ... 6 = Saturday, as `Date.getUTCDay`. */
export function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

/** A half-open range of days, `[start, end)`. */
export interface DayWindow {
  /** First day, inclusive. */
  readonly start: string;
  /** Last day, exclusive. */
  readonly end: string;
}

/**
 * Split `[start, end)` at calendar-month boundaries (UTC). Month-aligned windows keep each request small and
 * let a closed month be cached as a whole while the current month is fetched again.
 */
export function monthWindows(start: string, end: string): DayWindow[] {
  const out: DayWindow[] = [];
  let s = start;
  while (s < end) {
    const next = `${nextMonth(s.slice(0, 7))}-01`;
    const e = next < end ? next : end;
    out.push({ start: s, end: e });
    s = e;
  }
  return out;
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}
