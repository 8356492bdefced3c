import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cdk8s from 'cdk8s';
import {
  CostAttribution, DistributedTrainingJob, GpuCluster, GpuNodePool, GpuTeam, GpuTeamQueues, ModelRegistry, PoolTenancy,
  TrainingPodIdentity, type TrainingPodIdentityProps,
} from '../../../constructs';
import { acknowledgements, cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';

const TAGS = { 'team': 'ml-platform', 'project': 'fraud', 'cost-center': 'cc-4200', 'environment': 'prod' };
const MODEL = 'fraud-scoring';

function build(props: Partial<TrainingPodIdentityProps> = {}) {
  const app = new App({ builtinCloudFormationValidation: false });
  CostAttribution.apply(app, { tags: TAGS });
  const stack = new Stack(app, 'Training', { env: { account: '111111111111', region: 'eu-west-1' } });
  const registry = new ModelRegistry(stack, 'Registry', { models: [{ name: MODEL }, { name: 'churn' }] });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'mlops-gpu' });
  const identity = new TrainingPodIdentity(stack, 'FraudTraining', { cluster, registry, modelName: MODEL, namespace: 'fraud', ...props });
  CostAttribution.apply(identity, { tags: { team: 'fraud' } });
  return { app, stack, registry, identity, template: () => Template.fromStack(stack) };
}

const VIA_S3 = { 'Fn::Join': ['', ['s3.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };

const ref = (stack: Stack, construct: { node: { defaultChild?: any } }) => stack.resolve((construct.node.defaultChild as any).ref);

describe('TrainingPodIdentity', () => {
  test('a role only EKS Pod Identity may assume, with session tags', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
      },
      Description: Match.stringLikeRegexp('fraud-scoring'),
    });
  });

  test('a pod identity association of the role with the namespace and service account on the cluster', () => {
    const { template, identity } = build({ serviceAccountName: 'fraud-trainer' });
    template().hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: 'mlops-gpu',
      Namespace: 'fraud',
      ServiceAccount: 'fraud-trainer',
      RoleArn: { 'Fn::GetAtt': [Stack.of(identity).getLogicalId(identity.role.node.defaultChild as any), 'Arn'] },
    });
  });

  test('reads, writes and lists only the model\'s checkpoint prefix; KMS through S3 for the registry bucket only', () => {
    const { template, stack, registry, identity } = build();
    const bucket = ref(stack, registry.artifactBucket);
    const bucketArn = { 'Fn::GetAtt': [bucket.Ref, 'Arn'] };
    const key = { 'Fn::GetAtt': [Stack.of(registry).getLogicalId(registry.encryptionKey.node.defaultChild as any), 'Arn'] };
    const policies = template().findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(identity.role.node.defaultChild as any) }] },
    });
    expect(Object.values(policies)).toHaveLength(1);
    expect(Object.values(policies)[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'CheckpointObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:AbortMultipartUpload'],
        Resource: { 'Fn::Join': ['', [bucketArn, '/models/fraud-scoring/checkpoints/*']] },
      },
      {
        Sid: 'ListCheckpoints',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn,
        Condition: { StringLike: { 's3:prefix': ['models/fraud-scoring/checkpoints/*'] } },
      },
      {
        Sid: 'CheckpointEncryption',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: key,
        Condition: { StringEquals: { 'kms:ViaService': VIA_S3, 'kms:EncryptionContext:aws:s3:arn': bucketArn } },
      },
    ]);
    // No other model's prefix, no delete, and nothing on the registry's bucket policy or key policy.
    expect(JSON.stringify(template().toJSON())).not.toMatch(/models\/churn\/checkpoints/);
  });

  test('the KMS conditions are the registry\'s own grants\' conditions', () => {
    const { stack, registry, identity, template } = build();
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    registry.grantRead(reader, MODEL);
    const kmsCondition = (role: iam.IRole) => {
      const policy = Object.values(template().findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as any) }] } }))[0];
      return policy.Properties.PolicyDocument.Statement.find((st: any) => [st.Action].flat().includes('kms:Decrypt')).Condition;
    };
    expect(kmsCondition(identity.role)).toEqual(kmsCondition(reader));
  });

  test('checkpoints: the bucket, the prefix and the service account for DistributedTrainingJob', () => {
    const { identity, stack, registry } = build();
    expect(identity.checkpointPrefix).toBe('models/fraud-scoring/checkpoints/');
    expect(identity.checkpoints.prefix).toBe('models/fraud-scoring/checkpoints/');
    expect(identity.checkpoints.serviceAccountName).toBe('fraud-scoring-training');
    expect(stack.resolve(identity.checkpoints.bucketName)).toEqual(ref(stack, registry.artifactBucket));
  });

  test('an imported registry: the same prefix layout and key', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Training', { env: { account: '111111111111', region: 'eu-west-1' } });
    const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { artifactBucketName: 'registry-artifacts', encryptionKeyArn: keyArn });
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'mlops-gpu' });
    const identity = new TrainingPodIdentity(stack, 'Id', { cluster, registry, modelName: 'churn', namespace: 'recsys' });
    expect(identity.checkpoints).toEqual({ bucketName: 'registry-artifacts', prefix: 'models/churn/checkpoints/', serviceAccountName: 'churn-training' });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Resource: keyArn,
          Condition: { StringEquals: { 'kms:ViaService': VIA_S3, 'kms:EncryptionContext:aws:s3:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::registry-artifacts']] } } },
        })]),
      },
    });
  });

  test('the role and the association carry the cost tags of the team that trains', () => {
    const { template } = build();
    const fraudTags = Match.arrayWith([{ Key: 'cost-center', Value: 'cc-4200' }, { Key: 'team', Value: 'fraud' }]);
    template().hasResourceProperties('AWS::IAM::Role', { Tags: fraudTags });
    template().hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Tags: fraudTags });
  });

  test('the one cdk-nag acknowledgement: the checkpoint objects wildcard, with its reason', () => {
    const { identity, registry, stack } = build();
    const bucket = ref(stack, registry.artifactBucket).Ref;
    expect(acknowledgements(identity)).toEqual([{
      path: 'Training/FraudTraining/Role/DefaultPolicy',
      rule: `Annotation::AwsSolutions-IAM5[Resource::<${bucket}.Arn>/models/fraud-scoring/checkpoints/*]`,
      reason: expect.stringMatching(/checkpoint prefix only/),
    }]);
  });

  test('a model the registry does not have is an error', () => {
    expect(() => build({ modelName: 'fraud-v2' })).toThrow(/Training\/Registry: modelName \("fraud-v2"\) is not a model of this registry/);
  });

  test.each([
    [{ namespace: 'Fraud' }, /^Training\/FraudTraining: namespace \("Fraud"\) must be a DNS-1123 label/],
    [{ serviceAccountName: 'trainer_sa' }, /^Training\/FraudTraining: serviceAccountName \("trainer_sa"\) must be a DNS-1123 label/],
  ])('%j is an error naming the path, the property and the value', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

/**
 * A representative platform stack: the GPU cluster, the registry, the pod identity and the team's chart with a
 * distributed training job that checkpoints through it.
 */
function platform(app: App) {
  CostAttribution.apply(app, { tags: TAGS });
  const stack = new Stack(app, 'Platform', { env: { account: '111111111111', region: 'eu-west-1' } });
  const gpu = new GpuCluster(stack, 'GpuCluster', { clusterName: 'mlops-gpu' });
  const registry = new ModelRegistry(stack, 'Registry', { models: [{ name: MODEL }] });
  const identity = new TrainingPodIdentity(stack, 'FraudTraining', { cluster: gpu.cluster, registry, modelName: MODEL, namespace: 'fraud' });
  CostAttribution.apply(identity, { tags: { team: 'fraud' } });

  const chart = new cdk8s.Chart(new cdk8s.App(), 'fraud-training');
  const fraud = new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: { ...TAGS, team: 'fraud' }, maxGpus: 16 });
  const pool = new GpuNodePool(chart, 'Pool', {
    clusterName: gpu.clusterName,
    nodeRoleName: gpu.nodeRoleName,
    name: 'fraud-training',
    tenancy: PoolTenancy.dedicated('fraud'),
    costTags: { ...TAGS, team: 'fraud' },
    instanceFamilies: ['g6', 'g6e'],
    instanceSizes: ['12xlarge'],
    gpuLimit: 16,
  });
  new GpuTeamQueues(chart, 'Kueue').addTeam(fraud, { gpuPools: [{ pool, onDemandGpus: 16 }] });
  new DistributedTrainingJob(chart, 'Pretrain', {
    team: fraud, pool, image: 'train:1', nodes: 2, gpusPerNode: 4, capacityType: undefined, checkpoints: identity.checkpoints,
  });
  gpu.addWorkloadChart('FraudTraining', chart);
  return { stack, registry, identity };
}

describe('a platform stack with a distributed training job', () => {
  test('the job\'s CHECKPOINT_URI names the registry bucket and the service account has the pod identity', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const { stack, registry } = platform(app);
    const manifests = Object.values(Template.fromStack(stack).findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    // The chart's objects are one JSON string; the bucket name, a deploy-time value, splits it around a Ref.
    const parts: unknown[] = manifests.map(m => m.Properties.Manifest).filter(m => m['Fn::Join']).flatMap(m => m['Fn::Join'][1]);
    const at = parts.findIndex(p => JSON.stringify(p) === JSON.stringify(ref(stack, registry.artifactBucket)));
    expect(at).toBeGreaterThan(0);
    expect(parts[at - 1]).toMatch(/"name":"CHECKPOINT_URI","value":"s3:\/\/$/);
    expect(parts[at + 1]).toMatch(/^\/models\/fraud-scoring\/checkpoints\/pretrain\//);
    expect(parts.filter(p => typeof p === 'string').join('')).toContain('"serviceAccountName":"fraud-scoring-training"');
  });

  const result = synthWithNag(app => {
    platform(app);
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
    expect(describeViolations(result.violations)).toBe('');
  });

  test('cfn-lint finds no error', () => {
    expect(cfnLint(templatePaths(result.assembly!)).errors).toEqual([]);
  });
});
