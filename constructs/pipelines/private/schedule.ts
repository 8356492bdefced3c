/**
 * Problems with an EventBridge Scheduler expression: `rate(<n> <unit>)`, `cron(<6 fields>)` or `at(<date>T<time>)`.
 *
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
export function scheduleExpressionProblems(what: string, expression: string): string[] {
  const examples = 'e.g. "rate(7 days)", "cron(0 3 ? * MON *)" or "at(2027-01-31T03:00:00)"';
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const singular = !rate[2].endsWith('s');
    if (n < 1) {
      return [`${what} ("${expression}") must have a rate of at least 1; ${examples}`];
    }
    if ((n === 1) !== singular) {
      return [`${what} ("${expression}") must use a singular unit for 1 and a plural one otherwise, e.g. "rate(1 day)" or "rate(2 days)"`];
    }
    return [];
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      return [`${what} ("${expression}") must have 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}; ${examples}`];
    }
    const patterns = [
      /^[\d,*/-]+$/, /^[\d,*/-]+$/, /^([\d,*/?LW-]+)$/, /^([\d,*/-]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$/i,
      /^([\d,*/?L#-]|SUN|MON|TUE|WED|THU|FRI|SAT)+$/i, /^[\d,*/-]+$/,
    ];
    const names = ['minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'];
    const bad = fields.map((f, i) => patterns[i].test(f) ? undefined : `${names[i]} "${f}"`).filter(b => b !== undefined);
    if (bad.length > 0) {
      return [`${what} ("${expression}") has invalid cron field(s): ${bad.join(', ')}; ${examples}`];
    }
    if ((fields[2] === '?') === (fields[4] === '?')) {
      return [`${what} ("${expression}") must have "?" in exactly one of day-of-month and day-of-week; e.g. "cron(0 3 ? * MON *)"`];
    }
    return [];
  }
  if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(expression)) {
    return [];
  }
  return [`${what} ("${expression}") is not a valid schedule expression; ${examples}`];
}
