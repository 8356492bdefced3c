import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { crossAccountPromotion, MODEL, PIPELINE_ACCOUNT, PROD_ACCOUNT, promotionFixture, promotionProps, REGION } from './promotion-fixtures';
import { ModelPromotion } from '../../../constructs';

function sameAccount(overrides = {}) {
  const f = promotionFixture();
  const promotion = new ModelPromotion(f.stack, 'Promotion', promotionProps(f, overrides));
  return { f, promotion, template: Template.fromStack(f.stack) };
}

/** The one pipeline's stages. */
function stages(template: Template): any[] {
  const pipelines = template.findResources('AWS::CodePipeline::Pipeline');
  expect(Object.keys(pipelines)).toHaveLength(1);
  return Object.values(pipelines)[0].Properties.Stages;
}

/**
 * EventBridge matching for the pattern forms the rule uses: every key of the pattern is in the event, an array
 * matches when the event's value is one of its values, an object matches the event's object recursively.
 */
function matches(pattern: any, event: any): boolean {
  return Object.entries(pattern).every(([key, want]) => {
    const got = event[key];
    if (Array.isArray(want)) {
      return want.includes(got);
    }
    return got !== null && typeof got === 'object' && matches(want, got);
  });
}

function packageEvent(group: string, status: string) {
  return {
    'version': '0',
    'id': '2b1d6c4a-0e0e-4a47-9a84-7d6b5c1a0f11',
    'detail-type': 'SageMaker Model Package State Change',
    'source': 'aws.sagemaker',
    'account': PIPELINE_ACCOUNT,
    'region': REGION,
    'resources': [`arn:aws:sagemaker:${REGION}:${PIPELINE_ACCOUNT}:model-package/${group.toLowerCase()}/3`],
    'detail': {
      ModelPackageGroupName: group,
      ModelPackageVersion: 3,
      ModelPackageArn: `arn:aws:sagemaker:${REGION}:${PIPELINE_ACCOUNT}:model-package/${group.toLowerCase()}/3`,
      ModelApprovalStatus: status,
      ModelPackageStatus: 'Completed',
    },
  };
}

describe('the approval rule', () => {
  const { template } = sameAccount();
  const rules = template.findResources('AWS::Events::Rule');
  const pattern = Object.values(rules)[0].Properties.EventPattern;

  test('matches the model group\'s package state changes to Approved, and targets the pipeline', () => {
    expect(Object.keys(rules)).toHaveLength(1);
    expect(pattern).toEqual({
      'source': ['aws.sagemaker'],
      'detail-type': ['SageMaker Model Package State Change'],
      'detail': { ModelPackageGroupName: [MODEL], ModelApprovalStatus: ['Approved'] },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: Match.objectLike({ 'Fn::Join': Match.anyValue() }), RoleArn: Match.anyValue() })],
    });
  });

  test('an Approved version of the group starts a promotion', () => {
    expect(matches(pattern, packageEvent(MODEL, 'Approved'))).toBe(true);
  });

  test.each(['Rejected', 'PendingManualApproval'])('a %s version does not start a promotion', status => {
    expect(matches(pattern, packageEvent(MODEL, status))).toBe(false);
  });

  test('an Approved version of another group does not start a promotion', () => {
    expect(matches(pattern, packageEvent('churn', 'Approved'))).toBe(false);
  });

  test('the events role may start this pipeline only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'codepipeline:StartPipelineExecution', Effect: 'Allow', Resource: Match.objectLike({ 'Fn::Join': Match.anyValue() }) }] },
    });
  });
});

describe('the pipeline', () => {
  const { template, promotion } = sameAccount({ approvalEmails: ['ml-oncall@example.com'] });
  const s = stages(template);

  test('runs Source, Resolve, Staging, Approve, Production in order, as a V2 pipeline named after the model', () => {
    expect(s.map(x => x.Name)).toEqual(['Source', 'Resolve', 'Staging', 'Approve', 'Production']);
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', { PipelineType: 'V2', Name: `${MODEL}-promotion`, RestartExecutionOnUpdate: false });
  });

  test('takes the templates archive from its bucket without starting on uploads', () => {
    const [source] = s[0].Actions;
    expect(source.ActionTypeId).toMatchObject({ Category: 'Source', Provider: 'S3' });
    expect(source.Configuration).toMatchObject({ S3ObjectKey: `templates/${MODEL}.zip`, PollForSourceChanges: false });
    expect(promotion.templatesKey).toBe(`templates/${MODEL}.zip`);
  });

  test('has the ModelPackageArn variable (default latest) passed to the resolve step', () => {
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Variables: [{ Name: 'ModelPackageArn', DefaultValue: 'latest', Description: Match.stringLikeRegexp('newest Approved') }],
    });
    const [resolve] = s[1].Actions;
    expect(JSON.parse(resolve.Configuration.EnvironmentVariables)).toEqual([
      { name: 'REQUESTED_PACKAGE_ARN', type: 'PLAINTEXT', value: '#{variables.ModelPackageArn}' },
    ]);
    expect(resolve.Namespace).toBe('Resolve');
    expect(resolve.OutputArtifacts).toEqual([{ Name: 'Package' }]);
  });

  test('deploys staging with the resolved ARN as the stack parameter, then smoke-tests it', () => {
    const [deploy, smoke] = s[2].Actions;
    expect(deploy.ActionTypeId).toMatchObject({ Category: 'Deploy', Provider: 'CloudFormation' });
    expect(deploy.RunOrder).toBe(1);
    expect(smoke.RunOrder).toBe(2);
    expect(smoke.ActionTypeId).toMatchObject({ Category: 'Build', Provider: 'CodeBuild' });
    expect(deploy.Configuration).toMatchObject({
      ActionMode: 'CREATE_UPDATE',
      StackName: 'FraudStaging',
      TemplatePath: 'Templates::FraudStaging.template.json',
      Capabilities: 'CAPABILITY_IAM',
    });
    expect(JSON.parse(deploy.Configuration.ParameterOverrides)).toEqual({ ModelPackageArn: { 'Fn::GetParam': ['Package', 'package.json', 'ModelPackageArn'] } });
    expect(deploy.InputArtifacts).toEqual(expect.arrayContaining([{ Name: 'Templates' }, { Name: 'Package' }]));
    expect(deploy.InputArtifacts).toHaveLength(2);
  });

  test('waits for a manual approval notified on the KMS-encrypted topic, then deploys production with the same ARN', () => {
    const [approve] = s[3].Actions;
    expect(approve.ActionTypeId).toMatchObject({ Category: 'Approval', Provider: 'Manual' });
    expect(approve.Configuration.CustomData).toContain('#{Resolve.MODEL_PACKAGE_ARN}');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ml-oncall@example.com' });
    const [prod] = s[4].Actions;
    expect(prod.Configuration).toMatchObject({ StackName: 'FraudProd', TemplatePath: 'Templates::FraudProd.template.json' });
    expect(JSON.parse(prod.Configuration.ParameterOverrides)).toEqual({ ModelPackageArn: { 'Fn::GetParam': ['Package', 'package.json', 'ModelPackageArn'] } });
  });

  test('uses the stacks\' parameter name given', () => {
    const t = sameAccount({ parameterName: 'ServedPackage' }).template;
    const [deploy] = stages(t)[2].Actions;
    expect(JSON.parse(deploy.Configuration.ParameterOverrides)).toEqual({ ServedPackage: { 'Fn::GetParam': ['Package', 'package.json', 'ServedPackage'] } });
    t.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: { EnvironmentVariables: Match.arrayWith([{ Name: 'PARAMETER_NAME', Type: 'PLAINTEXT', Value: 'ServedPackage' }]) },
    });
  });
});

describe('least privilege', () => {
  const { template, f, promotion } = sameAccount();
  const stack = f.stack;

  test('the resolve step may list and describe this model\'s packages only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: ['sagemaker:ListModelPackages', 'sagemaker:DescribeModelPackage'],
          Effect: 'Allow',
          Resource: [
            stack.resolve(`arn:${stack.partition}:sagemaker:${REGION}:${PIPELINE_ACCOUNT}:model-package-group/${MODEL}`),
            stack.resolve(`arn:${stack.partition}:sagemaker:${REGION}:${PIPELINE_ACCOUNT}:model-package/${MODEL}/*`),
          ],
        }]),
      },
      Roles: [{ Ref: stack.getLogicalId(promotion.resolveProject.role!.node.defaultChild as iam.CfnRole) }],
    });
  });

  test('the smoke test may invoke the staging endpoint only, with the payload it was given', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(promotion.smokeTestProject.role!.node.defaultChild as iam.CfnRole) }] },
    });
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const invoke = statements.filter((st: any) => JSON.stringify(st.Action).includes('sagemaker:'));
    expect(invoke).toEqual([{
      Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      Effect: 'Allow',
      Resource: stack.resolve(`arn:${stack.partition}:sagemaker:${REGION}:${PIPELINE_ACCOUNT}:endpoint/fraud-staging`),
    }]);
    const projects = template.findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('fraud-staging') } });
    const env = Object.values(projects)[0].Properties.Environment.EnvironmentVariables;
    const payload = env.find((e: any) => e.Name === 'SMOKE_PAYLOAD_B64').Value;
    expect(Buffer.from(payload, 'base64').toString('utf8')).toBe('{"instances": [[0.1, 3, 7]]}');
    expect(env).toEqual(expect.arrayContaining([{ Name: 'ENDPOINT_NAME', Type: 'PLAINTEXT', Value: 'fraud-staging' }]));
  });

  test('the staging deployment role is assumed by CloudFormation, changes only the staging endpoint and the stack\'s roles, and has no managed policy', () => {
    const role = promotion.stagingDeploymentRole;
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'cloudformation.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    const policy = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }] } });
    const statements: any[] = Object.values(policy)[0].Properties.PolicyDocument.Statement;
    const bySid = Object.fromEntries(statements.map(st => [st.Sid, st]));
    expect(bySid.Endpoint.Resource).toEqual(stack.resolve(`arn:${stack.partition}:sagemaker:${REGION}:${PIPELINE_ACCOUNT}:endpoint/fraud-staging`));
    expect(bySid.StackRoles.Resource).toEqual(stack.resolve(`arn:${stack.partition}:iam::${PIPELINE_ACCOUNT}:role/FraudStaging-*`));
    expect(bySid.PassStackRolesToSageMaker.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    expect(statements.flatMap(st => [st.Action].flat()).filter((a: string) => a.endsWith('*') || a === '*')).toEqual([]);
  });

  test('a template upload grant covers the archive\'s key only', () => {
    const g = promotionFixture();
    const fresh = new ModelPromotion(g.stack, 'Promotion', promotionProps(g));
    const ci = new iam.Role(g.stack, 'Ci', { assumedBy: new iam.AccountPrincipal(PIPELINE_ACCOUNT) });
    fresh.grantUploadTemplates(ci);
    const t = Template.fromStack(g.stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: g.stack.getLogicalId(ci.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['s3:PutObject']),
          Resource: { 'Fn::Join': ['', [g.stack.resolve(fresh.artifactBucket.bucketArn), `/templates/${MODEL}.zip`]] },
        })]),
      },
    });
  });
});

describe('storage and tags', () => {
  const { template } = sameAccount();

  test('the artifact bucket is KMS-encrypted, versioned, private, TLS-only, logged and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'artifacts/' },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the key rotates and is retained', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, Description: Match.stringLikeRegexp('promotion pipeline') },
      DeletionPolicy: 'Retain',
    });
  });

  test('the build projects encrypt with the pipeline key', () => {
    const projects = Object.values(template.findResources('AWS::CodeBuild::Project'));
    expect(projects).toHaveLength(2);
    for (const p of projects) {
      expect(p.Properties.EncryptionKey).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PromotionKey/), 'Arn'] });
    }
  });

  test('the pipeline, its bucket and projects are billed to the model owner with the model and pipeline tags', () => {
    for (const type of ['AWS::CodePipeline::Pipeline', 'AWS::S3::Bucket', 'AWS::CodeBuild::Project', 'AWS::KMS::Key']) {
      const resources = template.findResources(type);
      const ours = Object.entries(resources).filter(([id]) => id.startsWith('Promotion'));
      expect(ours.length).toBeGreaterThan(0);
      for (const [, r] of ours) {
        const tags = Object.fromEntries((r.Properties.Tags as any[]).map(t => [t.Key, t.Value]));
        expect(tags).toMatchObject({
          'team': 'fraud', 'project': 'recsys', 'cost-center': 'cc-4200', 'environment': 'prod', 'model': MODEL, 'pipeline': `${MODEL}-promotion`,
        });
      }
    }
  });
});

describe('a production in another account', () => {
  const f = promotionFixture();
  const { promotion, prodStack } = crossAccountPromotion(f);
  const template = Template.fromStack(f.stack);
  const prod = Template.fromStack(prodStack);

  test('the production action runs as the production account\'s action role with its deployment role', () => {
    const [action] = stages(template)[4].Actions;
    const names = Object.fromEntries(Object.entries(prod.findResources('AWS::IAM::Role')).map(([id, r]) => [id.includes('ActionRole') ? 'action' : 'deployment', r.Properties.RoleName]));
    expect(JSON.stringify(action.RoleArn)).toContain(`:iam::${PROD_ACCOUNT}:role/${names.action}`);
    expect(action.Configuration.RoleArn).toEqual({ 'Fn::Sub': [`arn:\${AWS::Partition}:iam::${PROD_ACCOUNT}:role/\${Name}`, { Name: names.deployment }] });
  });

  test('the action role trusts the pipeline account and the deployment role CloudFormation', () => {
    const trusts = Object.values(prod.findResources('AWS::IAM::Role')).map(r => r.Properties.AssumeRolePolicyDocument.Statement[0].Principal);
    expect(trusts).toEqual(expect.arrayContaining([
      { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${PIPELINE_ACCOUNT}:root`]] } },
      { Service: 'cloudformation.amazonaws.com' },
    ]));
    expect(trusts).toHaveLength(2);
  });

  test('the pipeline key lets the production action role decrypt the artifacts', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('promotion pipeline'),
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']), Principal: { AWS: Match.anyValue() } })]) },
    });
  });

  test('the production account\'s roles carry the cost tags and the model tag', () => {
    for (const r of Object.values(prod.findResources('AWS::IAM::Role'))) {
      const tags = Object.fromEntries((r.Properties.Tags as any[]).map(t => [t.Key, t.Value]));
      expect(tags).toMatchObject({ 'team': 'ml-platform', 'project': 'recsys', 'cost-center': 'cc-4200', 'environment': 'prod', 'model': MODEL });
    }
  });

  test('creates no production deployment role in the pipeline account', () => {
    expect(f.stack.node.tryFindChild('Promotion')!.node.tryFindChild('ProductionDeploymentRole')).toBeUndefined();
    expect(Stack.of(promotion.productionDeploymentRole)).toBe(prodStack);
  });
});
