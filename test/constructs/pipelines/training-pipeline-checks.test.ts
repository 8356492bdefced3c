import { Validations } from 'aws-cdk-lib';
import { BASELINE, fixture, fullPipeline } from './fixtures';
import { cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';
import { endpoint } from '../serving/fixtures';

/** A representative stack: the full pipeline with its three triggers, and the monitored endpoint it retrains from. */
const result = synthWithNag(app => {
  const f = fixture(app);
  Validations.of(f.vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'The test fixture\'s VPC, not part of the pipeline; platform VPCs log their flows' });
  Validations.of(f.data).acknowledge({ id: 'AwsSolutions-S1', reason: 'The test fixture\'s data bucket, not part of the pipeline; data buckets log access where they are defined' });
  const { pipeline } = fullPipeline(f);
  const monitored = endpoint(f, { endpointName: 'fraud-live', dataCapture: {} });
  const monitor = monitored.monitorDataQuality(BASELINE);
  pipeline.scheduleRetraining('Weekly', { expression: 'cron(0 3 ? * MON *)', timeZone: 'Europe/Paris' });
  pipeline.retrainOnNewData('NewData', { keySuffix: '_SUCCESS' });
  pipeline.retrainOnDrift('Drift', monitor);
});

test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cfn-lint finds no error', () => {
  const lint = cfnLint(templatePaths(result.assembly!));
  expect(lint.errors).toEqual([]);
});
