import { formatAmountExact } from '../../../../src/cost-report/amount';
import { CostRowCollector, checkPageShape, type PageOrigin } from '../../../../src/cost-report/explorer/parse';
import { PageScanner } from '../../../../src/cost-report/explorer/scan';

// The scanner is a fast path in front of JSON.parse and the general parser: for every page, scanned or not,
// the rows (or the error) must be exactly what the general parser gives. These tests feed the same pages
// both ways and compare, on hand-written variants and on thousands of seeded mutations.

const METRIC = 'NetAmortizedCost';
const WINDOW = { windowStart: '2026-01-01', windowEnd: '2026-02-01' };
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

type Outcome = { rows: string[]; teams: readonly string[]; services: readonly string[]; currency?: string } | { error: string };

/** The general path: the file decoded whole, `JSON.parse`, the shape check, `addPage`. */
function general(pages: Uint8Array[]): Outcome {
  return run(pages, (c, bytes, origin) => {
    c.addPage(checkPageShape(JSON.parse(Buffer.from(bytes).toString('utf8')), origin), origin);
  });
}

/** The replay path: the scanner, and the general path for what it does not read. */
function scanned(pages: Uint8Array[], scanner = new PageScanner(METRIC)): Outcome & { scannedPages: number } {
  let n = 0;
  const outcome = run(pages, (c, bytes, origin) => {
    const page = scanner.scan(bytes);
    if (page) {
      n++;
      c._addScanned(page, origin);
    } else {
      c.addPage(checkPageShape(JSON.parse(Buffer.from(bytes).toString('utf8')), origin), origin);
    }
  });
  return { ...outcome, scannedPages: n };
}

function run(pages: Uint8Array[], add: (c: CostRowCollector, bytes: Uint8Array, origin: PageOrigin) => void): Outcome {
  const c = new CostRowCollector('team', METRIC);
  try {
    pages.forEach((bytes, i) => add(c, bytes, { ...WINDOW, page: i + 1, source: `page ${i + 1}` }));
  } catch (err) {
    const e = err as Error & { code?: string };
    // A SyntaxError's wording is V8's: both paths get it from the same JSON.parse of the same text.
    return { error: `${e.name} ${e.code ?? ''}: ${e.message}` };
  }
  return {
    rows: c.rows.toArray().map(r => `${r.day}|${r.team}|${r.service}|${formatAmountExact(r.amount)}|${r.estimated}`),
    teams: c.rows.teams,
    services: c.rows.services,
    currency: c.currency,
  };
}

function expectSame(pages: Uint8Array[]): ReturnType<typeof scanned> {
  const fast = scanned(pages);
  const { scannedPages, ...rest } = fast;
  expect(rest).toEqual(general(pages));
  return fast;
}

interface G { readonly tag: string; readonly service: string; readonly amount: unknown; readonly unit?: unknown }

function answer(results: Array<{ day: string; groups: G[]; estimated?: unknown }>, extra: Record<string, unknown> = {}) {
  return {
    GroupDefinitions: [{ Type: 'TAG', Key: 'team' }, { Type: 'DIMENSION', Key: 'SERVICE' }],
    ResultsByTime: results.map(r => ({
      TimePeriod: { Start: r.day, End: r.day },
      Total: {},
      Groups: r.groups.map(g => ({ Keys: [`team$${g.tag}`, g.service], Metrics: { [METRIC]: { Amount: g.amount, ...(g.unit === undefined ? {} : { Unit: g.unit }) } } })),
      ...(r.estimated === undefined ? {} : { Estimated: r.estimated }),
    })),
    ...extra,
  };
}

const BASE = answer([
  { day: '2026-01-01', estimated: false, groups: [{ tag: 'fraud', service: 'Amazon EC2', amount: '1.5', unit: 'USD' }, { tag: 'fraud', service: 'Amazon S3', amount: '0.25', unit: 'USD' }, { tag: '', service: 'Amazon EC2', amount: '3', unit: 'USD' }] },
  { day: '2026-01-02', estimated: true, groups: [{ tag: 'fraud', service: 'Amazon EC2', amount: '12.3456789012', unit: 'USD' }, { tag: 'search', service: 'Amazon S3', amount: '-0.01', unit: 'USD' }, { tag: 'fraud', service: 'Amazon S3', amount: '0', unit: 'USD' }] },
], { NextPageToken: 'next' });

/** The answer as the SDK gives it, serialized: members in alphabetical order, the metadata first. */
function sdkOrdered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sdkOrdered);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map(k => [k, sdkOrdered((value as Record<string, unknown>)[k])]));
  }
  return value;
}

describe('pages the scanner reads give the general parser\'s rows', () => {
  const variants: Record<string, string> = {
    'compact, as recorded': JSON.stringify(BASE) + '\n',
    'indented with two spaces': JSON.stringify(BASE, null, 2),
    'tabs and CRLF': JSON.stringify(BASE, null, '\t').replace(/\n/g, '\r\n') + '\r\n',
    'the SDK\'s member order (Groups before TimePeriod), with metadata and attributes': JSON.stringify({
      $metadata: { httpStatusCode: 200, requestId: 'r-1', attempts: 1, totalRetryDelay: 0, cfId: null, extended: [1.5e3, -0.25, 0, true, false, { a: [] }] },
      ...(sdkOrdered(BASE) as object),
      DimensionValueAttributes: [],
    }),
    'the service first in GroupDefinitions and Keys': JSON.stringify({
      ...BASE,
      GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'TAG', Key: 'team' }],
      ResultsByTime: BASE.ResultsByTime.map(r => ({ ...r, Groups: r.Groups.map(g => ({ ...g, Keys: [g.Keys[1], g.Keys[0]] })) })),
    }),
    'no GroupDefinitions, a null token, no Estimated': JSON.stringify({
      ResultsByTime: BASE.ResultsByTime.map(({ Estimated: _e, ...r }) => r), NextPageToken: null,
    }),
    'an empty token and a result without groups': JSON.stringify({
      ...BASE, NextPageToken: '', ResultsByTime: [...BASE.ResultsByTime, { TimePeriod: { Start: '2026-01-03', End: '2026-01-04' }, Total: {}, Groups: [] }],
    }),
    'non-ASCII team and service names': JSON.stringify(answer([{
      day: '2026-01-05',
      groups: [
        { tag: 'équipe-données', service: 'Amazon Élastique', amount: '2', unit: 'USD' },
        { tag: '数据', service: 'Amazon Élastique', amount: '3', unit: 'USD' },
        { tag: '\uFEFFbom', service: '🚀 launch', amount: '4', unit: 'USD' },
        // A string that starts with U+FEFF keeps it, as decoding the whole file does.
        { tag: 'bom', service: '\uFEFFAmazon Élastique', amount: '5', unit: 'USD' },
      ],
    }])),
    'amounts outside the plain form': JSON.stringify(answer([{
      day: '2026-01-06',
      groups: [
        { tag: 'a', service: 's1', amount: '123456.75', unit: 'USD' },
        { tag: 'a', service: 's2', amount: '1.123456789012345', unit: 'USD' },
        { tag: 'a', service: 's4', amount: '-0.00', unit: 'USD' },
        { tag: 'a', service: 's5', amount: '99999999999999999999.5', unit: 'USD' },
        { tag: 'a', service: 's6', amount: '0.00000000005', unit: 'USD' },
      ],
    }])),
    'a zero amount without a unit': JSON.stringify(answer([{ day: '2026-01-07', groups: [{ tag: 'a', service: 's', amount: '0.0' }] }])),
    'a tag value that is literally (untagged)': JSON.stringify(answer([{
      day: '2026-01-08',
      groups: [
        { tag: '(untagged)', service: 's', amount: '1', unit: 'USD' }, { tag: '', service: 's', amount: '2', unit: 'USD' },
      ],
    }])),
  };

  test.each(Object.entries(variants))('%s', (_name, text) => {
    const outcome = expectSame([utf8(text)]);
    expect(outcome.scannedPages).toBe(1);
    expect('rows' in outcome && outcome.rows.length).toBeGreaterThan(0);
  });

  test('the next page token and the days come out as the page has them', () => {
    const page = new PageScanner(METRIC).scan(utf8(JSON.stringify(BASE)))!;
    expect(page.nextPageToken).toBe('next');
    expect(page.days).toEqual(['2026-01-01', '2026-01-02']);
    expect([...page.estimated.subarray(0, page.results)]).toEqual([0, 1]);
    expect(page.groups).toBe(6);
    expect(new PageScanner(METRIC).scan(utf8(JSON.stringify({ ...BASE, NextPageToken: null })))!.nextPageToken).toBeUndefined();
  });

  test('ill-formed UTF-8 in a name decodes as decoding the whole file does', () => {
    const text = JSON.stringify(answer([{ day: '2026-01-05', groups: [{ tag: 'XX', service: 'YY', amount: '1', unit: 'USD' }, { tag: 'ZZ', service: 'YY', amount: '2', unit: 'USD' }] }]));
    for (const bad of [[0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x9a], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const bytes = Buffer.from(text, 'utf8');
      const at = bytes.indexOf('XX');
      const mutated = new Uint8Array(Buffer.concat([bytes.subarray(0, at + 1), Buffer.from(bad), bytes.subarray(at + 1)]));
      const outcome = expectSame([mutated]);
      expect(outcome.scannedPages).toBe(1);
      expect('teams' in outcome && outcome.teams[0]).toContain('\uFFFD');
    }
  });
});

describe('the general parser\'s errors, from scanned pages', () => {
  const one = (groups: G[], day = '2026-01-01') => JSON.stringify(answer([{ day, groups }]));
  const cases: Record<string, string[]> = {
    'a group key without the tag key\'s prefix': [JSON.stringify({
      ...BASE, ResultsByTime: [{ ...BASE.ResultsByTime[0], Groups: [{ Keys: ['owner$fraud', 'Amazon EC2'], Metrics: { [METRIC]: { Amount: '1', Unit: 'USD' } } }] }],
    })],
    'a day outside the window': [one([{ tag: 'a', service: 's', amount: '1', unit: 'USD' }], '2026-02-01')],
    'a day that is not a day': [one([{ tag: 'a', service: 's', amount: '1', unit: 'USD' }], '2026-1-1')],
    'an amount that is not a decimal': [one([{ tag: 'a', service: 's', amount: '1E-10', unit: 'USD' }])],
    'an empty amount': [one([{ tag: 'a', service: 's', amount: '', unit: 'USD' }])],
    'spaces around an amount': [one([{ tag: 'a', service: 's', amount: ' 7.5', unit: 'USD' }])],
    'a space after an amount outside the plain form': [one([{ tag: 'a', service: 's', amount: '123456.5 ', unit: 'USD' }])],
    'a non-zero amount without a unit': [one([{ tag: 'a', service: 's', amount: '1' }])],
    'two currencies': [one([{ tag: 'a', service: 's', amount: '1', unit: 'USD' }, { tag: 'b', service: 's', amount: '1', unit: 'EUR' }])],
    'the same day, team and service twice on a page': [one([{ tag: 'a', service: 's', amount: '1', unit: 'USD' }, { tag: 'a', service: 's', amount: '2', unit: 'USD' }])],
    'a repeated page': [JSON.stringify(BASE), JSON.stringify(BASE)],
    'grouped by something else': [JSON.stringify({ ...BASE, GroupDefinitions: [{ Type: 'DIMENSION', Key: 'REGION' }, { Type: 'DIMENSION', Key: 'SERVICE' }] })],
  };

  test.each(Object.entries(cases))('%s', (_name, texts) => {
    const outcome = expectSame(texts.map(utf8));
    expect(outcome.scannedPages).toBe(texts.length);
    expect(outcome).toHaveProperty('error');
    expect((outcome as { error: string }).error).toMatch(/^CostReportError (malformed-response|duplicate-row|mixed-currencies): /);
  });
});

describe('pages the scanner leaves to JSON.parse', () => {
  const cases: Record<string, string> = {
    'an escape in a name': JSON.stringify(BASE).replace('fraud', 'fr\\u0061ud'),
    'a newline (escaped) after an amount': JSON.stringify(BASE).replace('"1.5"', '"1.5\\n"'),
    'an escaped quote in a name': JSON.stringify(BASE).replace('fraud', 'fr\\"aud'),
    'a repeated ResultsByTime (JSON.parse keeps the last)': JSON.stringify(BASE).replace('"ResultsByTime":', '"ResultsByTime":[],"ResultsByTime":'),
    'a repeated Amount': JSON.stringify(BASE).replace('"Amount":"1.5"', '"Amount":"9","Amount":"1.5"'),
    'an amount that is a number': JSON.stringify(BASE).replace('"1.5"', '1.5'),
    'Estimated that is a string': JSON.stringify(BASE).replace('"Estimated":true', '"Estimated":"true"'),
    'Groups that is null': JSON.stringify({ ...BASE, ResultsByTime: [{ ...BASE.ResultsByTime[0], Groups: null }] }),
    'another metric': JSON.stringify(BASE).replace(/NetAmortizedCost/g, 'UnblendedCost'),
    'two metrics': JSON.stringify(BASE).replace('"Metrics":{', '"Metrics":{"UnblendedCost":{"Amount":"1","Unit":"USD"},'),
    'three keys': JSON.stringify(BASE).replace('"Keys":["team$fraud",', '"Keys":["x","team$fraud",'),
    'a result that is null': JSON.stringify({ ...BASE, ResultsByTime: [null] }),
    'no ResultsByTime': JSON.stringify({ GroupDefinitions: BASE.GroupDefinitions }),
    'a list': JSON.stringify([BASE]),
    'a byte-order mark before the page': '\uFEFF' + JSON.stringify(BASE),
    'text after the page': JSON.stringify(BASE) + ' {}',
    'a leading zero in a skipped number': JSON.stringify({ ...BASE, Extra: 1 }).replace('"Extra":1', '"Extra":01'),
    'a string longer than the scanner reads': JSON.stringify({ ...BASE, Note: 'x'.repeat(1024 * 1024 + 1) }),
    'nesting deeper than the scanner skips': JSON.stringify({ ...BASE, Deep: 0 }).replace('"Deep":0', `"Deep":${'['.repeat(5000)}${']'.repeat(5000)}`),
    'empty': '',
    'null': 'null',
    'truncated': JSON.stringify(BASE).slice(0, 200),
  };

  test.each(Object.entries(cases))('%s', (_name, text) => {
    const outcome = expectSame([utf8(text)]);
    expect(outcome.scannedPages).toBe(0);
  });
});

describe('days without groups, and units', () => {
  const day = (rest: object) => JSON.stringify({ ResultsByTime: [{ TimePeriod: { Start: '2026-01-04', End: '2026-01-05' }, ...rest }, BASE.ResultsByTime[0]] });

  test.each([
    ['no Groups and an empty Total', { Total: {} }, 0],
    ['no Groups and a zero Total', { Total: { [METRIC]: { Amount: '0.000', Unit: 'USD' } } }, 0],
    ['Groups null and no Total', { Groups: null }, 0],
    ['no groups and a Total of 0E-10', { Groups: [], Total: { [METRIC]: { Amount: '0E-10', Unit: 'USD' } } }, 0],
    ['no groups and an empty Total, as grouped answers are', { Groups: [], Total: {} }, 1],
  ])('%s: a day without spend', (_name, rest, scannedPages) => {
    const outcome = expectSame([utf8(day(rest))]);
    expect(outcome).toMatchObject({ rows: expect.arrayContaining(['2026-01-01|fraud|Amazon EC2|1.5|false']) });
    expect(outcome.scannedPages).toBe(scannedPages);
  });

  test.each([
    ['no Groups', { Total: { [METRIC]: { Amount: '12.5', Unit: 'USD' } } }, /2026-01-04 has no Groups but a Total NetAmortizedCost of "12.5": that spend would be in no row/],
    ['Groups null', { Groups: null, Total: { [METRIC]: { Amount: '-3', Unit: 'USD' } } }, /2026-01-04 has Groups null but a Total NetAmortizedCost of "-3"/],
    ['an empty Groups list', { Groups: [], Total: { [METRIC]: { Amount: '0.01', Unit: 'USD' } } }, /2026-01-04 has no groups but a Total NetAmortizedCost of "0.01"/],
    ['a Total that is no number', { Groups: [], Total: { [METRIC]: { Amount: 'n/a', Unit: 'USD' } } }, /has no groups but a Total NetAmortizedCost of "n\/a"/],
  ])('%s with spend in the Total is an error, not a day dropped', (_name, rest, message) => {
    expect(expectSame([utf8(day(rest))])).toMatchObject({ error: expect.stringMatching(message) });
  });

  test('a Unit that is not a string is an error', () => {
    const text = JSON.stringify(BASE).replace('"Unit":"USD"', '"Unit":5');
    expect(expectSame([utf8(text)])).toMatchObject({ error: expect.stringMatching(/NetAmortizedCost Unit is 5; Cost Explorer sends a currency code such as "USD"/) });
  });

  test('a name with a lone surrogate (from an escape) is not taken for U+FFFD on a later scanned page', () => {
    // The escaped page goes to JSON.parse; "\ud800" encodes as U+FFFD's bytes, which must not match a real U+FFFD.
    const first = JSON.stringify(answer([{ day: '2026-01-01', groups: [{ tag: 'a', service: 'A', amount: '1', unit: 'USD' }, { tag: 'a', service: 'X', amount: '1', unit: 'USD' }] }]))
      .replace('"X"', '"\\ud800"');
    for (const second of [
      answer([{ day: '2026-01-02', groups: [{ tag: 'a', service: 'A', amount: '1', unit: 'USD' }, { tag: 'a', service: '\uFFFD', amount: '1', unit: 'USD' }] }]),
      answer([{ day: '2026-01-01', groups: [{ tag: 'b', service: 'A', amount: '1', unit: 'USD' }, { tag: 'a', service: '\uFFFD', amount: '1', unit: 'USD' }] }]),
    ]) {
      const outcome = expectSame([utf8(first), utf8(JSON.stringify(second))]);
      expect(outcome.scannedPages).toBe(1);
      expect(outcome).toMatchObject({ services: ['A', '\ud800', '\uFFFD'] });
    }
    const unit = (u: string, d: string) => JSON.stringify(answer([{ day: d, groups: [{ tag: 'a', service: 'A', amount: '1', unit: u }] }]));
    const outcome = expectSame([utf8(unit('X', '2026-01-01').replace('"X"', '"\\ud800"')), utf8(unit('\uFFFD', '2026-01-02'))]);
    expect(outcome.scannedPages).toBe(1);
    expect(outcome).toMatchObject({ error: expect.stringMatching(/^CostReportError mixed-currencies/) });
  });
});

describe('fields the scanner skips are checked as JSON', () => {
  const withExtra = (value: string) => utf8(JSON.stringify({ ...BASE, Extra: 0 }).replace('"Extra":0', `"Extra":${value}`));

  test.each(['-0', '0.5e-3', '1E+2', '-12.75E-2', '[]', '{}', ' [ 1 , [ ] , { "a" : [ { } ] } ] ', '"é"', '""', 'true', 'false', 'null'])('%s is read', value => {
    expect(expectSame([withExtra(value)]).scannedPages).toBe(1);
  });

  test.each(['-', '1.', '.5', '1e', '1e+', '+1', '01', '-01', '0x1', 'tru', 'nulll', 'True', 'NaN', 'Infinity', "'a'", '"a\u0001b"', '"tab\tin"',
    '[1,]', '[,1]', '[1 2]', '{"a":1,}', '{,}', '{"a"}', '{"a":}', '{1:2}', '{"a" 1}'])('%s is left to JSON.parse', value => {
    expect(expectSame([withExtra(value)]).scannedPages).toBe(0);
  });
});

describe('seeded mutations', () => {
  // Each mutation of a small page goes both ways; a difference in rows, dictionaries, currency or error fails.
  const seedText = JSON.stringify({
    $metadata: { httpStatusCode: 200, attempts: 1 },
    ...answer([
      { day: '2026-01-01', estimated: false, groups: [{ tag: 'fraud', service: 'EC2', amount: '1.5', unit: 'USD' }, { tag: '', service: 'S3', amount: '20', unit: 'USD' }] },
      { day: '2026-01-02', groups: [{ tag: 'ads', service: 'EC2', amount: '0.125', unit: 'USD' }] },
    ], { NextPageToken: 't' }),
  });
  const seed = Buffer.from(seedText, 'utf8');
  // Characters that change JSON's structure or a value's type or text, and bytes outside ASCII.
  const alphabet = Buffer.from('{}[],:"\\ \t\n0123456789.-+eEtrufalsn$aX\u00e9', 'utf8');

  /** A 32-bit linear congruential generator, exact in integer arithmetic (the period is 2^32). */
  function rng(s: number) {
    // eslint-disable-next-line no-bitwise -- an unsigned 32-bit state is the generator's definition
    return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  }

  test('every truncation', () => {
    for (let end = 0; end <= seed.length; end++) {
      expectSame([new Uint8Array(seed.subarray(0, end))]);
    }
  });

  test('3,000 random edits, alone and after a good page', () => {
    const rnd = rng(7);
    const pick = (n: number) => Math.floor(rnd() * n);
    let scannedMutants = 0;
    let failedMutants = 0;
    const distinct = new Set<string>();
    for (let k = 0; k < 3000; k++) {
      let bytes = Buffer.from(seed);
      for (let edits = 1 + pick(3); edits > 0; edits--) {
        const at = pick(bytes.length);
        const kind = pick(4);
        if (kind === 0) {
          bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
        } else if (kind === 1) {
          bytes = Buffer.concat([bytes.subarray(0, at), alphabet.subarray(pick(alphabet.length)).subarray(0, 1), bytes.subarray(at)]);
        } else if (kind === 2) {
          bytes[at] = alphabet[pick(alphabet.length)];
        } else {
          // Copy a slice elsewhere: repeated members, groups and results.
          const from = pick(bytes.length);
          const slice = bytes.subarray(from, from + pick(60));
          bytes = Buffer.concat([bytes.subarray(0, at), slice, bytes.subarray(at)]);
        }
      }
      const mutated = new Uint8Array(bytes);
      distinct.add(bytes.toString('latin1'));
      const alone = expectSame([mutated]);
      expectSame([utf8(JSON.stringify(answer([{ day: '2026-01-03', groups: [{ tag: 'fraud', service: 'EC2', amount: '2', unit: 'USD' }] }]))), mutated]);
      if (alone.scannedPages === 1) scannedMutants++;
      if ('error' in alone) failedMutants++;
    }
    // The comparison means something only if the mutants differ and both kinds are common: read by the
    // scanner, and broken.
    expect(distinct.size).toBeGreaterThan(2900);
    expect(scannedMutants).toBeGreaterThan(300);
    expect(failedMutants).toBeGreaterThan(300);
  });
});

describe('scanner state', () => {
  test('an answer is good until the next scan, and a large page grows the buffers', () => {
    const scanner = new PageScanner(METRIC);
    const groups = Array.from({ length: 3000 }, (_, i) => ({ tag: `t${i % 300}`, service: `s${Math.floor(i / 300)}`, amount: `${i}.5`, unit: 'USD' }));
    const big = utf8(JSON.stringify(answer(Array.from({ length: 100 }, (_, d) => ({ day: `2026-01-${String((d % 31) + 1).padStart(2, '0')}`, groups: d === 0 ? groups : [] })))));
    const page = scanner.scan(big)!;
    expect(page.groups).toBe(3000);
    expect(page.results).toBe(100);
    const outcome = scanned([big], scanner);
    expect(outcome.scannedPages).toBe(1);
    expect('rows' in outcome && outcome.rows.length).toBe(3000);
    expect(scanner.scan(utf8('{"ResultsByTime":[]}'))!.groups).toBe(0);
  });
});
