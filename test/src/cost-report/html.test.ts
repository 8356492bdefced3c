import { amountFromNumber } from '../../../src/cost-report/amount';
import { type CostDataset, type CostRow, UNTAGGED } from '../../../src/cost-report/model';
import { SERVICE_PALETTE, contrastRatio } from '../../../src/cost-report/render/colours';
import { renderHtml } from '../../../src/cost-report/render/html';
import { renderMarkdown } from '../../../src/cost-report/render/markdown';
import { buildReport } from '../../../src/cost-report/report';
import { sampleDataset } from '../../../src/cost-report/synthetic';

const reportOf = (data: CostDataset) => buildReport(data, { now: new Date('2026-11-02T08:00:00Z') });

const EC2 = 'Amazon Elastic Compute Cloud - Compute';

function dataset(rows: CostRow[], start = '2026-03-01', end = '2026-03-04'): CostDataset {
  return { query: { start, end, tagKey: 'team', metric: 'NetAmortizedCost' }, currency: 'USD', rows, apiCalls: 3 };
}
/** Per daily chart: the (service, fill) of each drawn series and the (name, swatch) of each legend entry. */
function chartsOf(page: string): { team: string; drawn: string[][]; legend: string[][] }[] {
  return page.split('<article class="team-chart').slice(1).map(article => ({
    team: /data-team="([^"]*)"/.exec(article)![1],
    drawn: [...article.matchAll(/<path class="series" data-service="([^"]*)" fill="([^"]+)"/g)].map(m => [m[1], m[2]]),
    legend: [...article.matchAll(/<li class="series-key" style="--swatch: ([^"]+)">([^<]*)<\/li>/g)].map(m => [m[2], m[1]]),
  }));
}

function row(day: string, team: string, amount: number, service = EC2, estimated = false): CostRow {
  return { day, team, service, amount: amountFromNumber(amount), estimated };
}

describe('renderHtml', () => {
  const sample = reportOf(sampleDataset());
  const html = renderHtml(sample);

  test('is self-contained: no script, no external reference, and a policy that forbids fetching', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|src=|href=/i);
    expect(html.match(/url\([^)]*\)/g)?.every(u => u.startsWith('url(#'))).toBe(true);
    expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">');
  });

  test('has one daily chart per team, the untagged row included', () => {
    expect(html.match(/<svg class="daily-chart"/g)).toHaveLength(sample.teams.length);
    expect(html).toContain(`data-team="${UNTAGGED}"`);
  });

  test('lists every anomaly in the table', () => {
    expect(html.match(/<tr class="anomaly-row/g)).toHaveLength(sample.anomalies.length);
  });

  test('charts at most maxDailyCharts teams and says where the others are', () => {
    const capped = renderHtml(sample, { maxDailyCharts: 3 });
    expect(capped.match(/<svg class="daily-chart"/g)).toHaveLength(3);
    expect(capped).toContain(`The 3 largest of ${sample.teams.length} teams are charted`);
  });

  test('services beyond maxServicesPerChart are stacked as one other series', () => {
    const rows = ['A', 'B', 'C', 'D'].map((s, i) => row('2026-03-01', 'fraud', 10 - i, `Service ${s}`));
    const out = renderHtml(reportOf(dataset(rows)), { maxServicesPerChart: 2 });
    expect(out.match(/<path class="series" data-service="([^"]*)"/g)).toEqual([
      '<path class="series" data-service="Service A"', '<path class="series" data-service="Service B"', '<path class="series" data-service="Other services"',
    ]);
  });

  test('escapes team and service names', () => {
    const rows = [row('2026-03-01', '<img src=x onerror=alert(1)>', 5, 'S3 "quoted" & <b>')];
    const out = renderHtml(reportOf(dataset(rows)));
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<b>');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('data-service="S3 &quot;quoted&quot; &amp; &lt;b&gt;"');
  });

  test('team totals are apportioned so the shown figures add up to the shown total', () => {
    // Three teams of 0.335 each: rounded one by one they show 1.02 against a total of 1.00 (1.005, half-even).
    const rows = ['a', 'b', 'c'].map(t => row('2026-03-01', t, 0.335));
    const out = renderHtml(reportOf(dataset(rows)));
    const shown = [...out.matchAll(/<text x="[\d.]+" y="[\d.]+">([\d,.]+) · /g)].map(m => Math.round(Number(m[1]) * 100));
    expect(shown.reduce((a, b) => a + b, 0)).toBe(100);
    expect(out).toContain('<dd>1.00 USD</dd>');
  });

  test('shows the same team figures and total as the Markdown report', () => {
    const rows = [...['a', 'b', 'c'].map(t => row('2026-03-01', t, 0.335)), row('2026-03-01', UNTAGGED, 2.0049)];
    const report = reportOf(dataset(rows));
    const page = renderHtml(report);
    const markdown = renderMarkdown(report);
    const htmlTeams = [...page.matchAll(/<text x="[\d.]+" y="[\d.]+">([\d,.]+) · /g)].map(m => m[1]);
    // The team table, before the projection table that repeats the team names.
    const teamTable = markdown.slice(0, markdown.indexOf('#### '));
    const markdownTeams = [...teamTable.matchAll(/^\| (?!\*\*)[^|]+ \| ([\d,.]+) \|/gm)].map(m => m[1]);
    expect(htmlTeams).toEqual(['2.00', '0.34', '0.34', '0.33']);
    expect(markdownTeams).toEqual(htmlTeams);
    expect(page).toContain('<dd>3.01 USD</dd>');
    expect(markdown).toContain('**Total 3.01 USD**');
  });

  test('names the provisional days', () => {
    const rows = [row('2026-03-01', 'fraud', 5), row('2026-03-02', 'fraud', 5), row('2026-03-03', 'fraud', 2, EC2, true)];
    expect(renderHtml(reportOf(dataset(rows)))).toContain('Cost Explorer marks 2026-03-03 as estimated');
  });

  test('credits (negative amounts) are drawn below the zero line', () => {
    const rows = [row('2026-03-01', 'fraud', 10), row('2026-03-01', 'fraud', -4, 'Credits')];
    const out = renderHtml(reportOf(dataset(rows)));
    const zero = Number(/<line class="zero" x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)"/.exec(out)![1]);
    const [, top, bottom] = /data-service="Credits" fill="[^"]+" d="M[\d.]+ ([\d.]+)V([\d.]+)/.exec(out)!.map(Number);
    expect(top).toBe(zero);
    expect(bottom).toBeGreaterThan(zero);
  });

  test('leaves the AWS comparison out when no findings were fetched', () => {
    expect(html).not.toContain('AWS Cost Anomaly Detection, side by side');
  });

  test('shows AWS Cost Anomaly Detection findings side by side, agreeing or not', () => {
    const [first] = sample.anomalies;
    const agreeing = { id: 'a-1', start: first.start, end: first.end, ongoing: false, team: first.team, impact: first.impact, maxScore: 40, rootCauses: [] };
    const awsOnly = { id: 'a-2', start: '2026-01-01', end: '2026-01-01', ongoing: true, dimension: 'Amazon Bedrock', impact: { units: 1n }, maxScore: 5, rootCauses: [] };
    const out = renderHtml({ ...sample, awsAnomalies: [agreeing, awsOnly] });
    expect(out).toContain('AWS Cost Anomaly Detection, side by side');
    expect(out.match(/<tr class="aws-row agree"><td>both<\/td>/g)).toHaveLength(1);
    expect(out.match(/<tr class="aws-row differ"><td>AWS only<\/td>/g)).toHaveLength(1);
    expect(out.match(/<tr class="aws-row differ"><td>this report only<\/td>/g)).toHaveLength(sample.anomalies.length - 1);
  });

  test('an empty report still renders and says there is no spend', () => {
    const out = renderHtml(reportOf(dataset([])));
    expect(out).toContain('No spend in this period.');
    expect(out).not.toContain('class="daily-chart"');
  });

  test('a service has one colour on the whole page, not one per team', () => {
    // The sample draws SageMaker first for some teams and second or third for others.
    const seen = new Map<string, Set<string>>();
    for (const chart of chartsOf(html)) {
      for (const [service, fill] of chart.drawn) {
        seen.set(service, (seen.get(service) ?? new Set()).add(fill));
      }
    }
    expect(seen.get('Amazon SageMaker')).toBeDefined();
    const changing = [...seen].filter(([, fills]) => fills.size > 1).map(([service, fills]) => `${service}: ${[...fills].join(', ')}`);
    expect(changing).toEqual([]);
  });

  test('services drawn in the same chart have different colours', () => {
    for (const chart of chartsOf(html)) {
      expect(new Set(chart.drawn.map(([, fill]) => fill)).size).toBe(chart.drawn.length);
    }
  });

  test('every series colour is from the palette and has at least 3:1 contrast on white', () => {
    const fills = new Set(chartsOf(html).flatMap(c => c.drawn.map(([, fill]) => fill)));
    expect(fills.size).toBeGreaterThan(3);
    for (const fill of fills) {
      expect([...SERVICE_PALETTE, '#767676']).toContain(fill);
      expect(contrastRatio(fill, '#FFFFFF')).toBeGreaterThanOrEqual(3);
    }
  });

  test('each chart\'s legend lists exactly the series it draws, in the same colours', () => {
    const charts = chartsOf(html);
    expect(charts).toHaveLength(sample.teams.length);
    for (const chart of charts) {
      expect(chart.legend).toEqual(chart.drawn);
    }
  });

  test('a series with nothing to draw gets neither a path nor a legend entry', () => {
    const rows = [row('2026-03-01', 'fraud', 10), row('2026-03-01', 'fraud', 0, 'Amazon S3')];
    const [chart] = chartsOf(renderHtml(reportOf(dataset(rows))));
    expect(chart.drawn.map(([s]) => s)).toEqual([EC2]);
    expect(chart.legend.map(([s]) => s)).toEqual([EC2]);
  });

  test('the projection says which provisional days it left out of month to date', () => {
    expect(sample.provisionalDays).toEqual(['2026-10-30', '2026-10-31']);
    expect(html).toContain('Month to date counts 2026-10-01 to 2026-10-29; it leaves out 2026-10-30, 2026-10-31, provisional (Estimated) in Cost Explorer, and projects those days like the rest of the month.');
  });

  test('the projection says when no provisional day was left out', () => {
    const rows = [row('2026-03-01', 'fraud', 5), row('2026-03-02', 'fraud', 5)];
    expect(renderHtml(reportOf(dataset(rows)))).toContain('Month to date counts 2026-03-01 to 2026-03-02; no provisional (Estimated) day was left out.');
  });

  test('the projection says when provisional days are counted because no day after them is complete', () => {
    const rows = [row('2026-03-01', 'fraud', 5, EC2, true), row('2026-03-02', 'fraud', 5, EC2, true)];
    expect(renderHtml(reportOf(dataset(rows)))).toContain('2026-03-01, 2026-03-02 are provisional (Estimated) but counted, being on or before 2026-03-02.');
  });

  test('every table sits in its own horizontally scrolling box', () => {
    const tables = html.match(/<table/g)!.length;
    expect(html.match(/<div class="table-scroll"><table/g)).toHaveLength(tables);
    expect(html).toContain('.table-scroll { overflow-x: auto;');
  });
});
