import { amountFromNumber } from '../../../src/cost-report/amount';
import { type CostDataset, type CostRow, UNTAGGED } from '../../../src/cost-report/model';
import { renderHtml } from '../../../src/cost-report/render/html';
import { renderMarkdown } from '../../../src/cost-report/render/markdown';
import { buildReport } from '../../../src/cost-report/report';
import { sampleDataset } from '../../../src/cost-report/synthetic';

const reportOf = (data: CostDataset) => buildReport(data, { now: new Date('2026-11-02T08:00:00Z') });

const EC2 = 'Amazon Elastic Compute Cloud - Compute';

function dataset(rows: CostRow[], start = '2026-03-01', end = '2026-03-04'): CostDataset {
  return { query: { start, end, tagKey: 'team', metric: 'NetAmortizedCost' }, currency: 'USD', rows, apiCalls: 3 };
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
});
