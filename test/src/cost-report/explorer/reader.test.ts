import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CostExplorerClient,
  DataUnavailableException,
  GetCostAndUsageCommand,
  InvalidNextTokenException,
  LimitExceededException,
  RequestChangedException,
} from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { formatAmountExact, sumAmounts } from '../../../../src/cost-report/amount';
import { readCostExplorer, type ReadCostExplorerOptions } from '../../../../src/cost-report/explorer';
import { PageScanner } from '../../../../src/cost-report/explorer/scan';
import { UNTAGGED } from '../../../../src/cost-report/model';
import { page, recordingSleep } from '../fixtures';

const ce = mockClient(CostExplorerClient);
const NOW = () => new Date('2026-11-23T10:00:00Z');
let tmp: string;

beforeEach(() => {
  ce.reset();
  tmp = mkdtempSync(path.join(tmpdir(), 'cost-reader-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function read(options: Partial<ReadCostExplorerOptions> = {}) {
  return readCostExplorer({ start: '2026-01-01', end: '2026-01-03', now: NOW, ratePerSecond: 1000, sleep: recordingSleep().sleep, ...options });
}

// Cost Explorer's model has no AccessDeniedException class; the SDK raises a generic service error by that name.
const accessDenied = () => Object.assign(new Error('User is not authorized to perform: ce:GetCostAndUsage'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
const awsError = <T>(Ctor: new (o: { message: string; $metadata: object }) => T, message = 'nope') => new Ctor({ message, $metadata: { httpStatusCode: 400 } });

describe('pagination', () => {
  test('follows NextPageToken until it is absent, one request per page', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-01-01': [['fraud', 'Amazon EC2', '1.5']] }, { token: 't1' }))
      .resolvesOnce(page({ '2026-01-01': [['search', 'Amazon S3', '2.25']] }, { token: 't2' }))
      .resolvesOnce(page({ '2026-01-02': [['fraud', 'Amazon EC2', '3']] }));
    const { dataset, stats } = await read();
    expect(dataset.rows.toArray().map(r => [r.day, r.team, r.service, formatAmountExact(r.amount)])).toEqual([
      ['2026-01-01', 'fraud', 'Amazon EC2', '1.5'],
      ['2026-01-01', 'search', 'Amazon S3', '2.25'],
      ['2026-01-02', 'fraud', 'Amazon EC2', '3'],
    ]);
    expect(stats.requests).toBe(3);
    expect(dataset.apiCalls).toBe(3);
    expect(ce.commandCalls(GetCostAndUsageCommand).map(c => c.args[0].input.NextPageToken)).toEqual([undefined, 't1', 't2']);
  });

  test('asks for DAILY, the metric, and grouping by the tag key and SERVICE', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({}));
    await read({ tagKey: 'owner', metric: 'UnblendedCost' });
    expect(ce.commandCalls(GetCostAndUsageCommand)[0].args[0].input).toEqual({
      TimePeriod: { Start: '2026-01-01', End: '2026-01-03' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      GroupBy: [{ Type: 'TAG', Key: 'owner' }, { Type: 'DIMENSION', Key: 'SERVICE' }],
    });
  });

  test('splits a long range into calendar-month windows', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({}));
    const { stats } = await read({ start: '2026-01-15', end: '2026-03-10' });
    expect(ce.commandCalls(GetCostAndUsageCommand).map(c => c.args[0].input.TimePeriod)).toEqual([
      { Start: '2026-01-15', End: '2026-02-01' },
      { Start: '2026-02-01', End: '2026-03-01' },
      { Start: '2026-03-01', End: '2026-03-10' },
    ]);
    expect(stats.windows).toBe(3);
  });

  test('stops with an error when a token comes back twice instead of paying forever', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({}, { token: 'same' }));
    await expect(read()).rejects.toThrow(/same NextPageToken twice/);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(2);
  });

  test('reports progress after each page', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-01-01': [['a', 's', '1']] }, { token: 't' }))
      .resolvesOnce(page({ '2026-01-02': [['a', 's', '1']] }));
    const seen: string[] = [];
    await read({ onProgress: p => seen.push(`${p.page}:${p.rows}:${p.requests}:${p.source}`) });
    expect(seen).toEqual(['1:1:1:aws', '2:2:2:aws']);
  });
});

describe('parsing', () => {
  test('keeps the untagged group (team$) as its own row', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-01-01': [['', 'AWS Lambda', '0.37'], ['fraud', 'AWS Lambda', '1']] }));
    const { dataset } = await read();
    expect(dataset.rows.toArray().map(r => r.team)).toEqual([UNTAGGED, 'fraud']);
  });

  test('marks rows of Estimated days provisional', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-01-01': [['a', 's', '1']], '2026-01-02': [['a', 's', '2']] }, { estimated: ['2026-01-02'] }));
    const { dataset } = await read();
    expect(dataset.rows.toArray().map(r => r.estimated)).toEqual([false, true]);
  });

  test('keeps amounts exact: 0.1 + 0.2 is 0.3', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-01-01': [['a', 's', '0.1'], ['a', 't', '0.2']] }));
    const { dataset } = await read();
    expect(formatAmountExact(sumAmounts(dataset.rows.toArray().map(r => r.amount)))).toBe('0.3');
  });

  test('reads the currency of the amounts', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-01-01': [['a', 's', '1']] }, { unit: 'EUR' }));
    const { dataset } = await read();
    expect(dataset.currency).toBe('EUR');
  });

  test('rejects amounts in two currencies instead of summing them', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-01-01': [['a', 's', '1']] }, { token: 't' }))
      .resolvesOnce(page({ '2026-01-02': [['b', 's', '1']] }, { unit: 'EUR' }));
    await expect(read()).rejects.toThrow(/more than one currency: USD .* and EUR \(at the GetCostAndUsage answer for 2026-01-01..2026-01-03, page 2, 2026-01-02, b, s\)/);
  });

  test('accepts a partial answer: a day with no groups and an empty page', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce({ $metadata: {}, ResultsByTime: [{ TimePeriod: { Start: '2026-01-01', End: '2026-01-02' }, Estimated: false }], NextPageToken: 't' })
      .resolvesOnce(page({}, { token: 'u' }))
      .resolvesOnce(page({ '2026-01-02': [['a', 's', '4']] }));
    const { dataset, stats } = await read();
    expect(dataset.rows).toHaveLength(1);
    expect(stats.pages).toBe(3);
  });

  test.each([
    ['no ResultsByTime', { $metadata: {} }, /no ResultsByTime/],
    ['a day that is not a day', { $metadata: {}, ResultsByTime: [{ TimePeriod: { Start: '2026-13-01' } }] }, /TimePeriod.Start is "2026-13-01"/],
    ['a day outside the window', page({ '2026-02-01': [] }), /2026-02-01, outside the requested window/],
    ['a non-decimal amount', page({ '2026-01-01': [['a', 's', '1e3']] }), /Amount "1e3" is not a decimal string/],
    ['another metric', page({ '2026-01-01': [['a', 's', '1']] }, { metric: 'UnblendedCost' }), /no NetAmortizedCost amount/],
    ['another tag key', page({ '2026-01-01': [['a', 's', '1']] }, { tagKey: 'owner' }), /is grouped by .*owner|does not start with "team\$"/],
    ['a missing currency', { $metadata: {}, ResultsByTime: [{ TimePeriod: { Start: '2026-01-01' }, Groups: [{ Keys: ['team$a', 's'], Metrics: { NetAmortizedCost: { Amount: '2' } } }] }] }, /no currency unit/],
    ['one key instead of two', { $metadata: {}, ResultsByTime: [{ TimePeriod: { Start: '2026-01-01' }, Groups: [{ Keys: ['team$a'], Metrics: {} }] }] }, /expected \[team\$<value>, <service>\]/],
  ])('rejects a malformed answer: %s', async (_what, response, message) => {
    ce.on(GetCostAndUsageCommand).resolves(response as never);
    await expect(read()).rejects.toThrow(message);
  });
});

describe('throttling', () => {
  test('retries LimitExceededException with growing backoff and counts every request', async () => {
    ce.on(GetCostAndUsageCommand)
      .rejectsOnce(awsError(LimitExceededException))
      .rejectsOnce(awsError(LimitExceededException))
      .resolvesOnce(page({ '2026-01-01': [['a', 's', '1']] }));
    const { sleep, delays } = recordingSleep();
    const { dataset, stats } = await read({ sleep, random: () => 0.999, baseDelayMs: 100 });
    expect(dataset.rows).toHaveLength(1);
    expect(stats).toMatchObject({ requests: 3, retries: 2 });
    // Full jitter below a ceiling that doubles: 100 ms, then 200 ms.
    expect(delays).toEqual([99, 199]);
  });

  test('retries a generic throttling error (HTTP 429)', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
    ce.on(GetCostAndUsageCommand).rejectsOnce(throttled).resolvesOnce(page({}));
    const { stats } = await read();
    expect(stats.retries).toBe(1);
  });

  test('gives up after maxAttempts with advice to lower the rate', async () => {
    ce.on(GetCostAndUsageCommand).rejects(awsError(LimitExceededException));
    await expect(read({ maxAttempts: 3 })).rejects.toThrow(/still throttled .* after 3 attempts.*--rate/);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(3);
  });

  test('paces requests with the client-side rate limit', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({}));
    const { sleep, delays } = recordingSleep();
    let clock = 0;
    const pacedSleep = async (ms: number) => { clock += ms; await sleep(ms); };
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    try {
      await read({ start: '2026-01-01', end: '2026-05-01', ratePerSecond: 2, sleep: pacedSleep });
    } finally {
      jest.restoreAllMocks();
    }
    // Four windows at 2 requests per second with a burst of 2: the last two requests wait 500 ms each.
    expect(delays).toEqual([500, 500]);
  });
});

describe('errors', () => {
  test('access denied names the missing permission', async () => {
    ce.on(GetCostAndUsageCommand).rejects(accessDenied());
    await expect(read()).rejects.toThrow(/lacks the IAM permission "ce:GetCostAndUsage"/);
  });

  test('missing credentials point to --sample', async () => {
    ce.on(GetCostAndUsageCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    await expect(read()).rejects.toThrow(/no AWS credentials were found.*--sample/s);
  });

  test('expired credentials say to refresh them', async () => {
    ce.on(GetCostAndUsageCommand).rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException', $metadata: { httpStatusCode: 400 } }));
    await expect(read()).rejects.toThrow(/expired or invalid.*aws sso login/s);
  });

  test('DataUnavailableException explains enabling Cost Explorer and the history limit', async () => {
    ce.on(GetCostAndUsageCommand).rejects(awsError(DataUnavailableException));
    await expect(read()).rejects.toThrow(/no data for 2026-01-01..2026-01-03.*not\s+enabled.*--start later/s);
  });

  test('InvalidNextTokenException says tokens expire and to run again', async () => {
    ce.on(GetCostAndUsageCommand).resolvesOnce(page({}, { token: 'old' })).rejectsOnce(awsError(InvalidNextTokenException));
    await expect(read()).rejects.toThrow(/rejected the page token for window 2026-01-01..2026-01-03, page 2.*Run the report again/s);
  });

  test('RequestChangedException says every page must repeat the request', async () => {
    ce.on(GetCostAndUsageCommand).resolvesOnce(page({}, { token: 't' })).rejectsOnce(awsError(RequestChangedException));
    await expect(read()).rejects.toThrow(/request changed between pages.*same parameters/s);
  });

  test('an error code is attached for scripts', async () => {
    ce.on(GetCostAndUsageCommand).rejects(accessDenied());
    await expect(read()).rejects.toMatchObject({ code: 'access-denied', name: 'CostReportError' });
  });

  test.each([
    [{ start: '2026-01-05', end: '2026-01-05' }, /start \(2026-01-05\) must be before end/],
    [{ start: '2026-02-30' }, /start \("2026-02-30"\) is not a day of the calendar/],
    [{ metric: 'UsageQuantity' }, /metric \("UsageQuantity"\) must be one of NetAmortizedCost/],
    [{ tagKey: 'team$' }, /tagKey \("team\$"\)/],
  ])('rejects bad options before any request: %p', async (options, message) => {
    await expect(read(options)).rejects.toThrow(message);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(0);
  });
});

describe('cache', () => {
  const closedMonth = { start: '2026-01-01', end: '2026-02-01' };

  test('serves a closed, final month from the cache: a second run makes no request', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-01-01': [['a', 's', '1.25']] }, { token: 't' }))
      .resolvesOnce(page({ '2026-01-31': [['b', 's', '2']] }));
    const first = await read({ ...closedMonth, cacheDir: tmp });
    const second = await read({ ...closedMonth, cacheDir: tmp });
    expect(first.stats.requests).toBe(2);
    expect(second.stats).toMatchObject({ requests: 0, cachedWindows: 1, pages: 2 });
    expect(second.dataset.rows).toEqual(first.dataset.rows);
  });

  test('does not cache a month with Estimated days', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-01-31': [['a', 's', '1']] }, { estimated: ['2026-01-31'] }));
    await read({ ...closedMonth, cacheDir: tmp });
    const second = await read({ ...closedMonth, cacheDir: tmp });
    expect(second.stats.requests).toBe(1);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('does not cache days that are too recent to be final', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-11-20': [['a', 's', '1']] }));
    await read({ start: '2026-11-01', end: '2026-11-21', cacheDir: tmp });
    const second = await read({ start: '2026-11-01', end: '2026-11-21', cacheDir: tmp });
    expect(second.stats.requests).toBe(1);
  });

  test('a cache line that is not an answer says how to get a good copy', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({ '2026-01-01': [['a', 's', '1']] }));
    await read({ ...closedMonth, cacheDir: tmp });
    const [file] = readdirSync(tmp);
    writeFileSync(path.join(tmp, file), '{"ResultsByTime":null}\n');
    await expect(read({ ...closedMonth, cacheDir: tmp })).rejects.toThrow(
      /the cache file .*, line 1 has a ResultsByTime that is null; expected a list; delete the cache file or run with --no-cache, and the month is fetched again$/);
  });

  test('keys the cache by query: another metric is fetched again', async () => {
    ce.on(GetCostAndUsageCommand).callsFake(input => page({}, { metric: input.Metrics[0] }));
    await read({ ...closedMonth, cacheDir: tmp });
    const other = await read({ ...closedMonth, cacheDir: tmp, metric: 'UnblendedCost' });
    expect(other.stats.requests).toBe(1);
  });
});

describe('record and replay', () => {
  test('replays recorded responses offline with the same rows and no request', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-01-01': [['a', 's', '1']] }, { token: 't' }))
      .resolvesOnce(page({ '2026-01-02': [['', 's', '2']] }));
    const recorded = await read({ recordDir: tmp });
    ce.reset();
    const replayed = await read({ replayDir: tmp });
    expect(replayed.dataset.rows).toEqual(recorded.dataset.rows);
    expect(replayed.stats).toMatchObject({ requests: 0, replayedWindows: 1, pages: 2 });
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(0);
  });

  test('pages edited by hand (indented, a name escaped) replay the same rows, through JSON.parse where the scanner declines', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-01-01': [['a', 's', '1'], ['b', 's', '0.5']] }, { token: 't' }))
      .resolvesOnce(page({ '2026-01-02': [['search', 'Amazon S3', '2'], ['', 's', '3']] }, { token: 'u' }))
      .resolvesOnce(page({ '2026-01-02': [['a', 's', '4']] }, { estimated: ['2026-01-02'] }));
    const recorded = await read({ recordDir: tmp });
    ce.reset();
    const dir = path.join(tmp, '2026-01-01_2026-01-03');
    const file = (n: number) => path.join(dir, `page-0000${n}.json`);
    writeFileSync(file(1), JSON.stringify(JSON.parse(readFileSync(file(1), 'utf8')), null, 2));
    writeFileSync(file(2), readFileSync(file(2), 'utf8').replace('team$search', 'team$se\\u0061rch'));
    const scan = jest.spyOn(PageScanner.prototype, 'scan');
    try {
      const replayed = await read({ replayDir: tmp });
      expect(replayed.dataset.rows).toEqual(recorded.dataset.rows);
      expect(replayed.dataset.rows.teams).toContain('search');
      expect(scan.mock.results.map(r => r.value !== undefined)).toEqual([true, false, true]);
    } finally {
      scan.mockRestore();
    }
  });

  test('a recorded page repeated under the next name is an error naming both files', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce(page({ '2026-01-01': [['a', 's', '1']] }, { token: 't' }))
      .resolvesOnce(page({ '2026-01-02': [['a', 's', '2']] }));
    await read({ recordDir: tmp });
    ce.reset();
    const dir = path.join(tmp, '2026-01-01_2026-01-03');
    writeFileSync(path.join(dir, 'page-00002.json'), readFileSync(path.join(dir, 'page-00001.json'), 'utf8'));
    await expect(read({ replayDir: tmp })).rejects.toMatchObject({
      code: 'duplicate-row',
      message: expect.stringMatching(/page-00002\.json repeats 2026-01-01, team "a", service "s", already read from .*page-00001\.json/),
    });
  });

  describe('a broken recording is exit 3, naming the file and how to fix it', () => {
    const windowDir = () => path.join(tmp, '2026-01-01_2026-01-03');
    const pageOf = (n: number) => path.join(windowDir(), `page-0000${n}.json`);
    beforeEach(async () => {
      ce.on(GetCostAndUsageCommand)
        .resolvesOnce(page({ '2026-01-01': [['a', 's', '1']] }, { token: 't' }))
        .resolvesOnce(page({ '2026-01-02': [['a', 's', '2']] }));
      await read({ recordDir: tmp });
      ce.reset();
    });

    test('a page file after the last page (a token lost) is an error, not rows dropped', async () => {
      writeFileSync(pageOf(1), readFileSync(pageOf(1), 'utf8').replace(',"NextPageToken":"t"', ''));
      await expect(read({ replayDir: tmp })).rejects.toMatchObject({
        code: 'malformed-response',
        message: expect.stringMatching(/has 2026-01-01_2026-01-03\/page-00002\.json after the last page of 2026-01-01..2026-01-03 \(.*page-00001\.json has no NextPageToken, or an empty one\).*record again with --record/),
      });
    });

    test('a page after the last page that cannot be read is an error too', async () => {
      writeFileSync(pageOf(2), readFileSync(pageOf(2), 'utf8'));
      mkdirSync(pageOf(3));
      await expect(read({ replayDir: tmp })).rejects.toThrow(/has 2026-01-01_2026-01-03\/page-00003\.json after the last page.*delete it and the page files after it/);
    });

    test('recording again removes every window\'s old page files, and nothing else', async () => {
      const old = path.join(tmp, '2025-12-01_2026-01-01');
      mkdirSync(old);
      writeFileSync(path.join(old, 'page-00001.json'), '{}');
      writeFileSync(path.join(old, 'notes.txt'), 'kept');
      mkdirSync(path.join(tmp, 'root-causes'));
      writeFileSync(path.join(tmp, 'root-causes', 'page-00001.json'), '{}');
      ce.on(GetCostAndUsageCommand).resolvesOnce(page({ '2026-01-02': [['b', 's', '5']] }));
      await read({ recordDir: tmp });
      expect(readdirSync(old)).toEqual(['notes.txt']);
      expect(readdirSync(path.join(tmp, 'root-causes'))).toEqual(['page-00001.json']);
    });

    test('recording a window again replaces its page files', async () => {
      ce.on(GetCostAndUsageCommand).resolvesOnce(page({ '2026-01-02': [['b', 's', '5']] }));
      await read({ recordDir: tmp });
      ce.reset();
      expect(readdirSync(windowDir())).toEqual(['page-00001.json']);
      const { dataset } = await read({ replayDir: tmp });
      expect(dataset.rows.toArray().map(r => [r.team, formatAmountExact(r.amount)])).toEqual([['b', '5']]);
    });

    test('a page that is not an answer says how to get a good copy', async () => {
      writeFileSync(pageOf(2), JSON.stringify({ ResultsByTime: 'x' }));
      await expect(read({ replayDir: tmp })).rejects.toThrow(/^malformed Cost Explorer data: the recorded page .*page-00002\.json has a ResultsByTime that is a string; expected a list; record again with --record$/);
    });

    test('a page file that cannot be read is named with the reason', async () => {
      rmSync(pageOf(2));
      mkdirSync(pageOf(2));
      await expect(read({ replayDir: tmp })).rejects.toMatchObject({
        code: 'replay-missing',
        message: expect.stringMatching(/could not read the recorded page .*page-00002\.json: it is a directory \(EISDIR\)/),
      });
    });

    test('a page too large to decode is named, not an internal error', async () => {
      // More than Node's string limit (512 MiB) is not written here: the decode of an escaped page fails as it would.
      writeFileSync(pageOf(2), readFileSync(pageOf(2), 'utf8').replace('team$a', 'team$\\u0061'));
      const toString = Buffer.prototype.toString;
      const spy = jest.spyOn(Buffer.prototype, 'toString').mockImplementation(function (this: Buffer, ...args: unknown[]) {
        if (this.includes('team$\\u0061')) throw Object.assign(new Error('Cannot create a string longer than 0x1fffffe8 characters'), { code: 'ERR_STRING_TOO_LONG' });
        return toString.apply(this, args as Parameters<Buffer['toString']>);
      });
      try {
        await expect(read({ replayDir: tmp })).rejects.toMatchObject({
          code: 'malformed-response',
          message: expect.stringMatching(/the recorded page .*page-00002\.json is \d+ bytes, more than a string can hold: record again with --record/),
        });
      } finally {
        spy.mockRestore();
      }
    });

    test.each([
      [{ end: '2026-13-10' }, /end "2026-13-10" is not a YYYY-MM-DD day/],
      [{ start: '2026-01-05' }, /start 2026-01-05 is not before end 2026-01-03/],
      [{ metric: 'Foo' }, /metric "Foo" is not one of .*NetAmortizedCost/],
      [{ tagKey: 'a$b' }, /tagKey "a\$b" contains "\$"/],
    ])('a manifest with %p is a broken recording', async (change, message) => {
      const file = path.join(tmp, 'manifest.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...change }));
      const err = await read({ replayDir: tmp }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'replay-missing', message: expect.stringMatching(message) });
      expect((err as Error).message).toMatch(/manifest\.json is not one --record writes: .*Record again with --record/);
    });

    test('a replay directory that does not exist says so', async () => {
      await expect(read({ replayDir: path.join(tmp, 'nope') })).rejects.toThrow(/the replay directory .*nope does not exist/);
    });
  });

  test('saves the whole answer without the SDK metadata', async () => {
    ce.on(GetCostAndUsageCommand).resolves({ ...page({ '2026-01-01': [['a', 's', '1']] }), DimensionValueAttributes: [{ Value: 's', Attributes: { k: 'v' } }] });
    await read({ recordDir: tmp });
    const saved = JSON.parse(readFileSync(path.join(tmp, '2026-01-01_2026-01-03', 'page-00001.json'), 'utf8'));
    expect(saved.DimensionValueAttributes).toEqual([{ Value: 's', Attributes: { k: 'v' } }]);
    expect(saved.$metadata).toBeUndefined();
  });

  test('refuses to replay a recording of another query', async () => {
    ce.on(GetCostAndUsageCommand).resolves(page({}));
    await read({ recordDir: tmp });
    await expect(read({ replayDir: tmp, metric: 'UnblendedCost' })).rejects.toThrow(/metric is "NetAmortizedCost" in the recording, "UnblendedCost" requested/);
  });

  test('says what is missing when a recorded page is gone', async () => {
    ce.on(GetCostAndUsageCommand).resolvesOnce(page({}, { token: 't' })).resolvesOnce(page({}));
    await read({ recordDir: tmp });
    rmSync(path.join(tmp, '2026-01-01_2026-01-03', 'page-00002.json'));
    await expect(read({ replayDir: tmp })).rejects.toThrow(/has no page 2 for 2026-01-01..2026-01-03/);
  });

  test('a directory that is not a recording is reported as such', async () => {
    await expect(read({ replayDir: tmp })).rejects.toThrow(/has no manifest.json: is it a directory written by --record\?/);
  });
});
