import { billingStack, EMAILS } from './guardrails-fixtures';
import { CostGuardrails, type CostGuardrailsProps } from '../../../constructs';

function create(props: Partial<CostGuardrailsProps>): () => CostGuardrails {
  return () => new CostGuardrails(billingStack(), 'Guard', { teams: { fraud: { monthlyLimitUsd: 100 } }, subscribers: EMAILS, ...props });
}

describe('CostGuardrails validation', () => {
  test('names the construct path', () => {
    expect(create({ teams: { fraud: { monthlyLimitUsd: 0 } } })).toThrow(/^Billing\/Guard: teams/);
  });

  test.each([0, -5, Number.NaN])('a budget amount of %p is an error', amount => {
    expect(create({ teams: { fraud: { monthlyLimitUsd: amount } } }))
      .toThrow(new RegExp(`teams\\["fraud"\\]\\.monthlyLimitUsd \\(${amount}\\) must be a positive number of US dollars`));
  });

  test.each([0, -1, 100.5, 150])('an actual threshold of %p is outside 0-100 %%', t => {
    expect(create({ actualThresholdsPercent: [t] })).toThrow(new RegExp(`actualThresholdsPercent contains ${t}; .*greater than 0 and at most 100`));
  });

  test('a forecasted threshold may exceed 100 % but not 1000 %', () => {
    expect(create({ forecastedThresholdsPercent: [1000] })).not.toThrow();
    expect(create({ forecastedThresholdsPercent: [1001] })).toThrow(/forecastedThresholdsPercent contains 1001; .*at most 1000/);
    expect(create({ forecastedThresholdsPercent: [0] })).toThrow(/forecastedThresholdsPercent contains 0/);
  });

  test('a team\'s own thresholds are checked too', () => {
    expect(create({ teams: { fraud: { monthlyLimitUsd: 1, actualThresholdsPercent: [120] } } }))
      .toThrow(/teams\["fraud"\]\.actualThresholdsPercent contains 120/);
    expect(create({ teams: { fraud: { monthlyLimitUsd: 1, forecastedThresholdsPercent: [2000] } } }))
      .toThrow(/teams\["fraud"\]\.forecastedThresholdsPercent contains 2000/);
  });

  test('a threshold listed twice is an error', () => {
    expect(create({ actualThresholdsPercent: [80, 80] })).toThrow(/actualThresholdsPercent \(80, 80\) lists a threshold twice/);
  });

  test('more than five notifications per budget is an error', () => {
    expect(create({ actualThresholdsPercent: [50, 60, 70, 80], forecastedThresholdsPercent: [100, 120] }))
      .toThrow(/teams\["fraud"\] has 4 actual and 2 forecasted thresholds; a budget takes at most 5 notifications/);
  });

  test('a budget without any threshold is an error', () => {
    expect(create({ actualThresholdsPercent: [], forecastedThresholdsPercent: [] })).toThrow(/has no thresholds, so its budget would never notify/);
  });

  test('an empty subscriber list is an error', () => {
    expect(create({ subscribers: [] })).toThrow(/subscribers is empty; give at least one email address/);
  });

  test.each(['finops', 'finops@', '@example.com', 'fin ops@example.com', 'finops@example'])('"%s" is not an email address', email => {
    expect(create({ subscribers: [email] })).toThrow(new RegExp(`subscribers contains "${email}", which is not an email address`));
  });

  test('more than 10 emails is an error', () => {
    const many = Array.from({ length: 11 }, (_, i) => `p${i}@example.com`);
    expect(create({ subscribers: many })).toThrow(/subscribers has 11 addresses; a budget notification takes at most 10/);
  });

  test('an email listed twice is an error', () => {
    expect(create({ subscribers: ['a@example.com', 'A@example.com'] })).toThrow(/subscribers lists "A@example.com" twice/);
  });

  test('a team that cannot be a value of the schema\'s team key is an error', () => {
    expect(create({ teams: { 'Fraud Team': { monthlyLimitUsd: 1 } } })).toThrow(/teams\["Fraud Team"\] is not a valid team: .*cannot be a Kubernetes label value/);
  });

  test('no teams is an error', () => {
    expect(create({ teams: {} })).toThrow(/teams is empty/);
  });

  test('a budget tag key that is not in the schema is an error', () => {
    expect(create({ budgetTagKey: 'costcenter' })).toThrow(/budgetTagKey \("costcenter"\) is not a key of the tag schema; allowed keys: team, project, cost-center/);
  });

  test('anomaly impacts must be positive', () => {
    expect(create({ anomalyAlerts: { absoluteImpactUsd: 0 } })).toThrow(/anomalyAlerts.absoluteImpactUsd \(0\) must be a positive number of US dollars/);
    expect(create({ anomalyAlerts: { percentImpact: -3 } })).toThrow(/anomalyAlerts.percentImpact \(-3\) must be a positive number of percent/);
  });

  test('a cost category may map only the guardrails\' teams', () => {
    expect(create({ costCategory: { name: 'Team', financeNames: { payments: 'Payments' } } }))
      .toThrow(/costCategory.financeNames names team "payments", which is not one of teams \(fraud\)/);
  });

  test('cost category names and values are 1 to 50 characters', () => {
    expect(create({ costCategory: { name: '', financeNames: { fraud: 'F' } } })).toThrow(/costCategory.name \(""\) must be 1 to 50 characters/);
    expect(create({ costCategory: { name: 'Team', financeNames: { fraud: 'x'.repeat(51) } } })).toThrow(/costCategory.financeNames\["fraud"\]/);
    expect(create({ costCategory: { name: 'Team', financeNames: {} } })).toThrow(/costCategory.financeNames is empty/);
  });

  test('lists every problem at once', () => {
    expect(create({ teams: { fraud: { monthlyLimitUsd: -1 } }, subscribers: [] })).toThrow(/invalid CostGuardrails props:\n {2}- .*monthlyLimitUsd[\s\S]*subscribers is empty/);
  });
});
