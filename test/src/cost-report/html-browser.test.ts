import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { type CostDataset, UNTAGGED } from '../../../src/cost-report/model';
import { renderHtml } from '../../../src/cost-report/render/html';
import { buildReport } from '../../../src/cost-report/report';
import { sampleDataset } from '../../../src/cost-report/synthetic';
import { ROOT } from '../../harness/validators';

const reportOf = (data: CostDataset) => buildReport(data, { now: new Date('2026-11-02T08:00:00Z') });

// Flags keep Chromium from reaching the network on its own (component updates, sync, field trials), so any
// request seen below comes from the page.
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const report = reportOf(sampleDataset());
let dir: string;
let context: BrowserContext;
let page: Page;
let pageUrl: string;
const consoleErrors: string[] = [];
const pageErrors: string[] = [];
const failedRequests: string[] = [];
const requests: string[] = [];

interface Box { readonly width: number; readonly height: number }
// The page functions below run in the browser; the project compiles without the DOM library, so the little of
// it they use is declared here.
interface DomElement {
  readonly textContent: string | null;
  readonly points: { readonly numberOfItems: number };
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  getBBox(): Box;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement> & { readonly length: number };
}
declare const document: { getElementById(id: string): DomElement | null };
interface ChartFacts {
  readonly team: string;
  readonly box: Box;
  readonly series: number;
  readonly drawnSeries: number;
  readonly days: number;
  readonly markers: Box[];
}

/**
 * The Chromium to drive: `CHROMIUM_PATH` when set, otherwise the headless Chromium that the `@sparticuz/chromium`
 * dev dependency ships, unpacked into `dir` (so no system browser is needed). That package is ESM-only and jest
 * runs tests as CommonJS, so a short Node process unpacks it and prints the path.
 */
function chromiumExecutable(into: string): string {
  if (process.env.CHROMIUM_PATH) {
    return process.env.CHROMIUM_PATH;
  }
  const script = 'import chromium from "@sparticuz/chromium"; process.stdout.write(await chromium.executablePath());';
  // The package unpacks into os.tmpdir(): point it at this run's own folder.
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, TMPDIR: into },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mlops-html-'));
  const file = path.join(dir, 'report.html');
  writeFileSync(file, renderHtml(report));
  pageUrl = pathToFileURL(file).href;
  const executablePath = chromiumExecutable(mkdtempSync(path.join(dir, 'chromium-')));
  context = await chromium.launchPersistentContext(path.join(dir, 'profile'), { executablePath, headless: true, args: ARGS });
  page = await context.newPage();
  page.on('console', m => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', e => pageErrors.push(e.message));
  page.on('requestfailed', r => failedRequests.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('request', r => requests.push(r.url()));
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.goto(pageUrl, { waitUntil: 'load' });
});

afterAll(async () => {
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
});

function dailyCharts(): Promise<ChartFacts[]> {
  return page.$$eval('svg.daily-chart', (svgs: DomElement[]) => svgs.map(svg => {
    const box = (e: DomElement) => {
      const r = e.getBoundingClientRect();
      return { width: r.width, height: r.height };
    };
    const series = [...svg.querySelectorAll('path.series')];
    return {
      team: svg.getAttribute('data-team')!,
      box: box(svg),
      series: series.length,
      drawnSeries: series.filter(p => p.getBBox().height > 0).length,
      days: svg.querySelectorAll('g.days rect').length,
      markers: [...svg.querySelectorAll('.anomaly-marker')].map(box),
    };
  }));
}

describe('the HTML report in headless Chromium', () => {
  test('loads with no console error, no page error and no failed request', () => {
    expect({ consoleErrors, pageErrors, failedRequests }).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });

  test('requests nothing but the page itself', () => {
    expect(requests).toEqual([pageUrl]);
  });

  test('draws one non-empty daily chart per team', async () => {
    const charts = await dailyCharts();
    expect(charts.map(c => c.team)).toEqual(report.teams.map(t => t.team));
    for (const c of charts) {
      expect(c.box.width).toBeGreaterThan(500);
      expect(c.box.height).toBeGreaterThan(100);
    }
  });

  test('stacks each team by service: one drawn series per service (six at most, then one for the rest)', async () => {
    const charts = await dailyCharts();
    const expected = report.teams.map(t => (t.services.length > 6 ? 7 : t.services.length));
    expect(charts.map(c => c.series)).toEqual(expected);
    expect(charts.map(c => c.drawnSeries)).toEqual(expected);
  });

  test('has a bar slot for every day of the period', async () => {
    const charts = await dailyCharts();
    expect(charts.map(c => c.days)).toEqual(report.teams.map(() => report.days.length));
  });

  test('marks every anomaly on its team\'s chart with a visible marker', async () => {
    const charts = await dailyCharts();
    expect(report.anomalies.length).toBeGreaterThan(0);
    for (const c of charts) {
      expect(c.markers).toHaveLength(report.anomalies.filter(a => a.team === c.team).length);
      for (const m of c.markers) {
        expect(m.width).toBeGreaterThan(0);
        expect(m.height).toBeGreaterThan(0);
      }
    }
  });

  test('draws a share bar per team, the untagged one in its own colour', async () => {
    const bars = await page.$$eval('svg.share-chart g.share', (gs: DomElement[]) => gs.map(g => ({
      team: g.getAttribute('data-team'),
      width: g.querySelector('rect')!.getBoundingClientRect().width,
      fill: g.querySelector('rect')!.getAttribute('fill'),
    })));
    expect(bars.map(b => b.team)).toEqual(report.teams.map(t => t.team));
    expect(bars.every(b => b.width > 0)).toBe(true);
    const untaggedFill = bars.find(b => b.team === UNTAGGED)!.fill;
    expect(bars.filter(b => b.fill === untaggedFill).map(b => b.team)).toEqual([UNTAGGED]);
  });

  test('draws the untagged share line across the whole period', async () => {
    const line = await page.$eval('svg.untagged-chart polyline', (p: DomElement) => ({
      points: p.points.numberOfItems,
      width: p.getBoundingClientRect().width,
    }));
    expect(line.points).toBe(report.days.length);
    expect(line.width).toBeGreaterThan(500);
  });

  test('every chart is an image with a title and a description that exist and say something', async () => {
    const charts = await page.$$eval('svg', (svgs: DomElement[]) => svgs.map(svg => {
      const ids = (svg.getAttribute('aria-labelledby') ?? '').split(' ').filter(Boolean);
      return { role: svg.getAttribute('role'), texts: ids.map(id => document.getElementById(id)?.textContent ?? '') };
    }));
    expect(charts.length).toBe(report.teams.length + 2);
    for (const c of charts) {
      expect(c.role).toBe('img');
      expect(c.texts).toHaveLength(2);
      expect(c.texts.every(t => t.length > 10)).toBe(true);
    }
  });

  test('the page has a language, a title and one top-level heading', async () => {
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.title()).toBe('Cost report 2025-11-01 to 2026-10-31');
    expect(await page.locator('h1').count()).toBe(1);
  });
});
