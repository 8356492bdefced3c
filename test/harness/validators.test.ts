import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { cfnLint, synthWithNag } from './validators';

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
