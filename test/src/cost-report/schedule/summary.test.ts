import { reportWindow, scheduledReportOptionsFromEnv } from '../../../../src/cost-report/schedule/handler';
import { SCHEDULED_REPORT_ENV } from '../../../../src/cost-report/schedule/settings';
import { fitSnsMessage, SNS_MAX_MESSAGE_BYTES, snsSubject } from '../../../../src/cost-report/schedule/summary';

describe('fitSnsMessage', () => {
  const where = 's3://cost-reports/reports/2026-03-04/';

  test('a summary within the limit is sent whole', () => {
    expect(fitSnsMessage('### Cost\n\nTotal 1.00 USD', where)).toEqual({ message: '### Cost\n\nTotal 1.00 USD', truncated: false });
  });

  test('a longer one keeps whole lines, says how much it left out and where the rest is, within 256 KiB', () => {
    const line = `| team-${'é'.repeat(40)} | 1,000.00 |`;
    const markdown = Array.from({ length: 6000 }, (_, i) => `${line} ${i}`).join('\n');
    expect(Buffer.byteLength(markdown)).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES);
    const { message, truncated } = fitSnsMessage(markdown, where);
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    const [body, note] = message.split('\n\n> **Truncated**');
    expect(markdown.startsWith(body)).toBe(true);
    expect(markdown[body.length]).toBe('\n');
    expect(note).toContain(`of ${Buffer.byteLength(markdown)} bytes of the summary (SNS takes at most 262144 bytes)`);
    expect(note).toContain(`first ${Buffer.byteLength(body)} of`);
    expect(note).toContain(where);
  });

  test('one line over the limit is cut between characters, never inside one', () => {
    const { message } = fitSnsMessage('€'.repeat(1000), where, 1000);
    const body = message.split('\n\n> **Truncated**')[0];
    expect(body).toMatch(/^€+$/);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1000);
  });
});

test('snsSubject is printable ASCII of at most 100 characters', () => {
  expect(snsSubject('Cost report by équipe, 2026-01-01\nto x')).toBe('Cost report by ?quipe, 2026-01-01?to x');
  expect(snsSubject('x'.repeat(150))).toHaveLength(100);
});

describe('reportWindow', () => {
  test.each([
    ['2026-03-04', 2, '2026-01-01'],
    ['2026-01-15', 3, '2025-10-01'],
    ['2026-03-01', 1, '2026-02-01'],
    ['2026-12-31', 13, '2025-11-01'],
  ])('on %s with %d full months starts %s and ends on the run date', (today, months, start) => {
    expect(reportWindow(today, months)).toEqual({ start, end: today });
  });

  test.each([0, 14, 1.5])('%s months is an error', months => {
    expect(() => reportWindow('2026-03-04', months)).toThrow(/must be a whole number of months from 1 to 13/);
  });
});

describe('scheduledReportOptionsFromEnv', () => {
  test('reads the construct\'s variables', () => {
    expect(scheduledReportOptionsFromEnv({
      [SCHEDULED_REPORT_ENV.bucket]: 'b',
      [SCHEDULED_REPORT_ENV.topicArn]: 'arn:aws:sns:us-east-1:123456789012:t',
      [SCHEDULED_REPORT_ENV.monthsOfHistory]: '6',
      [SCHEDULED_REPORT_ENV.account]: '123456789012',
      [SCHEDULED_REPORT_ENV.tagKey]: 'owner',
    })).toEqual({ bucket: 'b', topicArn: 'arn:aws:sns:us-east-1:123456789012:t', monthsOfHistory: 6, account: '123456789012', tagKey: 'owner', metric: undefined });
  });

  test('a missing bucket or a bad month count is an error naming the variable', () => {
    expect(() => scheduledReportOptionsFromEnv({})).toThrow(/MLOPS_COST_REPORT_BUCKET is not set/);
    expect(() => scheduledReportOptionsFromEnv({ [SCHEDULED_REPORT_ENV.bucket]: 'b', [SCHEDULED_REPORT_ENV.monthsOfHistory]: 'x' }))
      .toThrow(/MLOPS_COST_REPORT_MONTHS \(NaN\) must be a whole number/);
  });
});
