import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { cfnLint, checkov, ROOT, synthWithNag } from './validators';

// The example checks are only worth something if they can fail: feed each a deliberately broken input.

test('cfn-lint fails on a broken template', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-stack-lint-'));
  const file = path.join(dir, 'broken.template.json');
  writeFileSync(file, JSON.stringify({
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Sometimes' } } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 'forever', NotAProperty: 1 } },
    },
  }));
  const result = cfnLint([file]);
  expect(result.exitCode).not.toBe(0);
  expect(result.errors.join('\n')).toMatch(/Sometimes/);
  expect(result.errors.join('\n')).toMatch(/NotAProperty/);
});

test('cfn-lint that does not run to completion is an error, not a clean result', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-stack-lint-'));
  const file = path.join(dir, 'ok.template.json');
  writeFileSync(file, JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }));
  expect(cfnLint([file]).errors).toEqual([]);
  // An unknown output format makes cfn-lint exit with a usage error and lint nothing.
  expect(() => cfnLint([file], ['--format', 'no-such-format'])).toThrow(/cfn-lint did not run to completion/);
});

test('checkov reports the failed checks of an insecure template, and nothing for a template it cannot fault', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-stack-checkov-'));
  const insecure = path.join(dir, 'insecure.template.json');
  writeFileSync(insecure, JSON.stringify({ Resources: { Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} } } }));
  const findings = checkov([insecure]);
  expect(findings).toContainEqual({ check: 'CKV_AWS_158', resource: 'AWS::Logs::LogGroup.Logs', template: 'insecure.template.json' });
  const secure = path.join(dir, 'secure.template.json');
  writeFileSync(secure, JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: 'alias/q' } } } }));
  expect(checkov([secure])).toEqual([]);
});

test('cdk-nag fails on an insecure stack, naming the rule and the resource', () => {
  const result = synthWithNag(app => {
    const stack = new Stack(app, 'Insecure');
    new s3.Bucket(stack, 'Open');
  });
  expect(result.assembly).toBeUndefined();
  expect(result.violations).toEqual(expect.arrayContaining([
    expect.objectContaining({ rule: 'AwsSolutions-S10', paths: ['Insecure/Open/Resource'] }),
    expect.objectContaining({ rule: 'AwsSolutions-S1', paths: ['Insecure/Open/Resource'] }),
  ]));
});

test('the Python tools script says how to fix a missing python3', () => {
  const run = spawnSync('bash', [path.join(ROOT, 'test', 'tools', 'python-tools.sh')], {
    encoding: 'utf8',
    env: { ...process.env, PYTHON: 'python3-that-does-not-exist' },
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/'python3-that-does-not-exist' was not found on PATH/);
  expect(run.stderr).toMatch(/apt-get install python3 python3-venv/);
});
