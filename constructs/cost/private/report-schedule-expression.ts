/**
 * Problems of an EventBridge Scheduler expression: `rate(<n> <unit>)`, `cron(<6 fields>)` or
 * `at(yyyy-mm-ddThh:mm:ss)`. Empty when it is valid. The check is syntactic (what CloudFormation would only reject
 * at deploy time), not a full cron parser.
 *
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    return Number(rate[1]) >= 1 ? undefined : 'a rate must be at least 1';
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has ${fields.length}`;
    }
    const bad = fields.filter(f => !/^[0-9A-Za-z*?,/#-]+$/.test(f) && !/^[0-9]*[LW]+$/.test(f));
    if (bad.length > 0) {
      return `cron fields may hold digits, names, and , - * ? / L W #; not ${bad.map(b => `"${b}"`).join(', ')}`;
    }
    if ((fields[2] === '?') === (fields[4] === '?')) {
      return 'exactly one of day-of-month (3rd field) and day-of-week (5th field) must be ?';
    }
    return undefined;
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (at) {
    const [y, mo, d, h, mi, s] = at.slice(1).map(Number);
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    const real = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
    return real ? undefined : 'the at() date and time do not exist';
  }
  return 'it is none of rate(...), cron(...) and at(...)';
}
