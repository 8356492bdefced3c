import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { normalizedTemplate, normalizeTemplate } from '../../../constructs';

test('asset hashes, CDK metadata and the bootstrap version check are normalized', () => {
  const app = new App({ analyticsReporting: true });
  const stack = new Stack(app, 'S');
  new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, '..', '..', 'harness')),
  });
  const template = normalizedTemplate(stack);
  expect(template.Resources.CDKMetadata).toBeUndefined();
  expect(template.Parameters).toBeUndefined();
  expect(template.Rules).toBeUndefined();
  const fn = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::Lambda::Function') as any;
  expect(fn.Properties.Code.S3Key).toBe('[ASSET-HASH].zip');
  expect(JSON.stringify(template)).not.toMatch(/[0-9a-f]{64}/);
});

test('everything else is kept as it was', () => {
  const template = { Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: 5 } } }, Parameters: { Keep: { Type: 'String' } } };
  expect(normalizeTemplate(template)).toEqual(template);
});
