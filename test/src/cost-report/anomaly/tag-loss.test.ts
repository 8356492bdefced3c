import { day, rows, weekly } from './rows';
import { amountToNumber } from '../../../../src/cost-report/amount';
import { detectAnomalies } from '../../../../src/cost-report/anomaly';
import { UNTAGGED } from '../../../../src/cost-report/model';
import { renderHtml } from '../../../../src/cost-report/render/html';
import { renderJson } from '../../../../src/cost-report/render/json';
import { renderMarkdown } from '../../../../src/cost-report/render/markdown';
import { buildReport } from '../../../../src/cost-report/report';
import { generateCostSeries } from '../../../../src/cost-report/synthetic';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const S3 = 'Amazon Simple Storage Service';
const DAYS = 120;
const LOST = 70;

test('a team\'s drop on a service matched by an untagged rise on it, same days, is named as tag loss', () => {
  const data = [
    ...rows('recsys', EC2, DAYS, t => weekly(1000, { seed: 1 })(t) * (t >= LOST ? 0.1 : 1)),
    ...rows('recsys', S3, DAYS, weekly(300, { seed: 2 })),
    ...rows('search', EC2, DAYS, weekly(800, { seed: 3 })),
    ...rows(UNTAGGED, EC2, DAYS, t => weekly(100, { seed: 4 })(t) + (t >= LOST ? 0.9 * weekly(1000, { seed: 5, noisePercent: 0 })(t) : 0)),
  ];
  const [untagged, ...rest] = detectAnomalies(data);
  expect(rest).toEqual([]);
  expect(untagged).toMatchObject({ team: UNTAGGED, tagLoss: { fromTeam: 'recsys', service: EC2 } });
  const { teamDrop, untaggedRise } = untagged.tagLoss!;
  expect(amountToNumber(teamDrop) / amountToNumber(untaggedRise)).toBeCloseTo(1, 1);
});

test('an untagged rise that no team lost is not called tag loss', () => {
  const data = [
    ...rows('recsys', EC2, DAYS, weekly(1000, { seed: 1 })),
    ...rows(UNTAGGED, EC2, DAYS, t => weekly(100, { seed: 4 })(t) + (t >= LOST ? 900 : 0)),
  ];
  const anomalies = detectAnomalies(data);
  expect(anomalies).toHaveLength(1);
  expect(anomalies[0].tagLoss).toBeUndefined();
});

test('a team that dropped on another service is not blamed', () => {
  const data = [
    ...rows('recsys', S3, DAYS, t => weekly(1000, { seed: 1 })(t) * (t >= LOST ? 0.1 : 1)),
    ...rows(UNTAGGED, EC2, DAYS, t => weekly(100, { seed: 4 })(t) + (t >= LOST ? 900 : 0)),
  ];
  expect(detectAnomalies(data)[0].tagLoss).toBeUndefined();
});

test('on generated series, most planted tag losses name the team that lost the tag', () => {
  let planted = 0;
  let named = 0;
  for (const seed of [100, 101, 102, 103, 104, 105, 106, 107]) {
    const series = generateCostSeries({ seed, spikesPerTeam: 0, levelShiftProbability: 0, driftProbability: 0, tagLossEvents: 1 });
    const anomalies = detectAnomalies(series.rows);
    for (const label of series.labels.filter(l => l.kind === 'tag-loss')) {
      planted++;
      const hit = anomalies.find(a => a.team === UNTAGGED && a.start <= label.end && label.start <= a.end && a.tagLoss?.service === label.service);
      named += hit ? 1 : 0;
    }
  }
  expect(planted).toBeGreaterThanOrEqual(6);
  expect(named / planted).toBeGreaterThanOrEqual(0.75);
});

describe('the note is shown next to the anomaly', () => {
  const data = [
    ...rows('recsys', EC2, DAYS, t => weekly(1000, { seed: 1 })(t) * (t >= LOST ? 0.1 : 1)),
    ...rows(UNTAGGED, EC2, DAYS, t => weekly(100, { seed: 4 })(t) + (t >= LOST ? 0.9 * weekly(1000, { seed: 5, noisePercent: 0 })(t) : 0)),
  ];
  const report = buildReport({ query: { start: day(0), end: day(DAYS), tagKey: 'team', metric: 'NetAmortizedCost' }, currency: 'USD', rows: data, apiCalls: 0 });
  const sentence = /spend likely moved from recsys to untagged: a resource lost its tag/;

  test('in Markdown', () => expect(renderMarkdown(report)).toMatch(sentence));
  test('in HTML, in the anomaly\'s row', () => expect(renderHtml(report)).toMatch(new RegExp(`<tr class="anomaly-row untagged">.*<p class="anomaly-note">${sentence.source}`)));
  test('in JSON', () => expect(JSON.parse(renderJson(report)).anomalies[0].tagLoss).toMatchObject({ fromTeam: 'recsys', service: EC2 }));
});
