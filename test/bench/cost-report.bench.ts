import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { formatAmountExact } from '../../src/cost-report/amount';
import { monthWindows } from '../../src/cost-report/dates';
import { readCostExplorer, type ReadResult } from '../../src/cost-report/explorer';
import { csvLines } from '../../src/cost-report/render/csv';
import { jsonChunks } from '../../src/cost-report/render/json';
import { renderMarkdown } from '../../src/cost-report/render/markdown';
import { buildReport } from '../../src/cost-report/report';

// Reading a year of Cost Explorer answers for 200 teams x 15 services (about a million rows) from a recording:
// throughput, peak memory against the size of the raw JSON, and what the same read costs in requests live and
// through the cache of closed months. Prints Markdown lines.

const TEAMS = Number(process.env.BENCH_TEAMS ?? 200);
const SERVICES = 15;
const START = '2025-01-01';
const END = '2026-01-01';
/**
 * Groups per page. Cost Explorer does not document its page size, so the API-call figures are given for two
 * assumptions: 5,000 groups a page (the main measurements) and a pessimistic 1,000.
 */
const GROUPS_PER_PAGE = 5_000;
const SMALL_GROUPS_PER_PAGE = 1_000;
const MB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function generateRecording(dir: string, groupsPerPage = GROUPS_PER_PAGE): { pages: number; bytes: number; rows: number } {
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const teams = Array.from({ length: TEAMS }, (_, i) => (i === 0 ? '' : `team-${String(i).padStart(3, '0')}`));
  const services = Array.from({ length: SERVICES }, (_, i) => `Amazon Service ${String.fromCharCode(65 + i)}`);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'mlops-stack/cost-explorer-recording@1', start: START, end: END, tagKey: 'team', metric: 'NetAmortizedCost' }));
  let pages = 0;
  let bytes = 0;
  let rows = 0;
  for (const w of monthWindows(START, END)) {
    const wdir = path.join(dir, `${w.start}_${w.end}`);
    mkdirSync(wdir, { recursive: true });
    let results: object[] = [];
    let groups = 0;
    let n = 0;
    // The last page of a window carries its last groups: no empty trailing page when they divide evenly.
    let left = ((Date.parse(`${w.end}T00:00:00Z`) - Date.parse(`${w.start}T00:00:00Z`)) / 86_400_000) * teams.length * services.length;
    const flush = (last: boolean) => {
      n++;
      const body = JSON.stringify({
        GroupDefinitions: [{ Type: 'TAG', Key: 'team' }, { Type: 'DIMENSION', Key: 'SERVICE' }],
        ResultsByTime: results,
        ...(last ? {} : { NextPageToken: `${w.start}/${n + 1}` }),
      });
      writeFileSync(path.join(wdir, `page-${String(n).padStart(5, '0')}.json`), body);
      bytes += body.length;
      pages++;
      results = [];
      groups = 0;
    };
    for (let d = new Date(`${w.start}T00:00:00Z`); d.toISOString().slice(0, 10) < w.end; d = new Date(d.getTime() + 86_400_000)) {
      const day = d.toISOString().slice(0, 10);
      let current: { TimePeriod: object; Total: object; Groups: object[]; Estimated: boolean } | undefined;
      for (const team of teams) {
        for (const service of services) {
          if (!current) {
            current = { TimePeriod: { Start: day, End: day }, Total: {}, Groups: [], Estimated: day >= '2025-12-30' };
            results.push(current);
          }
          current.Groups.push({ Keys: [`team$${team}`, service], Metrics: { NetAmortizedCost: { Amount: (rnd() * rnd() * 40).toFixed(10), Unit: 'USD' } } });
          rows++;
          left--;
          if (++groups === groupsPerPage && left > 0) {
            flush(false);
            current = undefined;
          }
        }
      }
    }
    flush(true);
  }
  return { pages, bytes, rows };
}

/** A client that serves the recording as if it were Cost Explorer (tokens name the next page file). */
function recordingClient(dir: string): CostExplorerClient {
  return {
    send: async (command: GetCostAndUsageCommand) => {
      const input = command.input;
      const page = input.NextPageToken ? Number(input.NextPageToken.split('/')[1]) : 1;
      const file = path.join(dir, `${input.TimePeriod!.Start}_${input.TimePeriod!.End}`, `page-${String(page).padStart(5, '0')}.json`);
      return { $metadata: {}, ...JSON.parse(readFileSync(file, 'utf8')) };
    },
  } as unknown as CostExplorerClient;
}

/**
 * JavaScript memory in use: the V8 heap plus memory outside it that JavaScript objects own (typed arrays' and
 * Buffers' backing stores are not in `heapUsed`; the compact rows live there). Both sides of every comparison
 * are measured with this.
 */
function jsMemory(m = process.memoryUsage()): number {
  return m.heapUsed + m.external;
}

/**
 * A collection, a turn of the event loop and another: buffers found dead are freed off the main thread after
 * the collection that finds them, so a figure taken after one collection can still count them.
 */
async function settle(): Promise<void> {
  gc();
  await new Promise(resolve => setTimeout(resolve, 50));
  gc();
}

async function measure(what: string, run: (sample: () => void) => Promise<ReadResult>) {
  await settle();
  const baseline = jsMemory();
  let peakHeap = baseline;
  let peakRss = process.memoryUsage().rss;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, jsMemory(m));
    peakRss = Math.max(peakRss, m.rss);
  };
  const t0 = process.hrtime.bigint();
  const result = await run(sample);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  sample();
  return { what, result, seconds, peakHeap: peakHeap - baseline, peakRss };
}

/**
 * What a read's result holds: memory with it, less memory once it is released (in a run of its own, so
 * nothing else holds the result). A difference against a baseline taken before the run would also count
 * whatever the run's collections freed that predates it: V8 drops the bytecode of functions not run lately,
 * such as the compiler's that loaded this file.
 */
async function retainedBy(run: () => Promise<ReadResult>): Promise<number> {
  const holder: { result?: ReadResult } = { result: await run() };
  await settle();
  const withResult = jsMemory();
  holder.result = undefined;
  await settle();
  return withResult - jsMemory();
}

/** The same year recorded in pages of `groupsPerPage` groups, read live and re-run through the cache: requests only. */
async function apiCallsWithPagesOf(groupsPerPage: number, parent: string): Promise<void> {
  const dir = path.join(parent, `pages-of-${groupsPerPage}`);
  mkdirSync(dir);
  const rec = generateRecording(dir, groupsPerPage);
  const cacheDir = path.join(dir, '.cache');
  const read = () => readCostExplorer({
    start: START, end: END, client: recordingClient(dir), cacheDir, ratePerSecond: 1e6, now: () => new Date('2026-01-02T00:00:00Z'),
  });
  const live = (await read()).stats;
  const cached = (await read()).stats;
  if (live.requests !== rec.pages) {
    console.log(`- **FAIL**: a live read of ${rec.pages} pages made ${live.requests} requests`);
    process.exitCode = 1;
  }
  console.log(`- API calls, pages of ${groupsPerPage.toLocaleString('en')} groups (${rec.pages} pages): a live read makes **${live.requests} requests (USD ${(live.requests / 100).toFixed(2)})**; ` +
    `re-run with the cache: **${cached.requests} requests (USD ${(cached.requests / 100).toFixed(2)})**, ${cached.cachedWindows} of ${cached.windows} months from the cache`);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Side by side, in a fresh process each (so neither pays for the other's garbage): replaying the year to JSON
 * (read, buildReport, jsonChunks) against a bare script that only reads the same page files and JSON.parses
 * them. Both run the same way (ts-node --transpile-only, a collection before the baseline, no warm-up); memory
 * (V8 heap plus external, see {@link jsMemory}) is sampled after every page and every 10 JSON chunks; peaks
 * are above a baseline taken after the modules are loaded. Max RSS is the operating system's figure.
 */
async function sideBySide(dir: string): Promise<void> {
  const child = (mode: string) => {
    const out = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', __filename], {
      env: { ...process.env, BENCH_SIDE_BY_SIDE: mode, BENCH_DIR: dir }, encoding: 'utf8', maxBuffer: MB,
    });
    const line = out.stdout.split('\n').find(l => l.startsWith('{'));
    if (out.status !== 0 || !line) {
      throw new Error(`side-by-side ${mode} run failed (${out.status}): ${out.stderr.slice(-2000)}`);
    }
    return JSON.parse(line) as { seconds: number; peakHeap: number; maxRss: number; bytes: number };
  };
  // Alternate, three times each, and keep each side's best time and lowest peak, to damp a busy machine (the
  // same rule for both sides, so neither is favoured).
  const rounds = 3;
  const runs = Array.from({ length: rounds }, () => [child('bare'), child('report')]);
  const best = (side: number) => ({
    seconds: Math.min(...runs.map(r => r[side].seconds)),
    peakHeap: Math.min(...runs.map(r => r[side].peakHeap)),
    maxRss: Math.min(...runs.map(r => r[side].maxRss)),
  });
  const bare = best(0);
  const full = best(1);
  const verdict = (ratio: number) => (ratio <= 2 ? 'target <= 2x: met' : 'target <= 2x: **missed**');
  console.log(`- side by side, year to JSON (${(runs[0][1].bytes / MB).toFixed(0)} MB) against a bare read + JSON.parse of the same pages, best of ${rounds} each: ` +
    `time ${full.seconds.toFixed(2)} s vs ${bare.seconds.toFixed(2)} s = **${(full.seconds / bare.seconds).toFixed(2)}x** (${verdict(full.seconds / bare.seconds)}); ` +
    `peak heap + external ${(full.peakHeap / MB).toFixed(0)} MB vs ${(bare.peakHeap / MB).toFixed(0)} MB = **${(full.peakHeap / bare.peakHeap).toFixed(2)}x** (${verdict(full.peakHeap / bare.peakHeap)}); ` +
    `max RSS ${(full.maxRss / MB).toFixed(0)} MB vs ${(bare.maxRss / MB).toFixed(0)} MB = ${(full.maxRss / bare.maxRss).toFixed(2)}x`);
}

/** One side of {@link sideBySide}, in its own process: prints one JSON line. */
async function sideBySideChild(mode: string, dir: string): Promise<void> {
  gc();
  const baseline = jsMemory();
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, jsMemory());
  };
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  if (mode === 'bare') {
    for (const w of readdirSync(dir).filter(d => /^\d{4}-/.test(d)).sort()) {
      for (const f of readdirSync(path.join(dir, w)).sort()) {
        const page = JSON.parse(readFileSync(path.join(dir, w, f), 'utf8')) as { ResultsByTime: unknown[] };
        bytes += page.ResultsByTime.length;
        sample();
      }
    }
  } else {
    const { dataset } = await readCostExplorer({ start: START, end: END, replayDir: dir, onProgress: sample });
    const report = buildReport(dataset);
    let n = 0;
    for (const chunk of jsonChunks(report)) {
      bytes += chunk.length;
      // The rows come a few hundred to a chunk: sample about as often as the bare side samples pages.
      if (++n % 10 === 0) sample();
    }
  }
  sample();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ seconds, peakHeap: peak - baseline, maxRss: process.resourceUsage().maxRSS * 1024, bytes }));
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'cost-report-bench-'));
  const cacheDir = path.join(dir, '.cache');
  try {
    const tg = Date.now();
    const rec = generateRecording(dir);
    console.log(`- data set: ${TEAMS} teams x ${SERVICES} services x 365 days = ${rec.rows.toLocaleString('en')} rows in ${rec.pages} pages ` +
      `of up to ${GROUPS_PER_PAGE.toLocaleString('en')} groups, ${(rec.bytes / MB).toFixed(0)} MB of raw JSON ` +
      `(largest page ${(statSync(path.join(dir, '2025-01-01_2025-02-01', 'page-00001.json')).size / MB).toFixed(1)} MB); generated in ${((Date.now() - tg) / 1000).toFixed(1)} s`);

    const replay = await measure('replay', sample => readCostExplorer({ start: START, end: END, replayDir: dir, onProgress: sample }));
    const rows = replay.result.dataset.rows.length;
    const retained = await retainedBy(() => readCostExplorer({ start: START, end: END, replayDir: dir }));
    console.log(`- replay: ${rows.toLocaleString('en')} rows in ${replay.seconds.toFixed(2)} s = **${Math.round(rows / replay.seconds).toLocaleString('en')} rows/s**`);
    console.log(`- memory: peak heap + external **${(replay.peakHeap / MB).toFixed(0)} MB** above baseline (peak RSS ${(replay.peakRss / MB).toFixed(0)} MB) ` +
      `for ${(rec.bytes / MB).toFixed(0)} MB of raw JSON; the retained rows (the aggregate) take ${(retained / MB).toFixed(0)} MB, ` +
      `so reading costs ${((replay.peakHeap - retained) / MB).toFixed(0)} MB over the aggregate; ` +
      `**${(retained / rows).toFixed(1)} bytes per row retained** (of which the store's columns ${(replay.result.dataset.rows.columnBytes / rows).toFixed(1)})`);
    // Bounded by a page plus the aggregate: what reading needs beyond the rows it keeps must not grow with the
    // raw JSON (parsed, 122 MB of it would take several times that). 64 MB is about a hundred parsed pages. The
    // bound is fixed, not a share of the raw JSON: with few teams the pages parsed between two collections can
    // outweigh a small recording without growing with it.
    const overhead = replay.peakHeap - retained;
    if (overhead > 64 * MB) {
      console.log(`- **FAIL**: reading took ${(overhead / MB).toFixed(0)} MB over the aggregate; expected under 64 MB, independent of the data set size`);
      process.exitCode = 1;
    }

    const live = await measure('live', sample => readCostExplorer({
      start: START, end: END, client: recordingClient(dir), cacheDir, ratePerSecond: 1e6, onProgress: sample, now: () => new Date('2026-01-02T00:00:00Z'),
    }));
    const cached = await measure('cached', sample => readCostExplorer({
      start: START, end: END, client: recordingClient(dir), cacheDir, ratePerSecond: 1e6, onProgress: sample, now: () => new Date('2026-01-02T00:00:00Z'),
    }));
    console.log(`- API calls, pages of ${GROUPS_PER_PAGE.toLocaleString('en')} groups: a live read makes **${live.result.stats.requests} requests (USD ${(live.result.stats.requests / 100).toFixed(2)})**; ` +
      `re-run with the cache: **${cached.result.stats.requests} requests (USD ${(cached.result.stats.requests / 100).toFixed(2)})**, ` +
      `${cached.result.stats.cachedWindows} of ${cached.result.stats.windows} months from the cache (December has estimated days, so it is fetched again); ` +
      `cached read ${cached.seconds.toFixed(2)} s`);
    await apiCallsWithPagesOf(SMALL_GROUPS_PER_PAGE, dir);
    await sideBySide(dir);

    const t1 = process.hrtime.bigint();
    const report = buildReport(replay.result.dataset);
    const tReport = Number(process.hrtime.bigint() - t1) / 1e9;
    const t2 = process.hrtime.bigint();
    const md = renderMarkdown(report);
    const tMd = Number(process.hrtime.bigint() - t2) / 1e9;
    const t3 = process.hrtime.bigint();
    let csvBytes = 0;
    for (const line of csvLines(report)) {
      csvBytes += line.length;
    }
    const tCsv = Number(process.hrtime.bigint() - t3) / 1e9;
    const t4 = process.hrtime.bigint();
    let jsonBytes = 0;
    for (const chunk of jsonChunks(report)) {
      jsonBytes += chunk.length;
    }
    const tJson = Number(process.hrtime.bigint() - t4) / 1e9;
    console.log(`- buildReport (totals, anomalies, projections): ${tReport.toFixed(2)} s, ${report.anomalies.length} anomalies; total ${formatAmountExact(report.total)} ${report.currency}`);
    console.log(`- render: Markdown ${tMd.toFixed(2)} s (${md.length.toLocaleString('en')} chars), CSV ${tCsv.toFixed(2)} s (${(csvBytes / MB).toFixed(0)} MB), JSON ${tJson.toFixed(2)} s (${(jsonBytes / MB).toFixed(0)} MB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

(process.env.BENCH_SIDE_BY_SIDE ? sideBySideChild(process.env.BENCH_SIDE_BY_SIDE, process.env.BENCH_DIR!) : main()).catch(err => {
  console.error(err);
  process.exit(1);
});
