import { parseAmount } from '../../../../src/cost-report/amount';
import { UNTAGGED, type CostReport } from '../../../../src/cost-report/model';
import { MARKDOWN_MAX_CHARS, renderMarkdown } from '../../../../src/cost-report/render/markdown';
import { buildReport } from '../../../../src/cost-report/report';
import { dataset } from '../fixtures';

function twoWeeks(teams: number): CostReport {
  const rows: [string, string, string, string, boolean?][] = [];
  for (let d = 1; d <= 15; d++) {
    const day = `2026-03-${String(d).padStart(2, '0')}`;
    for (let t = 0; t < teams; t++) {
      rows.push([day, t === 0 ? UNTAGGED : `team-${t}`, 'Amazon EC2', (t + 1 + (d > 7 && t === 2 ? 50 : 0)).toFixed(4) + '001', d === 15]);
    }
  }
  return buildReport(dataset(rows, '2026-03-01', '2026-03-16'), { now: new Date('2026-03-16T06:00:00Z') });
}

const anomaly = (team: string, impact: string) => ({
  team,
  start: '2026-03-14',
  end: '2026-03-15',
  impact: parseAmount(impact),
  impactPercent: 140,
  maxScore: 9.5,
  drivers: [{ service: 'Amazon EC2', impact: parseAmount(impact) }],
  kind: 'daily' as const,
});

describe('renderMarkdown', () => {
  test('states the total and the untagged share', () => {
    const md = renderMarkdown(twoWeeks(4));
    expect(md).toMatch(/\*\*Total [\d,]+\.\d{2} USD\*\* over 15 days, 3 teams; untagged [\d.]+ USD \(\d+\.\d%\)/);
  });

  test('the team column adds up to the total line', () => {
    const md = renderMarkdown(twoWeeks(12), { maxTeams: 5 });
    const rows = md.split('\n').filter(l => /^\| (?!Team|---|\*\*Total)/.test(l) && l.includes('%'));
    const firstTable = rows.slice(0, 6);
    const sum = firstTable.reduce((a, l) => a + BigInt(l.split('|')[2].trim().replace(/[,.]/g, '')), 0n);
    const total = BigInt(/\| \*\*Total\*\* \| \*\*([\d,.]+)\*\*/.exec(md)![1].replace(/[,.]/g, ''));
    expect(firstTable[5]).toMatch(/_7 other teams_/);
    expect(sum).toBe(total);
  });

  test('marks provisional days', () => {
    expect(renderMarkdown(twoWeeks(3))).toMatch(/\*\*Provisional:\*\* 2026-03-15 is estimated by Cost Explorer/);
  });

  test('lists top movers', () => {
    expect(renderMarkdown(twoWeeks(4))).toMatch(/#### Top movers[\s\S]*\| team-2 \| [\d,.]+ \| [\d,.]+ \| \+350\.00 \(\+\d+\.\d%\) \|/);
  });

  test('lists anomalies largest first, with drivers, and counts the ones left out', () => {
    const report = { ...twoWeeks(3), anomalies: [anomaly('team-1', '80'), anomaly('team-2', '120.5'), anomaly('team-1', '60')] };
    const md = renderMarkdown(report, { maxAnomalies: 2 });
    expect(md).toMatch(/#### Anomalies: 3/);
    expect(md.indexOf('+120.50')).toBeLessThan(md.indexOf('+80.00'));
    expect(md).toMatch(/\| team-2 \| 2026-03-14 to 2026-03-15 \*\(p\)\* \| daily \| \+120\.50 \| \+140\.0% \| Amazon EC2 \+120\.50 \|/);
    expect(md).toMatch(/_1 more in the full report/);
  });

  test('says so when there is no anomaly', () => {
    expect(renderMarkdown(twoWeeks(3))).toMatch(/#### Anomalies: 0\n\nNone at the configured thresholds\./);
  });

  test('escapes table syntax in names', () => {
    const report = buildReport(dataset([['2026-03-01', 'a', 'Weird | Service', '1']], '2026-03-01', '2026-03-02'));
    expect(renderMarkdown(report)).toContain('Weird \\| Service');
  });

  test('fits a pull-request comment with 200 teams and 100 anomalies', () => {
    const report = twoWeeks(200);
    const md = renderMarkdown({ ...report, anomalies: Array.from({ length: 100 }, (_, i) => anomaly(`team-${i}`, '99')) });
    expect(md.length).toBeLessThan(MARKDOWN_MAX_CHARS / 4);
  });
});
