import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { arnOf, body, GROUP, runGate, stubGroup, summary } from './fixtures';
import { GATE_EXIT } from '../../../src/registry/cli';

const sm = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const RULE = ['--group', GROUP, '--metric', 'auc', '--direction', 'maximize'];
const quality = (auc: number) => ({ binary_classification_metrics: { auc: { value: auc, standard_deviation: 'NaN' } } });

beforeEach(() => {
  sm.reset();
  s3.reset();
  sm.on(UpdateModelPackageCommand).callsFake(input => ({ ModelPackageArn: input.ModelPackageArn }));
});

const updates = () => sm.commandCalls(UpdateModelPackageCommand).map(c => c.args[0].input);

describe('a decision', () => {
  test('approves a better challenger: UpdateModelPackage Approved with the decision as ApprovalDescription, exit 0', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], { 3: quality(0.91), 4: quality(0.93) });
    const r = await runGate(...RULE, '--min-improvement', '0.01');
    expect(r.code).toBe(GATE_EXIT.APPROVED);
    expect(updates()).toEqual([{
      ModelPackageArn: arnOf(4),
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'Approved by mlops-model-gate: auc 0.93 (challenger v4) vs 0.91 (champion v3), maximize, improvement 0.02 >= required 0.01.',
    }]);
    expect(r.stdout).toBe(`${GROUP} v4: approved\nApproved by mlops-model-gate: auc 0.93 (challenger v4) vs 0.91 (champion v3), maximize, improvement 0.02 >= required 0.01.\n`);
    expect(r.stderr).toMatch(/fraud-scoring: 2 model package\(s\); challenger v4, champion v3/);
    expect(r.stderr).toContain('v4: auc = 0.93 from s3://evals/4.json#binary_classification_metrics.auc.value');
  });

  test('rejects a worse challenger with exit 1', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], { 3: quality(0.91), 4: quality(0.90) });
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.REJECTED);
    expect(updates()).toEqual([expect.objectContaining({ ModelPackageArn: arnOf(4), ModelApprovalStatus: 'Rejected', ApprovalDescription: expect.stringMatching(/^Rejected by mlops-model-gate: auc 0\.9 .*improvement -0\.01 is not an improvement\.$/) })]);
  });

  test('champion and challenger are the newest of their status, whatever the listing order; packages not Completed are skipped', async () => {
    stubGroup(sm, s3, [
      summary(1, 'Approved'), summary(6, 'PendingManualApproval', { ModelPackageStatus: 'Failed' }), summary(5, 'PendingManualApproval'),
      summary(3, 'Approved'), summary(2, 'PendingManualApproval'), summary(4, 'Rejected'),
    ], { 1: quality(0.99), 2: quality(0.5), 3: quality(0.8), 5: quality(0.85), 6: quality(1) });
    const r = await runGate(...RULE, '--json', '--quiet');
    expect(r.code).toBe(GATE_EXIT.APPROVED);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ outcome: 'approve', challenger: { version: 5, value: 0.85 }, champion: { version: 3, value: 0.8 }, improvement: 0.05 });
    expect(r.stderr).toBe('');
  });

  test('--dry-run prints the decision and changes nothing, with the exit code of the decision', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], { 3: quality(0.91), 4: quality(0.90) });
    const r = await runGate(...RULE, '--dry-run', '--json');
    expect(r.code).toBe(GATE_EXIT.REJECTED);
    expect(updates()).toEqual([]);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'reject', reason: 'not-improved', dryRun: true, applied: false, newStatus: null });
  });

  test('--dry-run text output says what would happen', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], { 3: quality(0.91), 4: quality(0.95) });
    const r = await runGate(...RULE, '--dry-run');
    expect(r.stdout).toMatch(/^fraud-scoring v4: dry run: would approve\n/);
    expect(updates()).toEqual([]);
  });
});

describe('no champion yet', () => {
  test('without --threshold the first model is left pending: exit 5, nothing changed', async () => {
    stubGroup(sm, s3, [summary(1, 'PendingManualApproval')], { 1: quality(0.9) });
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.NO_DECISION);
    expect(updates()).toEqual([]);
    expect(r.stdout).toMatch(/no decision\n.*no approved model package to compare with and no threshold; left for manual approval/);
  });

  test('with --threshold a first model that meets it is approved', async () => {
    stubGroup(sm, s3, [summary(1, 'PendingManualApproval'), summary(2, 'Rejected')], { 1: quality(0.9) });
    const r = await runGate(...RULE, '--threshold', '0.85');
    expect(r.code).toBe(GATE_EXIT.APPROVED);
    expect(updates()).toEqual([expect.objectContaining({ ModelPackageArn: arnOf(1), ModelApprovalStatus: 'Approved' })]);
  });

  test('with --threshold a first model that misses it is rejected', async () => {
    stubGroup(sm, s3, [summary(1, 'PendingManualApproval')], { 1: quality(0.8) });
    const r = await runGate(...RULE, '--threshold', '0.85');
    expect(r.code).toBe(GATE_EXIT.REJECTED);
    expect(updates()).toEqual([expect.objectContaining({ ModelApprovalStatus: 'Rejected', ApprovalDescription: expect.stringContaining('does not meet the threshold') })]);
  });
});

test('no challenger: exit 5, no package described, nothing changed', async () => {
  stubGroup(sm, s3, [summary(1, 'Approved')], { 1: quality(0.9) });
  const r = await runGate(...RULE);
  expect(r.code).toBe(GATE_EXIT.NO_DECISION);
  expect(sm.commandCalls(DescribeModelPackageCommand)).toHaveLength(0);
  expect(r.stdout).toMatch(/no model package awaits approval/);
});

test('an empty group: exit 5', async () => {
  stubGroup(sm, s3, [], {});
  const r = await runGate(...RULE);
  expect(r.code).toBe(GATE_EXIT.NO_DECISION);
  expect(r.stderr).toMatch(/fraud-scoring: 0 model package\(s\); challenger none, champion none/);
  expect(r.stdout).toContain('The group has no model packages at all: check --group ("fraud-scoring"); names are case-sensitive.');
});

test('pagination: every page of ListModelPackages is read, passing each NextToken', async () => {
  for (const [v, auc] of [[3, 0.91], [120, 0.95]]) {
    s3.on(GetObjectCommand, { Bucket: 'evals', Key: `${v}.json` }).callsFake(() => ({ Body: body(JSON.stringify(quality(auc))) }));
  }
  sm.on(ListModelPackagesCommand)
    .resolvesOnce({ ModelPackageSummaryList: Array.from({ length: 100 }, (_, i) => summary(200 - i, 'Rejected')), NextToken: 'p2' })
    .resolvesOnce({ ModelPackageSummaryList: [summary(120, 'PendingManualApproval')], NextToken: 'p3' })
    .resolvesOnce({ ModelPackageSummaryList: [summary(3, 'Approved')] });
  for (const v of [3, 120]) {
    sm.on(DescribeModelPackageCommand, { ModelPackageName: arnOf(v) }).resolves({
      ModelPackageName: GROUP,
      ModelPackageGroupName: GROUP,
      ModelPackageVersion: v,
      ModelPackageArn: arnOf(v),
      CreationTime: new Date(),
      ModelPackageStatus: 'Completed',
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: `s3://evals/${v}.json` } } },
    });
  }
  const r = await runGate(...RULE, '--json');
  expect({ code: r.code, stderr: r.code === GATE_EXIT.APPROVED ? '' : r.stderr }).toEqual({ code: GATE_EXIT.APPROVED, stderr: '' });
  expect(sm.commandCalls(ListModelPackagesCommand).map(c => [c.args[0].input.ModelPackageGroupName, c.args[0].input.NextToken]))
    .toEqual([[GROUP, undefined], [GROUP, 'p2'], [GROUP, 'p3']]);
  expect(JSON.parse(r.stdout)).toMatchObject({ packagesListed: 102, challenger: { version: 120 }, champion: { version: 3 } });
});

test('a page token that comes back again ends the run instead of looping: exit 3', async () => {
  sm.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [], NextToken: 'same' });
  const r = await runGate(...RULE);
  expect(r.code).toBe(GATE_EXIT.AWS_FAILED);
  expect(r.stderr).toMatch(/returned the page token of an earlier page again/);
});

describe('throttling', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

  test('a throttled request is retried with bounded backoff and the run succeeds', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], { 3: quality(0.91), 4: quality(0.93) });
    sm.on(ListModelPackagesCommand).rejectsOnce(throttled()).rejectsOnce(throttled())
      .resolves({ ModelPackageSummaryList: [summary(3, 'Approved'), summary(4, 'PendingManualApproval')] });
    const r = await runGate(...RULE, '--json');
    expect(r.code).toBe(GATE_EXIT.APPROVED);
    expect(r.waits).toHaveLength(2);
    expect(r.waits.every(w => w >= 0 && w < 5_000)).toBe(true);
    expect(JSON.parse(r.stdout)).toMatchObject({ retries: 2 });
    expect(r.stderr).toMatch(/sagemaker:ListModelPackages failed with ThrottlingException, which is worth retrying; attempt 2 of 5/);
  });

  test('still throttled after --max-attempts: exit 3, nothing changed', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], { 3: quality(0.91), 4: quality(0.93) });
    sm.on(UpdateModelPackageCommand).rejects(throttled());
    const r = await runGate(...RULE, '--max-attempts', '3');
    expect(r.code).toBe(GATE_EXIT.AWS_FAILED);
    expect(sm.commandCalls(UpdateModelPackageCommand)).toHaveLength(3);
    expect(r.waits).toHaveLength(2);
    expect(r.stderr).toMatch(/sagemaker:UpdateModelPackage on .*model-package\/fraud-scoring\/4 still failed after 3 attempt\(s\): ThrottlingException/);
  });
});

describe('access denied names the action and exits 6', () => {
  const denied = (name: string) => Object.assign(new Error('User is not authorized'), { name, $metadata: { httpStatusCode: 403 } });

  test('on UpdateModelPackage', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], { 3: quality(0.91), 4: quality(0.93) });
    sm.on(UpdateModelPackageCommand).rejects(denied('AccessDeniedException'));
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.ACCESS_DENIED);
    expect(r.stderr).toContain(`access denied calling sagemaker:UpdateModelPackage on ${arnOf(4)} (AWS said: User is not authorized): allow the action sagemaker:UpdateModelPackage`);
    expect(r.stderr).toMatch(/Nothing was changed\.\n$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('on the evaluation JSON in S3, with the KMS hint', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], { 3: quality(0.91), 4: quality(0.93) });
    s3.on(GetObjectCommand).rejects(denied('AccessDenied'));
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.ACCESS_DENIED);
    expect(r.stderr).toMatch(/access denied calling s3:GetObject on s3:\/\/evals\/4\.json .*\(and kms:Decrypt on the bucket's key/);
    expect(updates()).toEqual([]);
  });

  test('missing credentials', async () => {
    sm.on(ListModelPackagesCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.ACCESS_DENIED);
    expect(r.stderr).toMatch(/no AWS credentials were found: .*allowed sagemaker:ListModelPackages/);
  });
});

describe('missing or malformed metrics: exit 4, nothing changed', () => {
  test('a metric absent from the evaluation JSON lists the metrics found there', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], {
      3: quality(0.91), 4: { binary_classification_metrics: { recall: { value: 0.8 }, precision: { value: 0.7 } } },
    });
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.METRICS);
    expect(r.stderr).toContain('model package fraud-scoring v4 (' + arnOf(4) + ') has no metric "auc": its evaluation JSON s3://evals/4.json has ' +
      'binary_classification_metrics.recall, binary_classification_metrics.precision; it has no CustomerMetadataProperties.');
    expect(updates()).toEqual([]);
  });

  test('the champion lacking the metric is an error too', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], { 3: { metrics: { f1: 0.7 } }, 4: quality(0.93) });
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.METRICS);
    expect(r.stderr).toMatch(/fraud-scoring v3 .* has no metric "auc": its evaluation JSON s3:\/\/evals\/3\.json has metrics\.f1/);
  });

  test('a package with neither ModelMetrics nor metadata says so', async () => {
    stubGroup(sm, s3, [summary(4, 'PendingManualApproval')], {});
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.METRICS);
    expect(r.stderr).toMatch(/has no metric "auc": it has no ModelMetrics\.ModelQuality\.Statistics\.S3Uri; it has no CustomerMetadataProperties/);
  });

  test('an evaluation JSON that is not JSON', async () => {
    stubGroup(sm, s3, [summary(4, 'PendingManualApproval')], { 4: '{"binary_classification_metrics": ' });
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.METRICS);
    expect(r.stderr).toMatch(/the evaluation JSON of model package fraud-scoring v4, s3:\/\/evals\/4\.json, is not JSON/);
  });

  test('an evaluation JSON that does not exist: exit 3 naming the URI', async () => {
    stubGroup(sm, s3, [summary(4, 'PendingManualApproval')], { 4: quality(0.9) });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    const r = await runGate(...RULE);
    expect(r.code).toBe(GATE_EXIT.AWS_FAILED);
    expect(r.stderr).toMatch(/s3:\/\/evals\/4\.json does not exist \(NoSuchKey\)/);
  });

  test('CustomerMetadataProperties: used when there is no evaluation JSON; a value that is not a number is an error', async () => {
    sm.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [summary(3, 'Approved'), summary(4, 'PendingManualApproval')] });
    const describe = (v: number, auc: string) => sm.on(DescribeModelPackageCommand, { ModelPackageName: arnOf(v) }).resolves({
      ModelPackageName: GROUP,
      ModelPackageGroupName: GROUP,
      ModelPackageVersion: v,
      ModelPackageArn: arnOf(v),
      CreationTime: new Date(),
      ModelPackageStatus: 'Completed',
      CustomerMetadataProperties: { auc },
    });
    describe(3, '0.90');
    describe(4, '0.92');
    const ok = await runGate(...RULE, '--json');
    expect(ok.code).toBe(GATE_EXIT.APPROVED);
    expect(JSON.parse(ok.stdout).challenger).toEqual({ arn: arnOf(4), version: 4, value: 0.92, source: 'CustomerMetadataProperties.auc' });
    describe(4, 'high');
    const bad = await runGate(...RULE);
    expect(bad.code).toBe(GATE_EXIT.METRICS);
    expect(bad.stderr).toMatch(/has CustomerMetadataProperties\.auc = "high", which is not a decimal number/);
  });

  test('--metric-path reads a custom layout', async () => {
    stubGroup(sm, s3, [summary(3, 'Approved'), summary(4, 'PendingManualApproval')], {
      3: { evaluation: { holdout: { auc: 0.9 } } }, 4: { evaluation: { holdout: { auc: 0.95 } } },
    });
    const r = await runGate(...RULE, '--metric-path', 'evaluation.holdout.auc', '--json');
    expect(r.code).toBe(GATE_EXIT.APPROVED);
    expect(JSON.parse(r.stdout).challenger.source).toBe('s3://evals/4.json#evaluation.holdout.auc');
  });
});

describe('bad command lines: exit 2 with the flag, the value and what is allowed, before any AWS call', () => {
  test.each([
    [['--min-improvement', 'abc'], '--min-improvement ("abc") must be a number of at least 0, such as 0.01'],
    [['--min-improvement=-0.1'], '--min-improvement ("-0.1") must be a number of at least 0'],
    [['--threshold', '0.8x'], '--threshold ("0.8x") must be a number, such as 0.8'],
    [['--threshold', ''], '--threshold ("") must be a number'],
    [['--max-attempts', '2.5'], '--max-attempts ("2.5") must be a whole number of at least 1'],
    [['--metric-path', 'a..b'], '--metric-path ("a..b") must be keys separated by dots'],
  ])('%j', async (extra, message) => {
    const r = await runGate(...RULE, ...extra);
    expect(r.code).toBe(GATE_EXIT.USAGE);
    expect(r.stderr).toContain(message);
    expect(sm.calls()).toHaveLength(0);
  });

  test('a direction that is not maximize or minimize', async () => {
    const r = await runGate('--group', GROUP, '--metric', 'auc', '--direction', 'higher');
    expect(r.code).toBe(GATE_EXIT.USAGE);
    expect(r.stderr).toContain('--direction ("higher") must be maximize or minimize');
  });

  test('missing required flags are listed together', async () => {
    const r = await runGate('--threshold', 'x');
    expect(r.code).toBe(GATE_EXIT.USAGE);
    expect(r.stderr).toMatch(/4 problems:\n {2}- --group is required .*\n {2}- --metric is required .*\n {2}- --direction is required .*\n {2}- --threshold \("x"\)/);
  });

  test('an unknown flag prints the usage', async () => {
    const r = await runGate(...RULE, '--approve-anyway');
    expect(r.code).toBe(GATE_EXIT.USAGE);
    expect(r.stderr).toMatch(/Unknown option '--approve-anyway'[^]*Usage: mlops-model-gate/);
  });
});

test('--help documents every flag and every exit code', async () => {
  const r = await runGate('--help');
  expect(r.code).toBe(0);
  for (const flag of ['--group', '--metric', '--direction', '--min-improvement', '--threshold', '--metric-path', '--dry-run', '--json', '--endpoint', '--max-attempts', '--quiet', '--version', '--help']) {
    expect(r.stdout).toContain(flag);
  }
  for (const code of Object.values(GATE_EXIT)) {
    expect(r.stdout).toMatch(new RegExp(`^ {2}${code} +\\S`, 'm'));
  }
});

test('the README lists every exit code, in the gate\'s own table', () => {
  const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
  const start = readme.indexOf('**Exit codes of the gate**');
  expect(start).toBeGreaterThan(readme.indexOf('### Champion/challenger gate'));
  const table = readme.slice(start, readme.indexOf('\n\n', readme.indexOf('| code |', start)));
  for (const code of Object.values(GATE_EXIT)) {
    expect(table).toMatch(new RegExp(`^\\| ${code} \\| \\S`, 'm'));
  }
});

test('--version prints the package version', async () => {
  const r = await runGate('--version');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^mlops-model-gate \d+\.\d+\.\d+/);
});

test('an unexpected error is an internal error with its message and no stack trace', async () => {
  sm.on(ListModelPackagesCommand).callsFake(() => { throw new TypeError('boom'); });
  const r = await runGate(...RULE);
  expect(r.code).toBe(GATE_EXIT.INTERNAL);
  expect(r.stderr).toMatch(/internal error: boom\nThis is a bug.*MLOPS_MODEL_GATE_DEBUG=1/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
