import type { GetAnomaliesResponse } from '@aws-sdk/client-cost-explorer';
import { amountToNumber } from '../../../../src/cost-report/amount';
import { compareWithAws, fromCostAnomalyDetection } from '../../../../src/cost-report/anomaly';
import type { Anomaly } from '../../../../src/cost-report/model';

const FRAUD_MONITOR = 'arn:aws:ce::123456789012:anomalymonitor/0f5b2c1e-fraud';
const SERVICE_MONITOR = 'arn:aws:ce::123456789012:anomalymonitor/7d1e9a40-services';

// Two pages as the SDK returns them: a closed finding from a per-team monitor, then an open one from a service
// monitor with two root causes out of order.
const PAGES: GetAnomaliesResponse[] = [
  {
    Anomalies: [{
      AnomalyId: 'a-1',
      AnomalyStartDate: '2026-03-10T00:00:00Z',
      AnomalyEndDate: '2026-03-12T00:00:00Z',
      MonitorArn: FRAUD_MONITOR,
      AnomalyScore: { MaxScore: 61.2, CurrentScore: 12.5 },
      Impact: { MaxImpact: 420.5, TotalImpact: 1210.75, TotalActualSpend: 4210.75, TotalExpectedSpend: 3000, TotalImpactPercentage: 40.36 },
      RootCauses: [{ Service: 'Amazon SageMaker', Region: 'eu-west-1', LinkedAccount: '123456789012', UsageType: 'EU-ml.g5.2xlarge-hosting', Impact: { Contribution: 1100 } }],
    }],
    NextPageToken: 'page-2',
  },
  {
    Anomalies: [{
      AnomalyId: 'a-2',
      AnomalyStartDate: '2026-04-02',
      DimensionValue: 'Amazon Elastic Compute Cloud - Compute',
      MonitorArn: SERVICE_MONITOR,
      AnomalyScore: { MaxScore: 33, CurrentScore: 33 },
      Impact: { MaxImpact: 95 },
      RootCauses: [
        { Service: 'Amazon Elastic Compute Cloud - Compute', UsageType: 'BoxUsage:p4d.24xlarge', Impact: { Contribution: 20 } },
        { Service: 'Amazon Elastic Compute Cloud - Compute', UsageType: 'BoxUsage:g5.12xlarge', Impact: { Contribution: 75 } },
      ],
    }],
  },
];

function ours(team: string, start: string, end: string, driver: string): Anomaly {
  return { team, start, end, impact: { units: 10_000_000_000_000n }, impactPercent: 40, maxScore: 9, drivers: [{ service: driver, impact: { units: 1n } }], kind: 'daily' };
}

describe('fromCostAnomalyDetection', () => {
  const findings = fromCostAnomalyDetection(PAGES, { monitorTeams: { [FRAUD_MONITOR]: 'fraud' } });

  test('reads every page, in start order', () => {
    expect(findings.map(f => f.id)).toEqual(['a-1', 'a-2']);
  });

  test('maps days, team, score and impact of a closed finding', () => {
    expect(findings[0]).toMatchObject({ start: '2026-03-10', end: '2026-03-12', ongoing: false, team: 'fraud', maxScore: 61.2, impactPercent: 40.36 });
    expect(amountToNumber(findings[0].impact)).toBe(1210.75);
  });

  test('an open finding ends on its start day, is marked ongoing and falls back on MaxImpact', () => {
    expect(findings[1]).toMatchObject({ start: '2026-04-02', end: '2026-04-02', ongoing: true, dimension: 'Amazon Elastic Compute Cloud - Compute' });
    expect(findings[1].team).toBeUndefined();
    expect(amountToNumber(findings[1].impact)).toBe(95);
  });

  test('root causes are ordered by contribution', () => {
    expect(findings[1].rootCauses.map(c => c.usageType)).toEqual(['BoxUsage:g5.12xlarge', 'BoxUsage:p4d.24xlarge']);
  });

  test('a finding without id or a readable start day is an error naming the field', () => {
    expect(() => fromCostAnomalyDetection({ Anomalies: [{ AnomalyId: undefined, AnomalyStartDate: 'yesterday', AnomalyScore: undefined, Impact: undefined, MonitorArn: undefined }] }))
      .toThrow(/Anomalies\[0\]: AnomalyId is missing\n  - GetAnomalies page 1, Anomalies\[0\]: AnomalyStartDate \("yesterday"\) must be a date/);
  });

  test('an empty response has no findings', () => {
    expect(fromCostAnomalyDetection({ Anomalies: [] })).toEqual([]);
  });
});

describe('compareWithAws', () => {
  const findings = fromCostAnomalyDetection(PAGES, { monitorTeams: { [FRAUD_MONITOR]: 'fraud' } });

  test('a finding of the same team on overlapping days agrees', () => {
    const rows = compareWithAws([ours('fraud', '2026-03-11', '2026-03-11', 'Amazon S3')], findings.slice(0, 1));
    expect(rows).toEqual([{ ours: expect.objectContaining({ team: 'fraud' }), aws: expect.objectContaining({ id: 'a-1' }) }]);
  });

  test('a finding of another team does not', () => {
    expect(compareWithAws([ours('risk', '2026-03-11', '2026-03-11', 'Amazon SageMaker')], findings.slice(0, 1))).toHaveLength(2);
  });

  test('without a team, a root-cause service that drives the anomaly makes them agree', () => {
    const rows = compareWithAws([ours('search', '2026-04-01', '2026-04-03', 'Amazon Elastic Compute Cloud - Compute')], findings);
    expect(rows).toEqual([{ aws: expect.objectContaining({ id: 'a-1' }) }, { ours: expect.objectContaining({ team: 'search' }), aws: expect.objectContaining({ id: 'a-2' }) }]);
  });
});
