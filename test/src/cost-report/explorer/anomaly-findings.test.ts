import { CostExplorerClient, GetAnomaliesCommand, LimitExceededException } from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { readAnomalyFindings } from '../../../../src/cost-report/explorer';
import { recordingSleep } from '../fixtures';

const ce = mockClient(CostExplorerClient);
beforeEach(() => ce.reset());

const finding = (id: string) => ({ AnomalyId: id, AnomalyStartDate: '2026-03-02', AnomalyScore: { MaxScore: 1, CurrentScore: 1 }, Impact: { MaxImpact: 10 }, MonitorArn: 'arn:m', DimensionValue: 'x' });
const read = (extra = {}) => readAnomalyFindings({ start: '2026-03-01', end: '2026-04-01', ratePerSecond: 1000, sleep: recordingSleep().sleep, ...extra });

test('follows NextPageToken and asks for the period with an inclusive end day', async () => {
  ce.on(GetAnomaliesCommand)
    .resolvesOnce({ Anomalies: [finding('a')], NextPageToken: 't' })
    .resolvesOnce({ Anomalies: [finding('b')] });
  const { pages, requests } = await read();
  expect(pages.flatMap(p => p.Anomalies!.map(a => a.AnomalyId))).toEqual(['a', 'b']);
  expect(requests).toBe(2);
  expect(ce.commandCalls(GetAnomaliesCommand).map(c => c.args[0].input)).toEqual([
    { DateInterval: { StartDate: '2026-03-01', EndDate: '2026-03-31' } },
    { DateInterval: { StartDate: '2026-03-01', EndDate: '2026-03-31' }, NextPageToken: 't' },
  ]);
});

test('retries throttling', async () => {
  ce.on(GetAnomaliesCommand)
    .rejectsOnce(new LimitExceededException({ message: 'slow', $metadata: {} }))
    .resolvesOnce({ Anomalies: [] });
  const { requests } = await read();
  expect(requests).toBe(2);
});

test('access denied names ce:GetAnomalies', async () => {
  ce.on(GetAnomaliesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
  await expect(read()).rejects.toThrow(/lacks the IAM permission "ce:GetAnomalies"/);
});
