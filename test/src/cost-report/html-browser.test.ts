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
declare const document: {
  readonly documentElement: { readonly scrollWidth: number; readonly clientWidth: number };
  getElementById(id: string): DomElement | null;
};
declare function getComputedStyle(e: DomElement, pseudo?: string): {
  readonly fill: string; readonly stroke: string; readonly backgroundColor: string; readonly overflowX: string;
};
/** One chart's drawn series and legend entries, each as [name, computed colour]. */
interface LegendFacts {
  readonly chart: string;
  readonly drawn: string[][];
  readonly legend: string[][];
}
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

  test('each chart\'s legend lists exactly the series drawn, with the colour the browser paints them in', async () => {
    const facts = await page.$$eval('figure', (figures: DomElement[]) => figures.flatMap(f => {
      const svg = f.querySelector('svg');
      if (!svg) return [];
      const visible = (e: DomElement) => e.getBBox().height > 0 && e.getBBox().width > 0;
      const cls = svg.getAttribute('class')!;
      let drawn: string[][];
      if (cls === 'daily-chart') {
        drawn = [...svg.querySelectorAll('path.series')].filter(visible).map(p => [p.getAttribute('data-service')!, getComputedStyle(p).fill]);
      } else if (cls === 'share-chart') {
        const byColour = new Map<string, string>();
        for (const g of svg.querySelectorAll('g.share')) {
          const rect = g.querySelector('rect')!;
          byColour.set(getComputedStyle(rect).fill, g.getAttribute('class')!.includes('untagged') ? 'untagged' : 'team (tagged)');
        }
        drawn = [...byColour].map(([colour, name]) => [name, colour]);
      } else {
        const line = svg.querySelector('polyline')!;
        drawn = [['untagged share of the day\'s spend', getComputedStyle(line).stroke]];
      }
      const legend = [...f.querySelectorAll('.legend li.series-key')].map(li => [li.textContent!, getComputedStyle(li, '::before').backgroundColor]);
      return [{ chart: `${cls} ${svg.getAttribute('data-team') ?? ''}`, drawn, legend }];
    })) as LegendFacts[];
    expect(facts).toHaveLength(report.teams.length + 2);
    for (const f of facts) {
      expect(f.drawn.length).toBeGreaterThan(0);
      expect([f.chart, f.legend]).toEqual([f.chart, f.drawn]);
    }
  });

  test('a service is painted in the same colour in every team\'s chart', async () => {
    const fills = await page.$$eval('svg.daily-chart path.series', (paths: DomElement[]) =>
      paths.map(p => [p.getAttribute('data-service')!, getComputedStyle(p).fill]));
    const byService = new Map<string, Set<string>>();
    for (const [service, fill] of fills) {
      byService.set(service, (byService.get(service) ?? new Set()).add(fill));
    }
    expect(byService.size).toBeGreaterThan(8);
    expect([...byService].filter(([, set]) => set.size > 1)).toEqual([]);
  });

  test('at phone width (390 px) the page does not scroll sideways and wide tables scroll in their own box', async () => {
    const phone = await context.newPage();
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(pageUrl, { waitUntil: 'load' });
      // Open the monthly tables too: they are the widest.
      await phone.$$eval('details', (ds: DomElement[]) => ds.forEach(d => (d as unknown as { open: boolean }).open = true));
      const facts = await phone.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        charts: [...(document as unknown as DomElement).querySelectorAll('svg')].map(s => s.getBoundingClientRect().width),
      }));
      expect(facts.scrollWidth).toBeLessThanOrEqual(390);
      expect(Math.max(...facts.charts)).toBeLessThanOrEqual(390);
      const boxes = await phone.$$eval('.table-scroll', (ds: DomElement[]) => ds.map(d => {
        const e = d as unknown as { scrollWidth: number; clientWidth: number };
        return { scrollWidth: e.scrollWidth, clientWidth: e.clientWidth, overflow: getComputedStyle(d).overflowX };
      }));
      expect(boxes.every(b => b.overflow === 'auto' && b.clientWidth <= 390)).toBe(true);
      // At least one table is wider than the phone: it scrolls inside its box, not the page.
      expect(boxes.some(b => b.scrollWidth > b.clientWidth)).toBe(true);
    } finally {
      await phone.close();
    }
  });

  test('the page has a language, a title and one top-level heading', async () => {
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.title()).toBe('Cost report 2025-11-01 to 2026-10-31');
    expect(await page.locator('h1').count()).toBe(1);
  });
});
