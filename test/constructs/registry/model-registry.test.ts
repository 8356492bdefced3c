import { App, type CfnElement, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CostAttribution, ModelRegistry, type ModelRegistryAttributes, type ModelRegistryProps, TrackingServerSize } from '../../../constructs';
import { describeViolations, synthWithNag } from '../../harness/validators';

const TAGS = { 'team': 'ml-platform', 'project': 'recsys', 'cost-center': 'cc-4200', 'environment': 'prod' };
const CONSUMER = '111122223333';
const OTHER_CONSUMER = '444455556666';

function newStack(): Stack {
  const app = new App();
  CostAttribution.apply(app, { tags: TAGS });
  return new Stack(app, 'S');
}

function build(props: ModelRegistryProps = {}): { stack: Stack; registry: ModelRegistry } {
  const stack = newStack();
  const registry = new ModelRegistry(stack, 'Registry', props);
  return { stack, registry };
}

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

function accountPrincipal(account: string) {
  return { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] } };
}

function objectsArn(bucketId: string, pattern: string) {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, pattern]] };
}

function sagemakerArn(resource: string) {
  return {
    'Fn::Join': ['', [
      'arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`,
    ]],
  };
}

const VIA_S3_SERVICE = { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } };
const VIA_S3 = { StringEquals: VIA_S3_SERVICE };

/** Through S3, and only for objects of this bucket: with a bucket key, S3's encryption context is the bucket ARN. */
function viaS3For(bucketId: string) {
  return { StringEquals: { ...VIA_S3_SERVICE, 'kms:EncryptionContext:aws:s3:arn': { 'Fn::GetAtt': [bucketId, 'Arn'] } } };
}

function tagsOf(resource: { [key: string]: any }): Record<string, string> {
  return Object.fromEntries(((resource.Properties.Tags ?? []) as { Key: string; Value: string }[]).map(t => [t.Key, t.Value]));
}

function role(stack: Stack): iam.Role {
  return new iam.Role(stack, 'Trainer', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
}

/** Statements of the one identity policy in the stack (the grantee's). */
function granteeStatements(stack: Stack): any[] {
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

describe('ModelRegistry key', () => {
  test('creates a customer-managed key with rotation, retained', () => {
    const { stack } = build();
    Template.fromStack(stack).hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('uses a key passed in and creates none', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Shared', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new ModelRegistry(stack, 'Registry', { encryptionKey: key, models: [{ name: 'fraud' }] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.keyArn } })] },
    });
    template.hasResourceProperties('AWS::ECR::Repository', { EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: key.keyArn } });
  });
});

describe('ModelRegistry artifact bucket', () => {
  test('is encrypted with the registry key and a bucket key', () => {
    const { stack, registry } = build();
    const keyId = logicalId(stack, registry.encryptionKey);
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
        }],
      },
    });
  });

  test('is versioned, blocks public access and enforces bucket-owner object ownership', () => {
    const { stack, registry } = build();
    const bucket = Template.fromStack(stack).toJSON().Resources[logicalId(stack, registry.artifactBucket)];
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  test('denies requests without TLS', () => {
    const { stack, registry } = build();
    const bucketId = logicalId(stack, registry.artifactBucket);
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
  });

  test('both buckets are retained on deletion and replacement by default', () => {
    const { stack } = build();
    const buckets = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'));
    expect(buckets.map(b => [b.DeletionPolicy, b.UpdateReplacePolicy])).toEqual([['Retain', 'Retain'], ['Retain', 'Retain']]);
  });

  test('sends server access logs to the log bucket', () => {
    const { stack, registry } = build();
    const bucket = Template.fromStack(stack).toJSON().Resources[logicalId(stack, registry.artifactBucket)];
    expect(bucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalId(stack, registry.accessLogsBucket) },
      LogFilePrefix: 'artifacts/',
    });
  });

  test('log bucket: SSE-S3, public access blocked, TLS only, retained', () => {
    const { stack, registry } = build();
    const logsId = logicalId(stack, registry.accessLogsBucket);
    const template = Template.fromStack(stack);
    expect(template.toJSON().Resources[logsId]).toMatchObject({
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('log delivery may write only the artifact bucket\'s logs, from this account', () => {
    const { stack, registry } = build();
    const logsId = logicalId(stack, registry.accessLogsBucket);
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: objectsArn(logsId, '/artifacts/*'),
          Condition: {
            ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack, registry.artifactBucket), 'Arn'] } },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        }]),
      },
    });
  });

  test('lifecycle defaults: noncurrent versions to Standard-IA at 30 days, expired at 365, uploads aborted at 7', () => {
    const { stack } = build();
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          { Id: 'abort-incomplete-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
          {
            Id: 'noncurrent-versions',
            Status: 'Enabled',
            NoncurrentVersionTransitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            NoncurrentVersionExpiration: { NoncurrentDays: 365 },
          },
        ],
      },
    });
  });

  test('lifecycle periods are configurable', () => {
    const { stack } = build({
      noncurrentVersionTransitionAfter: Duration.days(60),
      noncurrentVersionExpiration: Duration.days(730),
      abortIncompleteMultipartUploadAfter: Duration.days(2),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } }),
          Match.objectLike({
            NoncurrentVersionTransitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 60 }],
            NoncurrentVersionExpiration: { NoncurrentDays: 730 },
          }),
        ],
      },
    });
  });

  test('Object Lock in compliance mode with a default retention', () => {
    const { stack } = build({ objectLock: { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetention: Duration.days(400) } });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } },
    });
  });

  test('Object Lock in governance mode with a default retention', () => {
    const { stack } = build({ objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetention: Duration.days(30) } });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } },
    });
  });

  test('Object Lock without a default retention leaves locks to each object', () => {
    const { stack } = build({ objectLock: {} });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: Match.absent(),
    });
  });

  test('Object Lock is off by default', () => {
    const { stack, registry } = build();
    const bucket = Template.fromStack(stack).toJSON().Resources[logicalId(stack, registry.artifactBucket)];
    expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
  });
});

describe('ModelRegistry models', () => {
  test('each model gets an ECR repository: scan on push, immutable tags, KMS with the registry key', () => {
    const { stack, registry } = build({ models: [{ name: 'Fraud-Scoring' }] });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'models/fraud-scoring',
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [logicalId(stack, registry.encryptionKey), 'Arn'] } },
    });
  });

  test('repositories keep the last 10 untagged images by default', () => {
    const { stack } = build({ models: [{ name: 'fraud' }] });
    const text = new Capture();
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { LifecyclePolicy: { LifecyclePolicyText: text } });
    expect(JSON.parse(text.asString()).rules).toEqual([expect.objectContaining({
      selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 10 },
      action: { type: 'expire' },
    })]);
  });

  test('a model can keep a different number of untagged images', () => {
    const { stack } = build({ untaggedImagesToKeep: 20, models: [{ name: 'fraud', untaggedImagesToKeep: 3 }] });
    const text = new Capture();
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { LifecyclePolicy: { LifecyclePolicyText: text } });
    expect(JSON.parse(text.asString()).rules[0].selection.countNumber).toBe(3);
  });

  test('the repository name prefix is configurable', () => {
    const { stack } = build({ repositoryNamePrefix: 'ml/images', models: [{ name: 'fraud' }] });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { RepositoryName: 'ml/images/fraud' });
  });

  test('each model gets a model package group named after it, with a default description', () => {
    const { stack } = build({ models: [{ name: 'fraud-scoring' }] });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: 'fraud-scoring',
      ModelPackageGroupDescription: 'Model packages of fraud-scoring',
    });
  });

  test('a model package group takes the model\'s description', () => {
    const { stack } = build({ models: [{ name: 'fraud', description: 'Card fraud scoring' }] });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupDescription: 'Card fraud scoring' });
  });

  test('repositories and model package groups are retained by default', () => {
    const { stack } = build({ models: [{ name: 'fraud' }] });
    const template = Template.fromStack(stack);
    for (const type of ['AWS::ECR::Repository', 'AWS::SageMaker::ModelPackageGroup']) {
      template.hasResource(type, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  test('addModel after construction creates the same resources as the models prop', () => {
    const viaProp = build({ models: [{ name: 'fraud', description: 'd', untaggedImagesToKeep: 4 }] });
    const viaMethod = build();
    viaMethod.registry.addModel('fraud', { description: 'd', untaggedImagesToKeep: 4 });
    expect(Template.fromStack(viaMethod.stack).toJSON()).toEqual(Template.fromStack(viaProp.stack).toJSON());
  });

  test('addModel returns where the model lives', () => {
    const { stack, registry } = build();
    const model = registry.addModel('Churn');
    expect(model.name).toBe('Churn');
    expect(model.artifactsPrefix).toBe('models/Churn/');
    expect(model.modelPackageGroupName).toBe('Churn');
    expect(stack.resolve(model.modelPackageGroupArn)).toEqual(sagemakerArn('model-package-group/churn'));
    expect(registry.model('churn')).toBe(model);
  });

  test('a model\'s resources carry the model tag; shared resources do not', () => {
    const { stack } = build({ models: [{ name: 'fraud' }] });
    const template = Template.fromStack(stack);
    const [repository] = Object.values(template.findResources('AWS::ECR::Repository'));
    const [group] = Object.values(template.findResources('AWS::SageMaker::ModelPackageGroup'));
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(tagsOf(repository).model).toBe('fraud');
    expect(tagsOf(group).model).toBe('fraud');
    expect(buckets.map(b => tagsOf(b).model)).toEqual([undefined, undefined]);
  });

  test('a model owned by a team: its repository and package group are billed to it, shared resources are not', () => {
    const { stack } = build({ models: [{ name: 'fraud-scoring', team: 'fraud' }, { name: 'churn' }] });
    const template = Template.fromStack(stack);
    const teamsOf = (type: string) => Object.values(template.findResources(type)).map(r => [tagsOf(r).model, tagsOf(r).team]);
    expect(teamsOf('AWS::ECR::Repository')).toEqual([['fraud-scoring', 'fraud'], ['churn', 'ml-platform']]);
    expect(teamsOf('AWS::SageMaker::ModelPackageGroup')).toEqual([['fraud-scoring', 'fraud'], ['churn', 'ml-platform']]);
    expect(teamsOf('AWS::S3::Bucket')).toEqual([[undefined, 'ml-platform'], [undefined, 'ml-platform']]);
  });

  test('an owning team that is not a valid tag value fails synthesis', () => {
    expect(() => build({ models: [{ name: 'fraud-scoring', team: 'fraud/ops?' }] })).toThrow(/team/);
  });

  test('every taggable resource carries the cost-attribution tags', () => {
    const { stack } = build({ models: [{ name: 'fraud' }], experimentTracking: {} });
    const resources = Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, any>)
      .filter(([, r]) => !['AWS::S3::BucketPolicy', 'AWS::IAM::Policy'].includes(r.Type));
    expect(resources.map(([id]) => id)).toHaveLength(7);
    for (const [id, resource] of resources) {
      expect([id, tagsOf(resource)]).toEqual([id, expect.objectContaining(TAGS)]);
    }
  });
});

describe('ModelRegistry cross-account consumers', () => {
  function consumerRegistry() {
    return build({ consumerAccounts: [CONSUMER], models: [{ name: 'fraud' }] });
  }

  test('the bucket policy lets consumers read a model\'s prefix and nothing else', () => {
    const { stack, registry } = consumerRegistry();
    const bucketId = logicalId(stack, registry.artifactBucket);
    const statements = new Capture();
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: statements },
    });
    const consumerStatements = (statements.asArray() as any[]).filter(s => s.Effect === 'Allow');
    expect(consumerStatements).toEqual([
      {
        Effect: 'Allow',
        Principal: accountPrincipal(CONSUMER),
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: objectsArn(bucketId, '/models/fraud/*'),
      },
      {
        Effect: 'Allow',
        Principal: accountPrincipal(CONSUMER),
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['models/fraud/*'] } },
      },
    ]);
  });

  test('the key policy lets consumers decrypt through S3 only', () => {
    const { stack } = consumerRegistry();
    const statements = new Capture();
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { KeyPolicy: { Statement: statements } });
    const consumer = (statements.asArray() as any[]).filter(s => JSON.stringify(s.Principal).includes(CONSUMER));
    expect(consumer).toEqual([{
      Effect: 'Allow',
      Principal: accountPrincipal(CONSUMER),
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: VIA_S3,
    }]);
  });

  test('the repository policy lets consumers pull only', () => {
    const { stack } = consumerRegistry();
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: accountPrincipal(CONSUMER),
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        }],
      },
    });
  });

  test('the model package group policy lets consumers describe the group and create models from its versions', () => {
    const { stack } = consumerRegistry();
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: accountPrincipal(CONSUMER),
            Action: 'sagemaker:DescribeModelPackageGroup',
            Resource: sagemakerArn('model-package-group/fraud'),
          },
          {
            Effect: 'Allow',
            Principal: accountPrincipal(CONSUMER),
            Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel'],
            Resource: sagemakerArn('model-package/fraud/*'),
          },
        ],
      },
    });
  });

  test('statements name every listed account and no other', () => {
    const { stack } = build({ consumerAccounts: [CONSUMER, OTHER_CONSUMER], models: [{ name: 'fraud' }] });
    const policy = new Capture();
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { RepositoryPolicyText: policy });
    expect(policy.asObject().Statement[0].Principal).toEqual({ AWS: [accountPrincipal(CONSUMER).AWS, accountPrincipal(OTHER_CONSUMER).AWS] });
  });

  test('a model added later is shared too', () => {
    const { stack, registry } = build({ consumerAccounts: [CONSUMER] });
    registry.addModel('churn');
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: 'churn',
      ModelPackageGroupPolicy: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Resource: sagemakerArn('model-package/churn/*') })]) }),
    });
  });

  test('without consumers there are no resource policies for other accounts', () => {
    const { stack } = build({ models: [{ name: 'fraud' }] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECR::Repository', { RepositoryPolicyText: Match.absent() });
    template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupPolicy: Match.absent() });
    template.hasResourceProperties('AWS::KMS::Key', { KeyPolicy: { Statement: [Match.objectLike({ Action: 'kms:*' })] } });
  });

  test('a key not managed by the stack cannot take the consumer statement: warns', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Shared', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new ModelRegistry(stack, 'Registry', { encryptionKey: key, consumerAccounts: [CONSUMER] });
    Annotations.fromStack(stack).hasWarning('/S/Registry', Match.stringLikeRegexp('key policy cannot be changed.*111122223333'));
  });
});

describe('ModelRegistry grants', () => {
  test('grantRead for a model: that prefix, listing limited to it, decrypt through S3', () => {
    const { stack, registry } = build({ models: [{ name: 'fraud' }] });
    registry.grantRead(role(stack), 'fraud');
    const bucketId = logicalId(stack, registry.artifactBucket);
    const keyArn = { 'Fn::GetAtt': [logicalId(stack, registry.encryptionKey), 'Arn'] };
    expect(granteeStatements(stack)).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objectsArn(bucketId, '/models/fraud/*') },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['models/fraud/*'] } } },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn, Condition: viaS3For(bucketId) },
    ]);
  });

  test('grantRead without a model covers the whole bucket', () => {
    const { stack, registry } = build();
    registry.grantRead(role(stack));
    const bucketId = logicalId(stack, registry.artifactBucket);
    expect(granteeStatements(stack).slice(0, 2)).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objectsArn(bucketId, '/*') },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } },
    ]);
  });

  test('grantWrite for a model: uploads to that prefix only, data keys through S3, no delete', () => {
    const { stack, registry } = build({ models: [{ name: 'fraud' }] });
    registry.grantWrite(role(stack), 'fraud');
    const bucketId = logicalId(stack, registry.artifactBucket);
    expect(granteeStatements(stack)).toEqual([
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: objectsArn(bucketId, '/models/fraud/*') },
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': [logicalId(stack, registry.encryptionKey), 'Arn'] },
        Condition: viaS3For(bucketId),
      },
    ]);
  });

  test('a grantee in another account gets decrypt in the key policy through S3, without naming the bucket (the bucket references the key)', () => {
    const { stack, registry } = build({ models: [{ name: 'fraud' }] });
    const reader = iam.Role.fromRoleArn(stack, 'Reader', `arn:aws:iam::${OTHER_CONSUMER}:role/reader`);
    registry.grantRead(reader, 'fraud');
    const statements = new Capture();
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { KeyPolicy: { Statement: statements } });
    const granted = (statements.asArray() as any[]).filter(s => JSON.stringify(s.Principal).includes(OTHER_CONSUMER));
    expect(granted).toEqual([{
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OTHER_CONSUMER}:role/reader` },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: VIA_S3,
    }]);
  });

  test('grants to a role in the same account leave the key policy alone', () => {
    const { stack, registry } = build({ models: [{ name: 'fraud' }] });
    const trainer = role(stack);
    registry.grantWrite(trainer, 'fraud');
    registry.grantRead(trainer, 'fraud');
    const statements = new Capture();
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { KeyPolicy: { Statement: statements } });
    const trainerId = stack.getLogicalId(trainer.node.defaultChild as CfnElement);
    expect(statements.asArray().filter(s => JSON.stringify(s).includes(trainerId))).toEqual([]);
    expect(statements.asArray()).toHaveLength(1);
  });

  test('grantPull: pull actions on the model\'s repository', () => {
    const { stack, registry } = build({ models: [{ name: 'fraud' }, { name: 'churn' }] });
    registry.grantPull(role(stack), 'fraud');
    expect(granteeStatements(stack)).toContainEqual({
      Effect: 'Allow',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Resource: { 'Fn::GetAtt': [logicalId(stack, registry.model('fraud').repository), 'Arn'] },
    });
  });

  test('grantPush: push actions on the model\'s repository', () => {
    const { stack, registry } = build({ models: [{ name: 'fraud' }] });
    registry.grantPush(role(stack), 'fraud');
    const repoArn = { 'Fn::GetAtt': [logicalId(stack, registry.model('fraud').repository), 'Arn'] };
    expect(granteeStatements(stack)).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload']),
      Resource: repoArn,
    }));
  });

  test('grantRegister: model package actions on the model\'s group and its versions only', () => {
    const { stack, registry } = build({ models: [{ name: 'Fraud' }] });
    registry.grantRegister(role(stack), 'Fraud');
    expect(granteeStatements(stack)).toEqual([{
      Effect: 'Allow',
      Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:AddTags'],
      Resource: [sagemakerArn('model-package-group/fraud'), sagemakerArn('model-package/fraud/*')],
    }]);
  });

  test('a grant for a model the registry lacks throws, naming the known models', () => {
    const { stack, registry } = build({ models: [{ name: 'fraud' }] });
    expect(() => registry.grantRead(role(stack), 'churn')).toThrow(/modelName \("churn"\) is not a model of this registry \(models: "fraud"\)/);
  });
});

describe('ModelRegistry experiment tracking', () => {
  test('no tracking server by default', () => {
    const { stack } = build();
    Template.fromStack(stack).resourceCountIs('AWS::SageMaker::MlflowTrackingServer', 0);
  });

  test('the tracking server stores artifacts under mlflow/ in the artifact bucket, retained', () => {
    const { stack, registry } = build({ experimentTracking: { trackingServerName: 'experiments', size: TrackingServerSize.MEDIUM } });
    Template.fromStack(stack).hasResource('AWS::SageMaker::MlflowTrackingServer', {
      Properties: {
        TrackingServerName: 'experiments',
        TrackingServerSize: 'Medium',
        AutomaticModelRegistration: false,
        ArtifactStoreUri: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(stack, registry.artifactBucket) }, '/mlflow/']] },
        RoleArn: { 'Fn::GetAtt': [stack.getLogicalId(registry.trackingServerRole!.node.defaultChild as CfnElement), 'Arn'] },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('the tracking server role reaches its prefix and the key through S3, nothing more', () => {
    const { stack, registry } = build({ models: [{ name: 'fraud' }], experimentTracking: {} });
    const bucketId = logicalId(stack, registry.artifactBucket);
    expect(granteeStatements(stack)).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: objectsArn(bucketId, '/mlflow/*') },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['mlflow/*'] } } },
      { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [logicalId(stack, registry.encryptionKey), 'Arn'] },
        Condition: VIA_S3,
      },
    ]);
  });

  test('the role is assumable by SageMaker only', () => {
    const { stack } = build({ experimentTracking: {} });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'sagemaker.amazonaws.com' } }] },
    });
  });

  test('automatic model registration may add versions to the registry\'s groups only, including models added later', () => {
    const { stack, registry } = build({ models: [{ name: 'fraud' }], experimentTracking: { automaticModelRegistration: true } });
    registry.addModel('churn');
    const sagemakerStatements = granteeStatements(stack).filter(s => [s.Action].flat().some((a: string) => a.startsWith('sagemaker:')));
    expect(sagemakerStatements.map(s => s.Resource)).toEqual([
      [sagemakerArn('model-package-group/fraud'), sagemakerArn('model-package/fraud/*')],
      [sagemakerArn('model-package-group/churn'), sagemakerArn('model-package/churn/*')],
    ]);
  });

  test('the server is created after its role\'s policy', () => {
    const { stack, registry } = build({ experimentTracking: {} });
    const policyId = stack.getLogicalId(registry.trackingServerRole!.node.findChild('DefaultPolicy').node.defaultChild as CfnElement);
    Template.fromStack(stack).hasResource('AWS::SageMaker::MlflowTrackingServer', { DependsOn: [policyId] });
  });
});

describe('ModelRegistry.fromModelRegistryAttributes', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const BUCKET = 'registry-artifacts-bucket';

  function imported(attrs: Partial<ModelRegistryAttributes> = {}) {
    const stack = newStack();
    const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Imported', { artifactBucketName: BUCKET, encryptionKeyArn: KEY_ARN, ...attrs });
    return { stack, registry };
  }

  function bucketArn(suffix = '') {
    return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET}${suffix}`]] };
  }

  test('grantRead: the model\'s prefix, listing limited to it, decrypt through S3 in the key\'s region for this bucket only', () => {
    const { stack, registry } = imported();
    registry.grantRead(role(stack), 'fraud');
    expect(granteeStatements(stack)).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: bucketArn('/models/fraud/*') },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn(), Condition: { StringLike: { 's3:prefix': ['models/fraud/*'] } } },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KEY_ARN,
        Condition: {
          StringEquals: {
            'kms:ViaService': { 'Fn::Join': ['', ['s3.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] },
            'kms:EncryptionContext:aws:s3:arn': bucketArn(),
          },
        },
      },
    ]);
  });

  test('grantWrite: uploads to the model\'s prefix and data keys for this bucket, no delete', () => {
    const { stack, registry } = imported();
    registry.grantWrite(role(stack), 'fraud');
    const statements = granteeStatements(stack);
    expect(statements.map(s => s.Action)).toEqual([['s3:PutObject', 's3:AbortMultipartUpload'], ['kms:GenerateDataKey', 'kms:Decrypt']]);
    expect(statements[0].Resource).toEqual(bucketArn('/models/fraud/*'));
    expect(statements[1].Condition.StringEquals['kms:EncryptionContext:aws:s3:arn']).toEqual(bucketArn());
  });

  test('grantRegister: the model\'s group and versions, in the key\'s account and region', () => {
    const { stack, registry } = imported();
    registry.grantRegister(role(stack), 'Fraud');
    const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:eu-west-1:123456789012:${resource}`]] });
    expect(granteeStatements(stack)).toEqual([{
      Effect: 'Allow',
      Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:AddTags'],
      Resource: [arn('model-package-group/fraud'), arn('model-package/fraud/*')],
    }]);
  });

  test('grantPull: pull actions on the model\'s repository under the prefix, in the account and region given', () => {
    const { stack, registry } = imported({ repositoryNamePrefix: 'ml/models', account: '444455556666', region: 'us-east-1' });
    registry.grantPull(role(stack), 'Fraud');
    const pull = granteeStatements(stack).find(s => s.Resource !== '*');
    expect(pull).toEqual({
      Effect: 'Allow',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:444455556666:repository/ml/models/fraud']] },
    });
  });

  test('grants for the same model reuse one imported repository', () => {
    const { stack, registry } = imported();
    const trainer = role(stack);
    registry.grantPull(trainer, 'fraud');
    registry.grantPush(trainer, 'fraud');
    expect(registry.node.children.filter(c => c.node.id.startsWith('Images-')).map(c => c.node.id)).toEqual(['Images-fraud']);
  });

  test('grants on an imported registry change no resource policy', () => {
    const { stack, registry } = imported();
    const trainer = role(stack);
    registry.grantRead(trainer);
    registry.grantPush(trainer, 'fraud');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::BucketPolicy', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::ECR::Repository', 0);
  });

  test('rejects an invalid model name in a grant', () => {
    const { stack, registry } = imported();
    expect(() => registry.grantRead(role(stack), 'fraud_scoring')).toThrow(/S\/Imported: modelName \("fraud_scoring"\) must match/);
  });

  test('rejects a bucket ARN given as the bucket name', () => {
    expect(() => imported({ artifactBucketName: 'arn:aws:s3:::registry-artifacts' })).toThrow(/artifactBucketName \("arn:aws:s3:::registry-artifacts"\) must be an S3 bucket name/);
  });

  test('rejects a key alias given as the key ARN', () => {
    expect(() => imported({ encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/registry' })).toThrow(/encryptionKeyArn \("arn:aws:kms:eu-west-1:123456789012:alias\/registry"\) must be a KMS key ARN/);
  });

  test('rejects an account that is not 12 digits and an invalid prefix, at once', () => {
    expect(() => imported({ account: '1234', repositoryNamePrefix: 'Models' }))
      .toThrow(/^S\/Imported: invalid ModelRegistry attributes:\n {2}- repositoryNamePrefix \("Models"\)[^]*\n {2}- account \("1234"\) must be a 12-digit/);
  });

  test('skips attributes that are unresolved tokens and takes the stack\'s account and region', () => {
    const stack = newStack();
    const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Imported', {
      artifactBucketName: Lazy.string({ produce: () => BUCKET }),
      encryptionKeyArn: Lazy.string({ produce: () => KEY_ARN }),
    });
    registry.grantRegister(role(stack), 'fraud');
    expect(granteeStatements(stack)[0].Resource[0]).toEqual(sagemakerArn('model-package-group/fraud'));
  });
});

describe('ModelRegistry removal', () => {
  test.each([
    ['AWS::KMS::Key', 1],
    ['AWS::S3::Bucket', 2],
    ['AWS::ECR::Repository', 1],
    ['AWS::SageMaker::ModelPackageGroup', 1],
    ['AWS::SageMaker::MlflowTrackingServer', 1],
  ])('removalPolicy DESTROY applies to every %s (%d)', (type, count) => {
    const { stack } = build({ removalPolicy: RemovalPolicy.DESTROY, models: [{ name: 'fraud' }], experimentTracking: {} });
    const template = Template.fromStack(stack);
    template.resourceCountIs(type, count);
    template.hasResource(type, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    // hasResource is satisfied by one match; every resource of the type must be deleted, none retained.
    expect(Object.keys(template.findResources(type, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' }))).toHaveLength(count);
  });

  test('autoDeleteObjects with DESTROY empties the buckets and the repositories', () => {
    const { stack } = build({ removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true, models: [{ name: 'fraud' }] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    template.hasResourceProperties('AWS::ECR::Repository', { EmptyOnDelete: true });
  });
});

describe('ModelRegistry validation', () => {
  test.each([
    ['fraud_scoring'],
    ['-fraud'],
    ['fraud-'],
    ['a'.repeat(64)],
    [''],
  ])('rejects the model name %p', (name) => {
    expect(() => build({ models: [{ name }] })).toThrow(/models\[0\]\.name .* must match/);
  });

  test('rejects consecutive hyphens, which ECR repository names cannot have', () => {
    expect(() => build({ models: [{ name: 'fraud--scoring' }] })).toThrow(/models\[0\]\.name \("fraud--scoring"\) must not contain consecutive hyphens/);
  });

  test('accepts names of 63 characters with letters, digits and hyphens', () => {
    expect(() => build({ models: [{ name: `A1-${'b'.repeat(60)}` }] })).not.toThrow();
  });

  test('rejects duplicate model names regardless of case', () => {
    expect(() => build({ models: [{ name: 'fraud' }, { name: 'Fraud' }] })).toThrow(/models\[1\]\.name \("Fraud"\) duplicates models\[0\]\.name \("fraud"\)/);
  });

  test('addModel rejects an invalid name', () => {
    const { registry } = build();
    expect(() => registry.addModel('fraud scoring')).toThrow(/S\/Registry: name \("fraud scoring"\) must match/);
  });

  test('addModel rejects a duplicate name', () => {
    const { registry } = build({ models: [{ name: 'fraud' }] });
    expect(() => registry.addModel('FRAUD')).toThrow(/name \("FRAUD"\) duplicates the model "fraud"/);
  });

  test('rejects Object Lock without versioning', () => {
    expect(() => build({ versioned: false, objectLock: {} })).toThrow(/objectLock requires versioning, but versioned is false/);
  });

  test('rejects a retention mode without a period', () => {
    expect(() => build({ objectLock: { mode: s3.ObjectLockMode.GOVERNANCE } })).toThrow(/objectLock\.mode \(GOVERNANCE\) needs objectLock\.defaultRetention/);
  });

  test('rejects a retention period without a mode', () => {
    expect(() => build({ objectLock: { defaultRetention: Duration.days(30) } })).toThrow(/objectLock\.defaultRetention \(30 days\) needs objectLock\.mode/);
  });

  test('rejects a retention of zero days', () => {
    expect(() => build({ objectLock: { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetention: Duration.days(0) } }))
      .toThrow(/objectLock\.defaultRetention \(0 days\) must be at least 1 day/);
  });

  test('rejects a noncurrent version expiration of zero days', () => {
    expect(() => build({ noncurrentVersionExpiration: Duration.days(0) })).toThrow(/noncurrentVersionExpiration \(0 days\) must be at least 1 day/);
  });

  test('rejects aborting incomplete uploads after zero days', () => {
    expect(() => build({ abortIncompleteMultipartUploadAfter: Duration.days(0) })).toThrow(/abortIncompleteMultipartUploadAfter \(0 days\) must be at least 1 day/);
  });

  test('rejects a transition to Standard-IA before 30 days', () => {
    expect(() => build({ noncurrentVersionTransitionAfter: Duration.days(7) })).toThrow(/noncurrentVersionTransitionAfter \(7 days\) must be at least 30 day/);
  });

  test('rejects an expiration that is not later than the transition', () => {
    expect(() => build({ noncurrentVersionTransitionAfter: Duration.days(90), noncurrentVersionExpiration: Duration.days(90) }))
      .toThrow(/noncurrentVersionExpiration \(90 days\) must be later than noncurrentVersionTransitionAfter \(90 days\)/);
  });

  test('rejects periods that are not whole days', () => {
    expect(() => build({ abortIncompleteMultipartUploadAfter: Duration.hours(36) })).toThrow(/abortIncompleteMultipartUploadAfter \(1 day 12 hours\) must be a whole number of days/);
  });

  test('rejects account IDs that are not 12 digits', () => {
    expect(() => build({ consumerAccounts: [CONSUMER, '1234', 'arn:aws:iam::111122223333:root'] }))
      .toThrow(/consumerAccounts\[1\] \("1234"\) must be a 12-digit AWS account ID[^]*consumerAccounts\[2\]/);
  });

  test('rejects an account listed twice', () => {
    expect(() => build({ consumerAccounts: [CONSUMER, CONSUMER] })).toThrow(/consumerAccounts lists "111122223333" twice/);
  });

  test('skips account IDs that are unresolved tokens', () => {
    const account = Lazy.string({ produce: () => CONSUMER });
    expect(() => build({ consumerAccounts: [account] })).not.toThrow();
  });

  test('autoDeleteObjects requires removalPolicy DESTROY', () => {
    expect(() => build({ autoDeleteObjects: true })).toThrow(/autoDeleteObjects \(true\) requires removalPolicy DESTROY \(got retain\)/);
  });

  test('autoDeleteObjects cannot be combined with Object Lock', () => {
    expect(() => build({ removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true, objectLock: {} }))
      .toThrow(/autoDeleteObjects \(true\) cannot empty a bucket with objectLock/);
  });

  test('rejects removalPolicy SNAPSHOT', () => {
    expect(() => build({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/removalPolicy \(SNAPSHOT\) is not supported/);
  });

  test('rejects an invalid repository name prefix', () => {
    expect(() => build({ repositoryNamePrefix: 'Models/' })).toThrow(/repositoryNamePrefix \("Models\/"\) must be a valid ECR repository name/);
  });

  test('rejects an untagged image count of zero', () => {
    expect(() => build({ models: [{ name: 'fraud', untaggedImagesToKeep: 0 }] })).toThrow(/models\[0\]\.untaggedImagesToKeep \(0\) must be a whole number from 1 to 1000/);
  });

  test('rejects a registry-wide untagged image count that is not a whole number', () => {
    expect(() => build({ untaggedImagesToKeep: 2.5 })).toThrow(/untaggedImagesToKeep \(2\.5\) must be a whole number from 1 to 1000/);
  });

  test('addModel rejects an untagged image count above 1000', () => {
    const { registry } = build();
    expect(() => registry.addModel('fraud', { untaggedImagesToKeep: 1001 })).toThrow(/S\/Registry: untaggedImagesToKeep \(1001\) must be a whole number from 1 to 1000/);
  });

  test('rejects an invalid tracking server name', () => {
    expect(() => build({ experimentTracking: { trackingServerName: 'ml_experiments' } })).toThrow(/experimentTracking\.trackingServerName \("ml_experiments"\) must match/);
  });

  test('reports every problem at once, prefixed with the construct path', () => {
    expect(() => build({ consumerAccounts: ['1'], models: [{ name: 'bad_name' }], noncurrentVersionExpiration: Duration.days(0) }))
      .toThrow(/^S\/Registry: invalid ModelRegistry props:\n {2}- consumerAccounts\[0\][^]*\n {2}- noncurrentVersionExpiration[^]*\n {2}- models\[0\]\.name/);
  });
});

describe('ModelRegistry warnings', () => {
  test('warns when versioning is off', () => {
    const { stack } = build({ versioned: false });
    Annotations.fromStack(stack).hasWarning('/S/Registry', Match.stringLikeRegexp('versioned is false'));
  });

  test('does not warn with the defaults', () => {
    const { stack } = build({ models: [{ name: 'fraud' }] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('warns when noncurrent versions would expire while still locked', () => {
    const { stack } = build({
      objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetention: Duration.days(400) },
      noncurrentVersionExpiration: Duration.days(365),
    });
    Annotations.fromStack(stack).hasWarning('/S/Registry', Match.stringLikeRegexp('shorter than the Object Lock retention \\(400 days\\)'));
  });
});

describe('cdk-nag on a registry with experiment tracking and automatic model registration', () => {
  // The acknowledgement of the package-version wildcard must match the finding whether the stack's account and
  // region are deploy-time values or literals (cdk-nag prints them as the template has them).
  test.each<[string, { account: string; region: string } | undefined]>([
    ['an environment-agnostic stack', undefined],
    ['a stack of a known account and region', { account: '111122223333', region: 'eu-west-1' }],
  ])('%s: no unacknowledged finding', (_what, env) => {
    const result = synthWithNag(app => {
      CostAttribution.apply(app, { tags: TAGS });
      const stack = new Stack(app, 'S', { env });
      new ModelRegistry(stack, 'Registry', { models: [{ name: 'fraud' }], experimentTracking: { automaticModelRegistration: true } });
    });
    expect(describeViolations(result.violations)).toBe('');
  });
});
