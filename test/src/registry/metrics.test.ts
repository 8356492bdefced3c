import { findMetricInEvaluation, parseMetricValue, parseS3Uri } from '../../../src/registry/metrics';

describe('findMetricInEvaluation', () => {
  test('reads the SageMaker model quality format', () => {
    const doc = { binary_classification_metrics: { auc: { value: 0.91, standard_deviation: 'NaN' }, recall: { value: 0.8 } } };
    expect(findMetricInEvaluation(doc, 'auc')).toEqual({ found: true, value: 0.91, path: 'binary_classification_metrics.auc.value' });
  });

  test('reads regression metrics', () => {
    expect(findMetricInEvaluation({ regression_metrics: { mse: { value: 0.37, standard_deviation: 0.003 } } }, 'mse'))
      .toMatchObject({ found: true, value: 0.37 });
  });

  test('reads a flat metrics map and the top level', () => {
    expect(findMetricInEvaluation({ metrics: { auc: 0.9 } }, 'auc')).toEqual({ found: true, value: 0.9, path: 'metrics.auc' });
    expect(findMetricInEvaluation({ auc: '0.88' }, 'auc')).toEqual({ found: true, value: 0.88, path: 'auc' });
  });

  test('--metric-path reads only that path', () => {
    const doc = { metrics: { auc: 0.5 }, evaluation: { holdout: { auc: 0.93 } } };
    expect(findMetricInEvaluation(doc, 'auc', 'evaluation.holdout.auc')).toEqual({ found: true, value: 0.93, path: 'evaluation.holdout.auc' });
    expect(findMetricInEvaluation(doc, 'auc', 'evaluation.test.auc')).toMatchObject({ found: false });
  });

  test('a missing metric lists the metrics the document has', () => {
    const doc = { binary_classification_metrics: { recall: { value: 0.8 }, confusion_matrix: { 0: { 0: 1 } } }, metrics: { f1: 0.7 } };
    expect(findMetricInEvaluation(doc, 'auc')).toEqual({
      found: false,
      available: ['binary_classification_metrics.recall', 'binary_classification_metrics.confusion_matrix.0.0', 'metrics.f1'],
    });
  });

  test.each([['NaN'], [null], [[0.9]], [{ value: 'high' }]])('a value that is not a number (%j) is an error, not a missing metric', raw => {
    expect(() => findMetricInEvaluation({ metrics: { auc: raw } }, 'auc', undefined, 's3://evals/4.json'))
      .toThrow(/s3:\/\/evals\/4\.json has metrics\.auc(\.value)? = .*, which is not a number/);
  });
});

test('parseMetricValue accepts finite numbers and decimal strings only', () => {
  expect([0.5, '0.5', ' -1e-3 ', '.5', 'NaN', 'Infinity', '', '0x10', Number.POSITIVE_INFINITY, true].map(parseMetricValue))
    .toEqual([0.5, 0.5, -0.001, 0.5, undefined, undefined, undefined, undefined, undefined, undefined]);
});

test('parseS3Uri splits s3://bucket/key and refuses anything else', () => {
  expect(parseS3Uri('s3://evals/runs/7/evaluation.json')).toEqual({ bucket: 'evals', key: 'runs/7/evaluation.json' });
  expect(parseS3Uri('https://evals.s3.amazonaws.com/x.json')).toBeUndefined();
  expect(parseS3Uri('s3://evals/')).toBeUndefined();
});
