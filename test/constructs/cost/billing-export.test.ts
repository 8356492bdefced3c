import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { billingStack } from './guardrails-fixtures';
import { BillingExport, type BillingExportProps, DEFAULT_CUR2_COLUMNS } from '../../../constructs';

const ENV = { account: '111122223333', region: 'us-east-1' };

function synth(props: BillingExportProps = {}): { template: Template; exp: BillingExport } {
  const stack = billingStack(undefined, { env: ENV });
  const exp = new BillingExport(stack, 'BillingExport', props);
  return { template: Template.fromStack(stack), exp };
}

function exportOf(template: Template): any {
  const [resource] = Object.values(template.findResources('AWS::BCMDataExports::Export'));
  return resource.Properties.Export;
}

const SOURCE_CONDITION = {
  StringLike: {
    'aws:SourceAccount': '111122223333',
    'aws:SourceArn': [
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cur:us-east-1:111122223333:definition/*']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bcm-data-exports:us-east-1:111122223333:export/*']] },
    ],
  },
};

describe('BillingExport', () => {
  test('a daily CUR 2.0 export with resource IDs and split cost allocation data', () => {
    const { template } = synth();
    const exp = exportOf(template);
    expect(exp.DataQuery.TableConfigurations).toEqual({
      COST_AND_USAGE_REPORT: {
        TIME_GRANULARITY: 'DAILY',
        INCLUDE_RESOURCES: 'TRUE',
        INCLUDE_SPLIT_COST_ALLOCATION_DATA: 'TRUE',
        INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY: 'FALSE',
      },
    });
    expect(exp.RefreshCadence).toEqual({ Frequency: 'SYNCHRONOUS' });
  });

  test('selects the default columns, split cost allocation included, from COST_AND_USAGE_REPORT', () => {
    const { template } = synth();
    const query: string = exportOf(template).DataQuery.QueryStatement;
    expect(query).toBe(`SELECT ${DEFAULT_CUR2_COLUMNS.join(', ')} FROM COST_AND_USAGE_REPORT`);
    for (const c of ['line_item_resource_id', 'resource_tags', 'split_line_item_parent_resource_id', 'split_line_item_split_cost', 'split_line_item_unused_cost']) {
      expect(query).toContain(c);
    }
  });

  test('columns replaces the column list', () => {
    const { template } = synth({ columns: ['line_item_resource_id', 'line_item_unblended_cost'] });
    expect(exportOf(template).DataQuery.QueryStatement).toBe('SELECT line_item_resource_id, line_item_unblended_cost FROM COST_AND_USAGE_REPORT');
  });

  test('writes Parquet, overwriting, into the platform bucket of this account and region', () => {
    const { template } = synth({ prefix: 'billing/cur2', exportName: 'platform-cur2' });
    const [bucketId] = Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }));
    const exp = exportOf(template);
    expect(exp.Name).toBe('platform-cur2');
    expect(exp.DestinationConfigurations.S3Destination).toEqual({
      S3Bucket: { Ref: bucketId },
      S3BucketOwner: '111122223333',
      S3Prefix: 'billing/cur2',
      S3Region: 'us-east-1',
      S3OutputConfigurations: { OutputType: 'CUSTOM', Format: 'PARQUET', Compression: 'PARQUET', Overwrite: 'OVERWRITE_REPORT' },
    });
  });

  test('dataS3Uri names where the data lands', () => {
    const { exp } = synth({ exportName: 'platform-cur2' });
    const bucketId = Stack.of(exp).getLogicalId(exp.bucket.node.defaultChild as any);
    expect(Stack.of(exp).resolve(exp.dataS3Uri)).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/cur2/platform-cur2/data/']],
    });
  });

  test('the bucket lets only the billing services of this account write and read its policy', () => {
    const { template } = synth();
    const [bucketId] = Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }));
    const [policy] = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } }));
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Sid: 'EnableAWSDataExportsToWriteToS3AndCheckPolicy',
      Effect: 'Allow',
      Principal: { Service: ['bcm-data-exports.amazonaws.com', 'billingreports.amazonaws.com'] },
      Action: ['s3:PutObject', 's3:GetBucketPolicy'],
      Resource: [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] }],
      Condition: SOURCE_CONDITION,
    });
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(statements.filter((s: any) => s.Effect === 'Allow')).toHaveLength(1);
  });

  test('the export waits for the bucket policy', () => {
    const { template } = synth();
    const [policyId] = Object.keys(template.findResources('AWS::S3::BucketPolicy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'EnableAWSDataExportsToWriteToS3AndCheckPolicy' })]) } } }));
    const [exp] = Object.values(template.findResources('AWS::BCMDataExports::Export'));
    expect(exp.DependsOn).toContain(policyId);
  });

  test('the bucket is KMS-encrypted with a rotating key the billing services may use for delivery', () => {
    const { template } = synth();
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: 'BillingExportDelivery',
          Effect: 'Allow',
          Principal: { Service: ['bcm-data-exports.amazonaws.com', 'billingreports.amazonaws.com'] },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Resource: '*',
          Condition: SOURCE_CONDITION,
        }]),
      },
    });
  });

  test('bucket, access-log bucket and key are retained by default', () => {
    const { template } = synth();
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      const resources = Object.values(template.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) {
        expect([r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
      }
    }
    template.resourceCountIs('AWS::S3::Bucket', 2);
  });

  test('removalPolicy DESTROY is passed on', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    for (const r of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(r.DeletionPolicy).toBe('Delete');
    }
  });

  test('access logs go to the log bucket under a bucket policy for S3 log delivery from the export bucket', () => {
    const { template, exp } = synth();
    const stack = Stack.of(exp);
    const bucketId = stack.getLogicalId(exp.bucket.node.defaultChild as any);
    const logsId = stack.getLogicalId(exp.accessLogsBucket.node.defaultChild as any);
    template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'billing-export-bucket/' } });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } }, StringEquals: { 'aws:SourceAccount': '111122223333' } },
        })]),
      },
    });
  });

  test('the export and its buckets carry the cost-attribution tags', () => {
    const { template } = synth();
    const [exp] = Object.values(template.findResources('AWS::BCMDataExports::Export'));
    expect(Object.fromEntries(exp.Properties.Tags.map((t: any) => [t.Key, t.Value]))).toMatchObject({ 'team': 'ml-platform', 'cost-center': 'cc-4200' });
  });
});

describe('BillingExport validation', () => {
  test('a stack in a region other than us-east-1 is an error', () => {
    const stack = billingStack(new App({ builtinCloudFormationValidation: false }), { env: { account: '111122223333', region: 'eu-west-1' } });
    expect(() => new BillingExport(stack, 'BillingExport'))
      .toThrow(/^Billing\/BillingExport: the stack's region is eu-west-1, but billing data exports are created in us-east-1 only/);
  });

  test('an env-agnostic stack is accepted (the region is checked at deploy)', () => {
    expect(() => new BillingExport(billingStack(), 'BillingExport')).not.toThrow();
  });

  test.each([['', 'must be 1 to 128'], ['my export', 'must be 1 to 128'], ['x'.repeat(129), 'must be 1 to 128']])('exportName "%s" is an error', (name, message) => {
    expect(() => synth({ exportName: name })).toThrow(new RegExp(`exportName \\("${name}"\\) ${message}`));
  });

  test.each(['', '/cur2', 'cur2/'])('prefix "%s" is an error', prefix => {
    expect(() => synth({ prefix })).toThrow(/prefix .* must not be empty nor start or end with "\/"/);
  });

  test('column names are checked', () => {
    expect(() => synth({ columns: [] })).toThrow(/columns is empty/);
    expect(() => synth({ columns: ['line_item_resource_id; DROP'] })).toThrow(/columns contains "line_item_resource_id; DROP", which is not a CUR 2.0 column name/);
    expect(() => synth({ columns: ['pricing_unit', 'pricing_unit'] })).toThrow(/columns lists a column twice/);
  });

  test('removalPolicy SNAPSHOT is an error', () => {
    expect(() => synth({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/removalPolicy \(SNAPSHOT\) is not supported/);
  });
});
