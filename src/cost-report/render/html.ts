import { amountToNumber } from '../amount';
import { compareWithAws } from '../anomaly/aws-findings';
import { teamCents, type CentsAllocation } from '../display';
import { type Amount, type Anomaly, type CostReport, type TeamTotal, UNTAGGED, teamLabel } from '../model';
import { ANOMALY_COLOUR, OTHER_SERVICES_COLOUR, TAGGED_COLOUR, UNTAGGED_COLOUR, assignServiceColours } from './colours';
import { anomalyNotes, describeDays, groupedCents, money, percent, signedMoney } from './format';

/**
 * Options of {@link renderHtml}.
 */
export interface HtmlOptions {
  /**
   * Teams (largest first, the untagged row counted as a team) that get a daily chart; the others are in the
   * share chart and the tables only, so a report of hundreds of teams stays a page a browser opens quickly.
   *
   * @default 30
   */
  readonly maxDailyCharts?: number;

  /**
   * Services drawn as their own series in a team's daily chart, largest first; the rest are stacked as one
   * "Other services" series.
   *
   * @default 6
   */
  readonly maxServicesPerChart?: number;
}

const OTHER_SERVICES = 'Other services';

const CHART_WIDTH = 960;
const CHART_HEIGHT = 240;
const MARGIN = { top: 22, right: 12, bottom: 26, left: 72 };

/**
 * The report as one self-contained HTML page: no script, no external stylesheet, font or image (a
 * Content-Security-Policy forbids any fetch), so it opens offline and can be attached to a ticket or mailed.
 *
 * It holds a summary, each team's share of the total as bars (the untagged row highlighted), the untagged
 * share of each day, the anomalies and month-end projections as tables, and per team a daily chart stacked by
 * service with anomalies marked (red band and triangle; drift as a dashed band) and provisional days hatched.
 * A service has one colour on the whole page (see `assignServiceColours`), every colour has at least
 * 3:1 contrast on white, and each chart's legend lists exactly the series it draws. At phone width (390 px) the
 * page does not scroll sideways: charts scale down and wide tables scroll inside their own box.
 * Every chart is an inline SVG with a title and a description, backed by a table of the same figures for
 * screen readers and copying. Amounts are shown rounded to the cent; team totals are apportioned so they add
 * up to the account total exactly.
 *
 * @param report a built report.
 * @param options chart limits.
 * @see https://developer.mozilla.org/en-US/docs/Web/Accessibility/ARIA/Roles/img_role
 */
export function renderHtml(report: CostReport, options: HtmlOptions = {}): string {
  const maxCharts = options.maxDailyCharts ?? 30;
  const maxServices = options.maxServicesPerChart ?? 6;
  const cur = esc(report.currency);
  const lastDay = report.days[report.days.length - 1] ?? report.query.start;
  const period = `${report.query.start} to ${lastDay}`;
  // The same allocation as the Markdown report, so both print the same team figures and total.
  const cents = teamCents(report);
  const untagged = report.teams.find(t => t.team === UNTAGGED);
  const untaggedShare = untagged?.share ?? 0;
  const charted = report.teams.slice(0, maxCharts);
  const rowsByTeam = dailyByTeamAndService(report);
  const ids = new IdMaker();
  const colours = pageColours(charted, maxServices);

  const body: string[] = [];
  body.push(`<header><h1>Cost report <span class="period">${esc(period)}</span></h1>`,
    `<p class="meta">${report.days.length} days · grouped by the tag <code>${esc(report.query.tagKey)}</code> · metric <code>${esc(report.query.metric)}</code> · amounts in ${cur} · generated ${esc(report.generatedAt)} · ${report.apiCalls} Cost Explorer request(s)</p></header>`);

  body.push('<main>', '<section aria-labelledby="summary"><h2 id="summary">Summary</h2><dl class="kpis">',
    kpi('Total', `${groupedCents(cents.total)} ${cur}`),
    kpi('Teams', String(report.teams.filter(t => t.team !== UNTAGGED).length)),
    kpi('Untagged share', percent(untaggedShare * 100), untaggedShare > 0.05 ? 'warn' : undefined),
    kpi('Anomalies', String(report.anomalies.length), report.anomalies.length > 0 ? 'alert' : undefined),
    kpi('Provisional days', String(report.provisionalDays.length)),
    '</dl>');
  if (report.provisionalDays.length > 0) {
    body.push(`<p class="note">Cost Explorer marks ${esc(describeDays(report.provisionalDays))} as estimated: those figures are provisional, hatched in the charts, and never raise anomalies.</p>`);
  }
  body.push('</section>');

  body.push('<section aria-labelledby="shares"><h2 id="shares">Share by team</h2>', shareChart(report, cents, ids), '</section>');
  body.push('<section aria-labelledby="untagged"><h2 id="untagged">Untagged spend</h2>', untaggedChart(report, rowsByTeam, ids), '</section>');
  body.push('<section aria-labelledby="anomalies"><h2 id="anomalies">Anomalies</h2>', anomalyTable(report), '</section>');
  if (report.awsAnomalies !== undefined) {
    body.push('<section aria-labelledby="aws-anomalies"><h2 id="aws-anomalies">AWS Cost Anomaly Detection, side by side</h2>', awsTable(report), '</section>');
  }
  body.push('<section aria-labelledby="projections"><h2 id="projections">Month-end projection</h2>', projectionTable(report), '</section>');

  body.push('<section aria-labelledby="daily"><h2 id="daily">Daily cost by team</h2>');
  if (report.teams.length > charted.length) {
    body.push(`<p class="note">The ${charted.length} largest of ${report.teams.length} teams are charted; the others are in the share chart above and in the CSV export.</p>`);
  }
  for (const team of charted) {
    body.push(dailyChart(report, team, rowsByTeam.get(team.team) ?? new Map(), maxServices, colours, ids));
  }
  body.push('</section>', '</main>');
  body.push('<footer><p>Amounts are rounded to the cent for display; the report sums them exactly. Anomalies compare each day with the median of the same weekday over the previous weeks.</p></footer>');

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may be fetched: the page must read the same offline, and a team name cannot smuggle a request.
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
    `<title>Cost report ${esc(period)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --alert: ${ANOMALY_COLOUR}; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg);
  margin: 0 auto; padding: 1.5rem; max-width: 1040px; line-height: 1.45; background: #fff; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h1 .period { font-weight: 400; color: var(--muted); font-size: 1.1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .25rem; }
.meta, .note, footer { color: var(--muted); font-size: .9rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .75rem; margin: 0; }
.kpis div { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
.kpis dt { color: var(--muted); font-size: .85rem; } .kpis dd { margin: 0; font-size: 1.2rem; font-weight: 600; }
.kpis .warn dd { color: ${UNTAGGED_COLOUR}; } .kpis .alert dd { color: var(--alert); }
figure { margin: 0 0 1rem; } svg { display: block; width: 100%; height: auto; }
svg text { font-size: 11px; fill: var(--muted); } svg .label { fill: var(--fg); font-size: 12px; }
.axis line, .grid line { stroke: var(--line); } .zero { stroke: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; padding: 0; margin: .25rem 0; font-size: .85rem; }
.legend li::before { content: ""; display: inline-block; width: .8em; height: .8em; margin-right: .35em; vertical-align: -.05em;
  background: var(--swatch); border-radius: 2px; }
.legend .anomaly-key::before { background: rgba(176, 0, 32, .18); outline: 1px solid var(--alert); }
.legend .provisional-key::before { background: repeating-linear-gradient(45deg, #999 0 2px, transparent 2px 5px); }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
td.days { white-space: nowrap; } caption { text-align: left; padding-bottom: .25rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.untagged td:first-child { color: ${UNTAGGED_COLOUR}; font-weight: 600; }
details { margin: .25rem 0 1rem; } summary { cursor: pointer; color: var(--muted); font-size: .9rem; }
.anomaly-band { fill: rgba(176, 0, 32, .14); } .anomaly-band.drift { fill: rgba(176, 0, 32, .06); stroke: var(--alert); stroke-dasharray: 4 3; }
.anomaly-marker { fill: var(--alert); } .anomaly-note { margin: .25rem 0 0; color: var(--muted); font-size: .85rem; }
.days rect { fill: transparent; } .days rect:hover { fill: rgba(0, 0, 0, .06); }
/* Wide tables scroll inside their own box, so the page itself never scrolls sideways on a phone. */
.table-scroll { overflow-x: auto; max-width: 100%; } .table-scroll table { overflow-wrap: normal; }
@media (max-width: 600px) { body { padding: .75rem; } h2 { margin-top: 1.5rem; } }
@media print { body { max-width: none; } details { display: none; } .table-scroll { overflow: visible; } }
`;

/** Day → service → exact units, per team. */
type DailyByService = Map<string, Map<string, bigint>>;

function dailyByTeamAndService(report: CostReport): Map<string, DailyByService> {
  const out = new Map<string, DailyByService>();
  for (const row of report.rows) {
    let byDay = out.get(row.team);
    if (!byDay) {
      byDay = new Map();
      out.set(row.team, byDay);
    }
    let byService = byDay.get(row.day);
    if (!byService) {
      byService = new Map();
      byDay.set(row.day, byService);
    }
    byService.set(row.service, (byService.get(row.service) ?? 0n) + row.amount.units);
  }
  return out;
}

function shareChart(report: CostReport, cents: CentsAllocation, ids: IdMaker): string {
  if (report.teams.length === 0) {
    return '<p>No spend in this period.</p>';
  }
  const rowHeight = 24;
  const labelWidth = 200;
  const valueWidth = 230;
  const height = report.teams.length * rowHeight + 8;
  const barWidth = CHART_WIDTH - labelWidth - valueWidth;
  const maxShare = Math.max(...report.teams.map(t => t.share), 1e-9);
  const titleId = ids.next('share-title');
  const descId = ids.next('share-desc');
  const parts: string[] = [];
  report.teams.forEach((t, i) => {
    const y = 4 + i * rowHeight;
    const w = Math.max(0, (t.share / maxShare) * barWidth);
    const isUntagged = t.team === UNTAGGED;
    parts.push(`<g class="share${isUntagged ? ' untagged' : ''}" data-team="${esc(t.team)}">`,
      `<text class="label" x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${esc(teamLabel(t.team))}</text>`,
      `<rect class="share-bar" x="${labelWidth}" y="${y + 3}" width="${fmt(Math.max(w, 1))}" height="${rowHeight - 6}" fill="${isUntagged ? UNTAGGED_COLOUR : TAGGED_COLOUR}" rx="2"><title>${esc(teamLabel(t.team))}: ${groupedCents(cents.parts[i])} ${esc(report.currency)} (${percent(t.share * 100)})</title></rect>`,
      `<text x="${fmt(labelWidth + w + 6)}" y="${y + 16}">${groupedCents(cents.parts[i])} · ${percent(t.share * 100)}</text>`,
      '</g>');
  });
  const desc = report.teams.map((t, i) => `${teamLabel(t.team)} ${groupedCents(cents.parts[i])} ${report.currency} (${percent(t.share * 100)})`).join('; ');
  return `<figure><svg class="share-chart" role="img" aria-labelledby="${titleId} ${descId}" viewBox="0 0 ${CHART_WIDTH} ${height}" width="${CHART_WIDTH}" height="${height}">`
    + `<title id="${titleId}">Share of the total by team, largest first</title><desc id="${descId}">${esc(desc)}</desc>${parts.join('')}</svg>`
    + `<figcaption class="note"><ul class="legend"><li class="series-key" style="--swatch: ${TAGGED_COLOUR}">team (tagged)</li>`
    + `${report.teams.some(t => t.team === UNTAGGED) ? `<li class="series-key" style="--swatch: ${UNTAGGED_COLOUR}">untagged</li>` : ''}</ul>`
    + `Each bar is the team's share of ${groupedCents(cents.total)} ${esc(report.currency)}; the untagged row (spend that carries no <code>${esc(report.query.tagKey)}</code> tag) is in vermillion.</figcaption></figure>`;
}

function untaggedChart(report: CostReport, rowsByTeam: Map<string, DailyByService>, ids: IdMaker): string {
  const untagged = report.teams.find(t => t.team === UNTAGGED);
  const share = untagged?.share ?? 0;
  const sentence = untagged
    ? `<p>${money(untagged.total)} ${esc(report.currency)}, <strong>${percent(share * 100)}</strong> of the total, carries no <code>${esc(report.query.tagKey)}</code> tag and is attributed to no team. A rise of this share usually means a resource lost its tag.</p>`
    : `<p>Every cost in the period carries a <code>${esc(report.query.tagKey)}</code> tag.</p>`;
  if (report.days.length === 0) {
    return sentence;
  }
  const dayTotals = new Map<string, bigint>();
  for (const row of report.rows) {
    dayTotals.set(row.day, (dayTotals.get(row.day) ?? 0n) + row.amount.units);
  }
  const untaggedDaily = rowsByTeam.get(UNTAGGED) ?? new Map<string, Map<string, bigint>>();
  const shares = report.days.map(day => {
    const total = amountToNumber({ units: dayTotals.get(day) ?? 0n });
    let units = 0n;
    for (const v of untaggedDaily.get(day)?.values() ?? []) {
      units += v;
    }
    return total > 0 ? (100 * amountToNumber({ units })) / total : 0;
  });
  const height = 150;
  const plot = { x: MARGIN.left, y: 12, w: CHART_WIDTH - MARGIN.left - MARGIN.right, h: height - 12 - MARGIN.bottom };
  const yMax = niceCeiling(Math.max(...shares, 1));
  const step = plot.w / report.days.length;
  const points = shares.map((s, i) => `${fmt(plot.x + (i + 0.5) * step)},${fmt(plot.y + plot.h - (s / yMax) * plot.h)}`).join(' ');
  const titleId = ids.next('untagged-title');
  const descId = ids.next('untagged-desc');
  const peak = shares.indexOf(Math.max(...shares));
  const desc = `Untagged share of each day's spend, from ${percent(shares[0])} on ${report.days[0]} to ${percent(shares[shares.length - 1])} on ${report.days[report.days.length - 1]}; highest ${percent(shares[peak])} on ${report.days[peak]}.`;
  const grid = [0, yMax / 2, yMax].map(v => {
    const y = fmt(plot.y + plot.h - (v / yMax) * plot.h);
    return `<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y}" y2="${y}"/><text x="${plot.x - 6}" y="${y}" dy="4" text-anchor="end">${v.toFixed(v < 10 ? 1 : 0)}%</text>`;
  }).join('');
  return sentence + `<figure><svg class="untagged-chart" role="img" aria-labelledby="${titleId} ${descId}" viewBox="0 0 ${CHART_WIDTH} ${height}" width="${CHART_WIDTH}" height="${height}">`
    + `<title id="${titleId}">Untagged share of daily spend</title><desc id="${descId}">${esc(desc)}</desc>`
    + `<g class="grid">${grid}</g>${monthAxis(report.days, plot)}`
    + `<polyline class="untagged-line" points="${points}" fill="none" stroke="${UNTAGGED_COLOUR}" stroke-width="2"/></svg>`
    + `<figcaption><ul class="legend"><li class="series-key" style="--swatch: ${UNTAGGED_COLOUR}">untagged share of the day's spend</li></ul></figcaption></figure>`;
}

function anomalyTable(report: CostReport): string {
  if (report.anomalies.length === 0) {
    return '<p>No anomalies at the configured thresholds.</p>';
  }
  const cur = esc(report.currency);
  const rows = [...report.anomalies]
    .sort((a, b) => unitsDescending(a.impact, b.impact) || a.start.localeCompare(b.start))
    .map(a => `<tr class="anomaly-row${a.team === UNTAGGED ? ' untagged' : ''}"><td>${esc(teamLabel(a.team))}</td><td>${KIND_LABELS[a.kind]}</td>`
      + `<td class="days">${esc(a.start === a.end ? a.start : `${a.start} to ${a.end}`)}</td><td class="num">${signedMoney(a.impact)}</td>`
      + `<td class="num">${signedPct(a.impactPercent)}</td><td class="num">${a.maxScore.toFixed(1)}</td>`
      + `<td>${a.drivers.map(d => `${esc(d.service)} <span class="num">${signedMoney(d.impact)}</span>`).join('<br>')}`
      + `${anomalyNotes(a).map(n => `<p class="anomaly-note">${esc(n)}</p>`).join('')}</td></tr>`);
  return `<div class="table-scroll"><table class="anomalies"><caption class="note">Largest impact first. Impact is the spend above the expected level, in ${cur}; score is the largest robust z-score.</caption>`
    + '<thead><tr><th scope="col">Team</th><th scope="col">Kind</th><th scope="col">Days</th>'
    + `<th scope="col" class="num">Impact (${cur})</th><th scope="col" class="num">Impact</th><th scope="col" class="num">Score</th><th scope="col">Driven by, root causes and tag loss</th></tr></thead>`
    + `<tbody>${rows.join('')}</tbody></table></div>`;
}

function awsTable(report: CostReport): string {
  const rows = compareWithAws(report.anomalies, report.awsAnomalies ?? []);
  if (rows.length === 0) {
    return '<p>Neither this report nor AWS Cost Anomaly Detection found an anomaly in the period.</p>';
  }
  const days = (start: string, end: string) => esc(start === end ? start : `${start} to ${end}`);
  const body = rows.map(({ ours, aws }) => {
    const agreement = ours && aws ? 'both' : ours ? 'this report only' : 'AWS only';
    const oursCells = ours
      ? `<td>${esc(teamLabel(ours.team))}</td><td class="days">${days(ours.start, ours.end)}</td><td class="num">${signedMoney(ours.impact)}</td>`
      : '<td></td><td></td><td></td>';
    const awsCells = aws
      ? `<td>${esc(aws.team ?? aws.dimension ?? '')}</td><td class="days">${days(aws.start, aws.end)}${aws.ongoing ? ' (open)' : ''}</td>`
        + `<td class="num">${signedMoney(aws.impact)}</td><td>${aws.rootCauses.slice(0, 3).map(c => esc([c.service, c.region, c.usageType].filter(Boolean).join(', '))).join('<br>')}</td>`
      : '<td></td><td></td><td></td><td></td>';
    return `<tr class="aws-row ${agreement === 'both' ? 'agree' : 'differ'}"><td>${agreement}</td>${oursCells}${awsCells}</tr>`;
  });
  return '<div class="table-scroll"><table class="aws"><caption class="note">AWS amounts are in USD as Cost Anomaly Detection reports them.</caption>'
    + '<thead><tr><th scope="col" rowspan="2">Found by</th><th scope="colgroup" colspan="3">This report</th><th scope="colgroup" colspan="4">AWS Cost Anomaly Detection</th></tr>'
    + '<tr><th scope="col">Team</th><th scope="col">Days</th><th scope="col" class="num">Impact</th>'
    + '<th scope="col">Monitor team or dimension</th><th scope="col">Days</th><th scope="col" class="num">Impact</th><th scope="col">Root causes</th></tr></thead>'
    + `<tbody>${body.join('')}</tbody></table></div>`;
}

function projectionTable(report: CostReport): string {
  if (report.projections.length === 0) {
    return '<p>No projection: the report has no spend.</p>';
  }
  const cur = esc(report.currency);
  const rows = [...report.projections]
    .sort((a, b) => unitsDescending(a.projectedMonth, b.projectedMonth) || a.team.localeCompare(b.team))
    .map(p => {
      const base = amountToNumber(p.baselineMonth);
      const change = base > 0 ? signedPct((100 * (amountToNumber(p.projectedMonth) - base)) / base) : 'new';
      return `<tr${p.team === UNTAGGED ? ' class="untagged"' : ''}><td>${esc(teamLabel(p.team))}</td><td class="num">${money(p.monthToDate)}</td>`
        + `<td class="num">${money(p.projectedMonth)}</td><td class="num">${money(p.baselineMonth)}</td><td class="num">${change}</td></tr>`;
    });
  return `<p class="note projection-days">${esc(projectionDays(report))}</p>`
    + `<div class="table-scroll"><table class="projections"><caption class="note">${esc(report.projections[0].month)}, in ${cur}: the rest of the month projected at each weekday's recent median; the baseline is the same number of days just before the month.</caption>`
    + '<thead><tr><th scope="col">Team</th><th scope="col" class="num">Month to date</th><th scope="col" class="num">Projected month</th>'
    + '<th scope="col" class="num">Baseline</th><th scope="col" class="num">Change</th></tr></thead>'
    + `<tbody>${rows.join('')}</tbody></table></div>`;
}

/** The services a team's chart would draw as their own series, before colours are handed out. */
function candidateServices(team: TeamTotal, maxServices: number): string[] {
  return team.services.slice(0, team.services.length > maxServices ? maxServices : team.services.length).map(s => s.service);
}

/** One colour per service for the whole page, so a service looks the same in every team's chart. */
function pageColours(charted: readonly TeamTotal[], maxServices: number): Map<string, string> {
  const totals = new Map<string, number>();
  for (const team of charted) {
    for (const s of team.services) {
      totals.set(s.service, (totals.get(s.service) ?? 0) + amountToNumber(s.total));
    }
  }
  return assignServiceColours(charted.map(t => candidateServices(t, maxServices)), totals);
}

/** Which days month-to-date counts, and which provisional days it left out (they are projected instead). */
function projectionDays(report: CostReport): string {
  const { month, asOfDay, provisionalDaysLeftOut } = report.projections[0];
  const firstDay = report.days.find(d => d.startsWith(month)) ?? `${month}-01`;
  const counted = `Month to date counts ${firstDay === asOfDay ? asOfDay : `${firstDay} to ${asOfDay}`}`;
  const countedProvisional = report.provisionalDays.filter(d => d.startsWith(month) && d <= asOfDay);
  const parts = [counted];
  if (provisionalDaysLeftOut.length > 0) {
    parts.push(`it leaves out ${describeDays(provisionalDaysLeftOut)}, provisional (Estimated) in Cost Explorer, and projects ${provisionalDaysLeftOut.length === 1 ? 'that day' : 'those days'} like the rest of the month`);
  } else {
    parts.push('no provisional (Estimated) day was left out');
  }
  if (countedProvisional.length > 0) {
    parts.push(`${describeDays(countedProvisional)} ${countedProvisional.length === 1 ? 'is' : 'are'} provisional (Estimated) but counted, being on or before ${asOfDay}`);
  }
  return `${parts.join('; ')}.`;
}

function dailyChart(
  report: CostReport, team: TeamTotal, daily: DailyByService, maxServices: number, colours: ReadonlyMap<string, string>, ids: IdMaker,
): string {
  const cur = report.currency;
  // A service the page ran out of colours for (rare: it shares charts with many others) joins "Other services".
  const named = candidateServices(team, maxServices).filter(s => colours.has(s));
  const hasOther = team.services.length > named.length;
  const series = hasOther ? [...named, OTHER_SERVICES] : named;
  const seriesIndex = new Map(named.map((s, i) => [s, i]));
  const n = report.days.length;
  // values[s][d]: the day's spend of a series, for drawing only.
  const values = series.map(() => new Array<number>(n).fill(0));
  const dayTotals = new Array<bigint>(n).fill(0n);
  report.days.forEach((day, d) => {
    for (const [service, units] of daily.get(day) ?? []) {
      values[seriesIndex.get(service) ?? series.length - 1][d] += amountToNumber({ units });
      dayTotals[d] += units;
    }
  });
  let yMax = 0;
  let yMin = 0;
  for (let d = 0; d < n; d++) {
    let up = 0;
    let down = 0;
    for (const v of values) {
      if (v[d] >= 0) up += v[d]; else down += v[d];
    }
    yMax = Math.max(yMax, up);
    yMin = Math.min(yMin, down);
  }
  // Four grid steps of a round size (1, 2, 2.5 or 5 × 10^k), so every label is an exact figure.
  const tick = niceCeiling((yMax || 1) / 4);
  yMax = 4 * tick;
  yMin = yMin < 0 ? -tick * Math.ceil(-yMin / tick) : 0;
  const plot = { x: MARGIN.left, y: MARGIN.top, w: CHART_WIDTH - MARGIN.left - MARGIN.right, h: CHART_HEIGHT - MARGIN.top - MARGIN.bottom };
  const yOf = (v: number) => plot.y + ((yMax - v) / (yMax - yMin)) * plot.h;
  const step = n > 0 ? plot.w / n : plot.w;
  const barW = Math.max(step * (n > 120 ? 0.9 : 0.8), 0.5);
  const xOf = (d: number) => plot.x + d * step + (step - barW) / 2;

  const colourOf = (name: string) => (name === OTHER_SERVICES ? OTHER_SERVICES_COLOUR : colours.get(name)!);
  const drawn: string[] = [];
  const paths = series.map((name, s) => {
    const segments: string[] = [];
    for (let d = 0; d < n; d++) {
      const v = values[s][d];
      if (v === 0) {
        continue;
      }
      // Stack positives upward and credits (negatives) downward from zero, each in series order.
      let base = 0;
      for (let k = 0; k < s; k++) {
        if ((values[k][d] >= 0) === (v >= 0)) base += values[k][d];
      }
      const y0 = yOf(base);
      const y1 = yOf(base + v);
      segments.push(`M${fmt(xOf(d))} ${fmt(y0)}V${fmt(y1)}h${fmt(barW)}V${fmt(y0)}z`);
    }
    if (segments.length === 0) {
      // Nothing to draw (every day nets to zero): no path, so no legend entry for it either.
      return '';
    }
    drawn.push(name);
    return `<path class="series" data-service="${esc(name)}" fill="${colourOf(name)}" d="${segments.join('')}"/>`;
  });

  const provisional = new Set(report.provisionalDays);
  const teamAnomalies = report.anomalies.filter(a => a.team === team.team);
  const dayIndex = new Map(report.days.map((day, d) => [day, d]));
  const anomalyMarks = teamAnomalies.map(a => {
    const from = dayIndex.get(a.start) ?? 0;
    const to = dayIndex.get(a.end) ?? n - 1;
    const x0 = plot.x + from * step;
    const x1 = plot.x + (to + 1) * step;
    const mid = (x0 + x1) / 2;
    const label = anomalyLabel(a, cur);
    return `<g class="anomaly" data-kind="${a.kind}"><rect class="anomaly-band${a.kind === 'drift' ? ' drift' : ''}" x="${fmt(x0)}" y="${plot.y}" width="${fmt(Math.max(x1 - x0, 2))}" height="${fmt(plot.h)}"/>`
      + `<path class="anomaly-marker" d="M${fmt(mid - 6)} ${plot.y - 14}h12l-6 10z"><title>${esc(label)}</title></path></g>`;
  });

  const provisionalMarks: string[] = [];
  const hatchId = ids.next('hatch');
  report.days.forEach((day, d) => {
    if (provisional.has(day)) {
      provisionalMarks.push(`<rect x="${fmt(plot.x + d * step)}" y="${plot.y}" width="${fmt(step)}" height="${fmt(plot.h)}" fill="url(#${hatchId})"><title>${esc(day)}: provisional (estimated by Cost Explorer)</title></rect>`);
    }
  });

  const dayRects = report.days.map((day, d) => {
    const flags = [provisional.has(day) ? 'provisional' : '', teamAnomalies.some(a => a.start <= day && day <= a.end) ? 'anomaly' : ''].filter(Boolean);
    return `<rect x="${fmt(plot.x + d * step)}" y="${plot.y}" width="${fmt(step)}" height="${fmt(plot.h)}"><title>${esc(day)}: ${money({ units: dayTotals[d] })} ${esc(cur)}${flags.length ? ` (${flags.join(', ')})` : ''}</title></rect>`;
  });

  const ticks: number[] = [];
  for (let k = Math.round(yMin / tick); k <= 4; k++) {
    ticks.push(k * tick);
  }
  const grid = ticks.map(v => {
    const y = fmt(yOf(v));
    return `<line${v === 0 ? ' class="zero"' : ''} x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y}" y2="${y}"/><text x="${plot.x - 6}" y="${y}" dy="4" text-anchor="end">${esc(compact(v))}</text>`;
  }).join('');

  const titleId = ids.next('daily-title');
  const descId = ids.next('daily-desc');
  let peak = 0;
  dayTotals.forEach((v, d) => {
    if (v > dayTotals[peak]) peak = d;
  });
  const desc = n === 0 ? 'No days in the period.'
    : `${teamLabel(team.team)}: ${money(team.total)} ${cur} over ${n} days, by service: ${team.services.slice(0, 5).map(s => `${s.service} ${money(s.total)}`).join(', ')}`
      + `${team.services.length > 5 ? ` and ${team.services.length - 5} more` : ''}. Highest day ${report.days[peak]} at ${money({ units: dayTotals[peak] })}. `
      + (teamAnomalies.length === 0 ? 'No anomalies.' : `${teamAnomalies.length} anomal${teamAnomalies.length === 1 ? 'y' : 'ies'}: ${teamAnomalies.map(a => anomalyLabel(a, cur)).join('; ')}.`);
  const headingId = ids.next('team');
  // Built from the same list and colours as the paths: the legend shows what is drawn, nothing else.
  const legend = drawn.map(name => `<li class="series-key" style="--swatch: ${colourOf(name)}">${esc(name)}</li>`);
  if (teamAnomalies.length > 0) legend.push('<li class="anomaly-key">anomaly</li>');
  if (provisionalMarks.length > 0) legend.push('<li class="provisional-key">provisional</li>');

  return `<article class="team-chart${team.team === UNTAGGED ? ' untagged' : ''}" aria-labelledby="${headingId}">`
    + `<h3 id="${headingId}">${esc(teamLabel(team.team))} <span class="note">${money(team.total)} ${esc(cur)} · ${percent(team.share * 100)}</span></h3>`
    + `<figure><svg class="daily-chart" data-team="${esc(team.team)}" role="img" aria-labelledby="${titleId} ${descId}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" width="${CHART_WIDTH}" height="${CHART_HEIGHT}">`
    + `<title id="${titleId}">Daily cost of ${esc(teamLabel(team.team))}, stacked by service</title><desc id="${descId}">${esc(desc)}</desc>`
    + `<defs><pattern id="${hatchId}" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="5" fill="rgba(255,255,255,.7)"/></pattern></defs>`
    + `<g class="grid">${grid}</g>${monthAxis(report.days, plot)}`
    + `<g class="anomalies">${anomalyMarks.join('')}</g><g class="bars">${paths.join('')}</g>`
    + `<g class="provisional">${provisionalMarks.join('')}</g><g class="days">${dayRects.join('')}</g></svg>`
    + `<figcaption><ul class="legend">${legend.join('')}</ul></figcaption></figure>`
    + monthlyTable(report, team, daily, series, seriesIndex)
    + '</article>';
}

/** Monthly totals per series: the chart's figures as text, for screen readers and copying. */
function monthlyTable(
  report: CostReport, team: TeamTotal, daily: DailyByService, series: readonly string[], seriesIndex: Map<string, number>,
): string {
  const months = [...new Set(report.days.map(d => d.slice(0, 7)))];
  const sums = months.map(() => new Array<bigint>(series.length).fill(0n));
  const monthIndex = new Map(months.map((m, i) => [m, i]));
  for (const [day, byService] of daily) {
    const m = monthIndex.get(day.slice(0, 7));
    if (m === undefined) continue;
    for (const [service, units] of byService) {
      sums[m][seriesIndex.get(service) ?? series.length - 1] += units;
    }
  }
  const head = series.map(s => `<th scope="col" class="num">${esc(s)}</th>`).join('');
  const body = months.map((m, i) => `<tr><th scope="row">${m}</th>${sums[i].map(u => `<td class="num">${money({ units: u })}</td>`).join('')}`
    + `<td class="num">${money({ units: sums[i].reduce((a, b) => a + b, 0n) })}</td></tr>`).join('');
  return `<details><summary>Monthly figures for ${esc(teamLabel(team.team))} (${esc(report.currency)})</summary><div class="table-scroll"><table><thead><tr><th scope="col">Month</th>${head}<th scope="col" class="num">Total</th></tr></thead><tbody>${body}</tbody></table></div></details>`;
}

/** Month labels on the x axis (or weekly ones for short periods). */
function monthAxis(days: readonly string[], plot: { x: number; y: number; w: number; h: number }): string {
  const n = days.length;
  if (n === 0) return '';
  const step = plot.w / n;
  const y = plot.y + plot.h;
  const out: string[] = [`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${fmt(y)}" y2="${fmt(y)}"/>`];
  const short = n <= 62;
  days.forEach((day, d) => {
    const isTick = short ? new Date(`${day}T00:00:00Z`).getUTCDay() === 1 : day.endsWith('-01');
    if (isTick || d === 0) {
      const x = fmt(plot.x + d * step);
      const label = short ? day.slice(5) : (day.slice(5, 7) === '01' || d === 0 ? `${MONTHS[Number(day.slice(5, 7)) - 1]} ${day.slice(0, 4)}` : MONTHS[Number(day.slice(5, 7)) - 1]);
      out.push(`<line x1="${x}" x2="${x}" y1="${fmt(y)}" y2="${fmt(y + 4)}"/><text x="${x}" y="${fmt(y + 16)}">${label}</text>`);
    }
  });
  return `<g class="axis">${out.join('')}</g>`;
}

const KIND_LABELS: Record<Anomaly['kind'], string> = {
  'daily': 'daily',
  'level-shift': 'level shift (new level learned)',
  'drift': 'drift',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function anomalyLabel(a: Anomaly, currency: string): string {
  const days = a.start === a.end ? a.start : `${a.start} to ${a.end}`;
  const drivers = a.drivers.length > 0 ? `, driven by ${a.drivers.map(d => d.service).join(', ')}` : '';
  return `${a.kind === 'drift' ? 'Drift' : a.kind === 'level-shift' ? 'Level shift' : 'Anomaly'} ${days}: ${signedMoney(a.impact)} ${currency} (${signedPct(a.impactPercent)})${drivers}`;
}

function unitsDescending(a: Amount, b: Amount): number {
  return a.units < b.units ? 1 : a.units > b.units ? -1 : 0;
}

function kpi(label: string, value: string, cls?: string): string {
  return `<div${cls ? ` class="${cls}"` : ''}><dt>${label}</dt><dd>${value}</dd></div>`;
}

function signedPct(value: number): string {
  return `${value > 0 ? '+' : ''}${percent(value)}`;
}

/** Axis label: `1.2k`, `35k`, `1.5M`. */
function compact(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${trim(v / 1e6)}M`;
  if (abs >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

function trim(v: number): string {
  return Number(v.toFixed(2)).toString();
}

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above v, so grid lines fall on round figures. */
function niceCeiling(v: number): number {
  const exp = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * exp >= v) return m * exp;
  }
  return 10 * exp;
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Tag values and service names are user data: escape them for text and attribute positions alike. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c]);
}

/** Unique element ids within one page (several charts each need a title and a pattern id). */
class IdMaker {
  private count = 0;
  public next(prefix: string): string {
    this.count++;
    return `${prefix}-${this.count}`;
  }
}
