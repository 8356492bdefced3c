import { App, type CfnElement, Duration, Lazy, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as cdk8s from 'cdk8s';
import type { IConstruct } from 'constructs';
import {
  ClusterEndpoint, CostAttribution, GpuCluster, type GpuClusterProps, GpuNodePool, GpuTeam, PoolTenancy,
} from '../../../constructs';
import { describeViolations, synthWithNag } from '../../harness/validators';

function build(props: GpuClusterProps = {}): { stack: Stack; gpu: GpuCluster } {
  const app = new App();
  const stack = new Stack(app, 'Gpu');
  const gpu = new GpuCluster(stack, 'GpuCluster', props);
  return { stack, gpu };
}

function synth(props: GpuClusterProps = {}): Template {
  return Template.fromStack(build(props).stack);
}

/** Logical ID of the CloudFormation resource behind a construct. */
function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/**
 * A JSON document the template carries as a string: a plain string, or an `Fn::Join` when it holds tokens. Each
 * token that is a whole JSON string value comes back as the CloudFormation expression it renders to.
 */
function parseJsonProperty(value: unknown): any {
  if (typeof value === 'string') {
    return JSON.parse(value);
  }
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  expect(separator).toBe('');
  const tokens: unknown[] = [];
  const text = parts.map(p => (typeof p === 'string' ? p : `@@token${tokens.push(p) - 1}@@`)).join('');
  const revive = (v: any): any => {
    if (typeof v === 'string') {
      const m = /^@@token(\d+)@@$/.exec(v);
      return m ? tokens[Number(m[1])] : v;
    }
    if (Array.isArray(v)) {
      return v.map(revive);
    }
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
    }
    return v;
  };
  return revive(JSON.parse(text));
}

/** The parsed `Values` of the Helm chart resource that installs `chart`. */
function helmValues(template: Template, chart: string): any {
  const charts = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: chart } }));
  expect(charts).toHaveLength(1);
  return parseJsonProperty((charts[0] as any).Properties.Values);
}

/** All statements of every IAM managed policy in the template. */
function managedPolicyStatements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
    .flatMap((r: any) => r.Properties.PolicyDocument.Statement);
}

/**
 * Every Allow statement of every identity policy in the template (managed, inline and role-embedded), with
 * `Action` and `Resource` as arrays: CloudFormation accepts a string or a list for both, and a check written
 * against one form silently misses the other.
 */
function identityStatements(template: Template): Array<{ actions: string[]; resources: unknown[] }> {
  const documents = [
    ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')).map((r: any) => r.Properties.PolicyDocument),
    ...Object.values(template.findResources('AWS::IAM::Policy')).map((r: any) => r.Properties.PolicyDocument),
    ...Object.values(template.findResources('AWS::IAM::Role'))
      .flatMap((r: any) => (r.Properties.Policies ?? []).map((p: any) => p.PolicyDocument)),
  ];
  return documents
    .flatMap((d: any) => [d.Statement].flat())
    .filter((s: any) => s.Effect === 'Allow')
    .map((s: any) => ({ actions: [s.Action].flat(), resources: [s.Resource].flat() }));
}

describe('control plane', () => {
  test('the cluster uses only the private subnets of the new VPC', () => {
    const { stack, gpu } = build();
    const privateIds = gpu.vpc.privateSubnets.map(s => stack.resolve(s.subnetId));
    const subnets = new Capture();
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: { SubnetIds: subnets },
    });
    expect(subnets.asArray()).toEqual(privateIds);
  });

  test('the endpoint is private by default', () => {
    const template = synth();
    template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: { EndpointPrivateAccess: true, EndpointPublicAccess: false },
    });
  });

  test('a public endpoint is limited to the given CIDR blocks', () => {
    const template = synth({ endpoint: ClusterEndpoint.publicAndPrivate(['203.0.113.0/24', '198.51.100.7/32']) });
    template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: {
        EndpointPrivateAccess: true,
        EndpointPublicAccess: true,
        PublicAccessCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
      },
    });
  });

  test('all five control plane log types are enabled', () => {
    const template = synth();
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Logging: {
        ClusterLogging: {
          EnabledTypes: [{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }, { Type: 'controllerManager' }, { Type: 'scheduler' }],
        },
      },
    });
  });

  test('control plane logs go to a KMS-encrypted log group with a retention', () => {
    const { stack, gpu } = build();
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/eks/${gpu.clusterName}/cluster`,
      KmsKeyId: Match.anyValue(),
      RetentionInDays: 365,
    });
  });

  test('secrets are envelope-encrypted with a rotating KMS key', () => {
    const template = synth();
    const keyArn = new Capture();
    template.hasResourceProperties('AWS::EKS::Cluster', {
      EncryptionConfig: [{ Provider: { KeyArn: keyArn }, Resources: ['secrets'] }],
    });
    const keyId = keyArn.asObject()['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[keyId].Properties.EnableKeyRotation).toBe(true);
  });

  test('a given secrets key is used instead of a new one', () => {
    const app = new App();
    const stack = new Stack(app, 'Gpu');
    const key = new kms.Key(stack, 'OrgKey');
    new GpuCluster(stack, 'GpuCluster', { secretsEncryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', {
      EncryptionConfig: [{ Provider: { KeyArn: stack.resolve(key.keyArn) } }],
    });
  });

  test('the cluster and its secrets key are retained by default', () => {
    const template = synth();
    template.hasResource('AWS::EKS::Cluster', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const keyArn = new Capture();
    template.hasResourceProperties('AWS::EKS::Cluster', { EncryptionConfig: [{ Provider: { KeyArn: keyArn } }] });
    const key = template.toJSON().Resources[keyArn.asObject()['Fn::GetAtt'][0]];
    expect(key).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('removalPolicy DESTROY reaches the cluster', () => {
    const template = synth({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::EKS::Cluster', { DeletionPolicy: 'Delete' });
  });

  test('the cluster name is a plain string usable by charts', () => {
    const { gpu } = build({ clusterName: 'ml-gpu' });
    expect(gpu.clusterName).toBe('ml-gpu');
    expect(gpu.discoveryTagValue).toBe('ml-gpu');
    expect(gpu.nodeRoleName).toMatch(/^[A-Za-z0-9+=,.@_-]{1,64}$/);
  });
});

test('the kubectl handler runs in the private subnets, so a private endpoint is reachable', () => {
  const { stack, gpu } = build();
  const privateIds = gpu.vpc.privateSubnets.map(s => stack.resolve(s.subnetId));
  Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
    Description: 'onEvent handler for EKS kubectl resource provider',
    VpcConfig: { SubnetIds: privateIds },
  });
});

test('the control plane log group is retained by default', () => {
  const { stack, gpu } = build();
  Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', {
    Properties: { LogGroupName: `/aws/eks/${gpu.clusterName}/cluster` },
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
  });
});

/** The flow-log group of the VPC the construct creates, and the KMS key that encrypts it. */
function flowLogStorage(template: Template): { group: any; key: any } {
  const groupRef = new Capture();
  template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 'cloud-watch-logs', LogGroupName: { Ref: groupRef } });
  const resources = template.toJSON().Resources;
  const group = resources[groupRef.asString()];
  const key = resources[group.Properties.KmsKeyId['Fn::GetAtt'][0]];
  return { group, key };
}

test('the VPC flow-log group and its key are retained by default', () => {
  const { group, key } = flowLogStorage(synth());
  expect(group).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  expect(key).toMatchObject({ Type: 'AWS::KMS::Key', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
});

test('removalPolicy DESTROY reaches the VPC flow-log group and its key', () => {
  const { group, key } = flowLogStorage(synth({ removalPolicy: RemovalPolicy.DESTROY }));
  expect(group).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  expect(key).toMatchObject({ Type: 'AWS::KMS::Key', DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
});

test('a Kubernetes version far from the kubectl layer gets a warning', () => {
  const { stack } = build({ kubernetesVersion: eks.KubernetesVersion.V1_32 });
  Annotations.fromStack(stack).hasWarning('/Gpu/GpuCluster', Match.stringLikeRegexp('mlops-stack:kubectl-version-skew'));
});

test('the default Kubernetes version matches the kubectl layer: no skew warning', () => {
  const { stack } = build();
  Annotations.fromStack(stack).hasNoWarning('/Gpu/GpuCluster', Match.stringLikeRegexp('mlops-stack:kubectl-version-skew'));
});

describe('Karpenter discovery tags', () => {
  test('every private subnet carries karpenter.sh/discovery', () => {
    const { stack, gpu } = build({ clusterName: 'ml-gpu' });
    const template = Template.fromStack(stack);
    for (const subnet of gpu.vpc.privateSubnets) {
      const logicalId = stack.resolve(subnet.subnetId).Ref;
      expect(template.toJSON().Resources[logicalId].Properties.Tags).toEqual(
        expect.arrayContaining([{ Key: 'karpenter.sh/discovery', Value: 'ml-gpu' }]));
    }
  });

  test('public subnets do not carry karpenter.sh/discovery', () => {
    const { stack, gpu } = build({ clusterName: 'ml-gpu' });
    const template = Template.fromStack(stack);
    for (const subnet of gpu.vpc.publicSubnets) {
      const logicalId = stack.resolve(subnet.subnetId).Ref;
      expect(template.toJSON().Resources[logicalId].Properties.Tags).not.toEqual(
        expect.arrayContaining([expect.objectContaining({ Key: 'karpenter.sh/discovery' })]));
    }
  });

  test('the EKS-created cluster security group is tagged by a scoped CreateTags call', () => {
    const template = synth({ clusterName: 'ml-gpu' });
    const create = new Capture();
    template.hasResourceProperties('Custom::AWS', { Create: create });
    const rendered = JSON.stringify(create.asObject());
    expect(rendered).toContain('createTags');
    expect(rendered).toContain('ClusterSecurityGroupId');
    expect(rendered).toContain('{\\"Key\\":\\"karpenter.sh/discovery\\",\\"Value\\":\\"ml-gpu\\"}');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
          Resource: { 'Fn::Join': ['', Match.arrayWith([':security-group/', { 'Fn::GetAtt': [Match.anyValue(), 'ClusterSecurityGroupId'] }])] },
        }],
      },
    });
  });

  test('the private subnets of a VPC given from the same app are tagged too', () => {
    const app = new App();
    const network = new Stack(app, 'Network');
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2 });
    const stack = new Stack(app, 'Gpu');
    new GpuCluster(stack, 'GpuCluster', { vpc, clusterName: 'ml-gpu' });
    const subnets = Template.fromStack(network).findResources('AWS::EC2::Subnet');
    const tagged = Object.values(subnets).filter((r: any) =>
      r.Properties.Tags.some((t: any) => t.Key === 'karpenter.sh/discovery' && t.Value === 'ml-gpu'));
    expect(tagged).toHaveLength(vpc.privateSubnets.length);
  });

  test('an imported VPC gets a warning that its subnets need the tag by hand', () => {
    const app = new App();
    const stack = new Stack(app, 'Gpu', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1234',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-aaaa', 'subnet-bbbb'],
    });
    new GpuCluster(stack, 'GpuCluster', { vpc });
    Annotations.fromStack(stack).hasWarning('/Gpu/GpuCluster', Match.stringLikeRegexp('mlops-stack:untagged-subnet'));
  });
});

describe('system node group', () => {
  test('is on-demand AL2023 with the default sizes', () => {
    const template = synth();
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      CapacityType: 'ON_DEMAND',
      AmiType: 'AL2023_x86_64_STANDARD',
      InstanceTypes: ['m7i.large', 'm6i.large'],
      ScalingConfig: { MinSize: 2, DesiredSize: 2, MaxSize: 3 },
    });
  });

  test('requires IMDSv2 with hop limit 1 and encrypts its gp3 root volume', () => {
    const template = synth({ systemNodeGroup: { rootVolumeSize: Size.gibibytes(80) } });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 80 } }],
      },
    });
  });

  test('the node group uses that launch template', () => {
    const template = synth();
    const ltId = Object.keys(template.findResources('AWS::EC2::LaunchTemplate'))[0];
    template.hasResourceProperties('AWS::EKS::Nodegroup', { LaunchTemplate: { Id: { Ref: ltId } } });
  });

  test('Graviton instance types get the arm64 AMI', () => {
    const template = synth({ systemNodeGroup: { instanceTypes: [new ec2.InstanceType('m7g.large')] } });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { AmiType: 'AL2023_ARM_64_STANDARD' });
  });

  test('instances and volumes launched for it carry the cost-attribution tags', () => {
    const app = new App();
    CostAttribution.apply(app, { tags: { 'project': 'recsys', 'cost-center': 'cc-1', 'environment': 'dev' } });
    const stack = new Stack(app, 'Gpu');
    CostAttribution.apply(stack, { tags: { team: 'ml-platform' } });
    new GpuCluster(stack, 'GpuCluster');
    // Tags render sorted by key.
    const expected = Match.arrayWith([
      { Key: 'cost-center', Value: 'cc-1' },
      { Key: 'environment', Value: 'dev' },
      { Key: 'project', Value: 'recsys' },
      { Key: 'team', Value: 'ml-platform' },
    ]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        TagSpecifications: [{ ResourceType: 'instance', Tags: expected }, { ResourceType: 'volume', Tags: expected }],
      },
    });
  });
});

describe('Karpenter', () => {
  test('is installed from the pinned OCI chart with the cluster name and interruption queue', () => {
    const template = synth({ clusterName: 'ml-gpu' });
    const values = new Capture();
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'karpenter',
      Repository: 'oci://public.ecr.aws/karpenter/karpenter',
      Version: '1.14.1',
      Namespace: 'kube-system',
      Wait: true,
      Values: values,
    });
    const rendered = JSON.stringify(values.asObject());
    expect(rendered).toContain('\\"clusterName\\":\\"ml-gpu\\"');
    expect(rendered).toMatch(/interruptionQueue.*QueueName/);
  });

  test('the Karpenter CRDs come from the pinned CRD chart, installed before the controller', () => {
    const template = synth();
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'karpenter-crd',
      Repository: 'oci://public.ecr.aws/karpenter/karpenter-crd',
      Version: '1.14.1',
      Namespace: 'kube-system',
    });
    const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart');
    const crdId = Object.keys(charts).find(k => charts[k].Properties.Chart === 'karpenter-crd');
    const controller = Object.values(charts).find((c: any) => c.Properties.Chart === 'karpenter');
    expect(controller?.DependsOn).toContain(crdId);
  });

  test('the controller identity comes from EKS Pod Identity for kube-system/karpenter', () => {
    const template = synth();
    const role = new Capture();
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'kube-system',
      ServiceAccount: 'karpenter',
      RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
    });
    expect(template.toJSON().Resources[role.asString()].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: ['sts:AssumeRole', 'sts:TagSession'], Principal: { Service: 'pods.eks.amazonaws.com' } }),
    ]);
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' });
  });

  test('the Karpenter chart waits for the node group, the agent and the identity association', () => {
    const template = synth();
    const chart = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'karpenter' } }))[0];
    const ids = (type: string) => Object.keys(template.findResources(type));
    expect(chart.DependsOn).toEqual(expect.arrayContaining([
      ...ids('AWS::EKS::Nodegroup'), ...ids('AWS::EKS::Addon'), ...ids('AWS::EKS::PodIdentityAssociation'),
    ]));
  });

  test('no IAM statement in the stack allows every action, or every action of a service', () => {
    const statements = identityStatements(synth());
    // Karpenter's managed policies alone hold more than ten statements: an empty list means the lookup broke.
    expect(statements.length).toBeGreaterThan(10);
    const wildcards = statements.flatMap(s => s.actions).filter(a => a === '*' || a.endsWith(':*'));
    expect(wildcards).toEqual([]);
  });

  test('every write on "*" resources is absent: unscoped statements are read-only', () => {
    // arc-zonal-shift:GetManagedResource is read-only too; a test below checks it is conditioned on the cluster ARN.
    const readOnly = /^(ec2:Describe[A-Za-z*]+|pricing:GetProducts|iam:ListInstanceProfiles|arc-zonal-shift:GetManagedResource)$/;
    const unscoped = identityStatements(synth()).filter(s => s.resources.includes('*'));
    // Karpenter discovers instance types, prices and instance profiles account-wide, so unscoped reads exist.
    expect(unscoped.length).toBeGreaterThan(0);
    const writes = unscoped.flatMap(s => s.actions).filter(a => !readOnly.test(a));
    expect(writes).toEqual([]);
  });

  test('launching and deleting instances is scoped to this cluster by tag', () => {
    const statements = managedPolicyStatements(synth({ clusterName: 'ml-gpu' }));
    const bySid = (sid: string) => statements.find(s => s.Sid === sid);
    expect(bySid('AllowScopedEC2InstanceActionsWithTags').Condition).toEqual({
      StringEquals: { 'aws:RequestTag/kubernetes.io/cluster/ml-gpu': 'owned', 'aws:RequestTag/eks:eks-cluster-name': 'ml-gpu' },
      StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
    });
    expect(bySid('AllowScopedDeletion').Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/ml-gpu': 'owned' },
      StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
    });
  });

  test('PassRole is limited to the Karpenter node role, passed to EC2', () => {
    const template = synth();
    const nodeRoleId = Object.entries(template.findResources('AWS::IAM::Role'))
      .find(([, r]: [string, any]) => r.Properties.RoleName?.endsWith('-KarpenterNode'))![0];
    const passRole = managedPolicyStatements(template).find(s => s.Action === 'iam:PassRole');
    expect(passRole).toEqual(expect.objectContaining({
      Resource: { 'Fn::GetAtt': [nodeRoleId, 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
    }));
  });

  test('the controller may read and delete interruption messages, nothing more on the queue', () => {
    const template = synth();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueUrl'],
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('InterruptionQueue'), 'Arn'] },
        })]),
      },
    });
  });

  test('nodes Karpenter launches join the cluster through an EC2_LINUX access entry', () => {
    const template = synth();
    const nodeRoleId = Object.entries(template.findResources('AWS::IAM::Role'))
      .find(([, r]: [string, any]) => r.Properties.RoleName?.endsWith('-KarpenterNode'))![0];
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      Type: 'EC2_LINUX',
      PrincipalArn: { 'Fn::GetAtt': [nodeRoleId, 'Arn'] },
    });
  });
});

describe('Karpenter controller values', () => {
  test('the controller is told its region, since IMDS is out of reach of pods', () => {
    const { controller } = helmValues(synth(), 'karpenter');
    expect(controller.env).toContainEqual({ name: 'AWS_REGION', value: { Ref: 'AWS::Region' } });
  });

  test('the controller requests and is limited to one CPU and 1 GiB', () => {
    const { controller } = helmValues(synth(), 'karpenter');
    expect(controller.resources).toEqual({
      requests: { cpu: '1', memory: '1Gi' },
      limits: { cpu: '1', memory: '1Gi' },
    });
  });

  test('settings name the cluster and the interruption queue', () => {
    const { stack, gpu } = build({ clusterName: 'ml-gpu' });
    const { settings } = helmValues(Template.fromStack(stack), 'karpenter');
    expect(settings).toEqual({
      clusterName: 'ml-gpu',
      interruptionQueue: stack.resolve(gpu.interruptionQueue.queue.queueName),
    });
  });
});

describe('Karpenter controller IAM (upstream v1.14.1 parity)', () => {
  /** The statements of one of the controller's managed policies, found by construct id. */
  function policyOf(gpu: GpuCluster, template: Template, id: string): any {
    const policy = template.toJSON().Resources[logicalIdOf(gpu.node.findChild(id))];
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    return policy;
  }

  test('instances may be launched into placement groups', () => {
    const statements = managedPolicyStatements(synth());
    const launch = statements.find(s => s.Sid === 'AllowScopedEC2InstanceAccessActions');
    expect(launch.Resource).toContainEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':*:placement-group/*']],
    });
  });

  test('a zonal-shift policy lets the controller read only this cluster\'s zonal-shift status', () => {
    const { stack, gpu } = build();
    const template = Template.fromStack(stack);
    const policy = policyOf(gpu, template, 'KarpenterControllerZonalShiftPolicy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{
      Sid: 'AllowZonalShiftStatusReadOnly',
      Effect: 'Allow',
      Action: 'arc-zonal-shift:GetManagedResource',
      Resource: '*',
      Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': stack.resolve(gpu.cluster.clusterArn) } },
    }]);
    expect(policy.Properties.Roles).toEqual([stack.resolve(gpu.controllerRole.roleName)]);
  });

  test('instance-profile reads sit in the resource-discovery policy, as upstream groups them', () => {
    const { stack, gpu } = build();
    const template = Template.fromStack(stack);
    const sids = (id: string) => policyOf(gpu, template, id).Properties.PolicyDocument.Statement.map((s: any) => s.Sid);
    expect(sids('KarpenterControllerResourceDiscoveryPolicy'))
      .toEqual(expect.arrayContaining(['AllowUnscopedInstanceProfileListAction', 'AllowInstanceProfileReadActions']));
    expect(sids('KarpenterControllerIamIntegrationPolicy'))
      .not.toEqual(expect.arrayContaining(['AllowUnscopedInstanceProfileListAction']));
    expect(sids('KarpenterControllerIamIntegrationPolicy'))
      .not.toEqual(expect.arrayContaining(['AllowInstanceProfileReadActions']));
  });

  test('the Karpenter chart waits for every controller policy, the zonal-shift and node-volume-key ones included', () => {
    const app = new App();
    const stack = new Stack(app, 'Gpu');
    const gpu = new GpuCluster(stack, 'GpuCluster', { nodeVolumeEncryptionKey: new kms.Key(stack, 'NodeKey') });
    const template = Template.fromStack(stack);
    const policies = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toEqual(expect.arrayContaining([
      logicalIdOf(gpu.node.findChild('KarpenterControllerZonalShiftPolicy')),
      logicalIdOf(gpu.node.findChild('KarpenterControllerNodeVolumeKeyPolicy')),
    ]));
    const chart = template.toJSON().Resources[logicalIdOf(gpu.karpenterChart)];
    expect(chart.DependsOn).toEqual(expect.arrayContaining(policies));
  });
});

describe('node volume encryption key', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const OTHER_KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/9999abcd-12ab-34cd-56ef-1234567890ab';

  /** A chart with one shared GPU pool whose volumes use `volumeKmsKeyId`. */
  function poolChart(volumeKmsKeyId?: string): cdk8s.Chart {
    const chart = new cdk8s.Chart(new cdk8s.App(), 'Pools');
    new GpuNodePool(chart, 'Shared', {
      clusterName: 'ml-gpu',
      nodeRoleName: 'ml-gpu-KarpenterNode',
      tenancy: PoolTenancy.shared(),
      costTags: { 'team': 'ml-platform', 'project': 'recsys', 'cost-center': 'cc-1', 'environment': 'prod' },
      instanceFamilies: ['g6'],
      instanceSizes: ['xlarge', '2xlarge'],
      gpuLimit: 8,
      volumeKmsKeyId,
    });
    return chart;
  }

  function buildWithKey(keyArn?: string): { stack: Stack; gpu: GpuCluster; key?: kms.IKey } {
    const app = new App();
    const stack = new Stack(app, 'Gpu');
    const key = keyArn ? kms.Key.fromKeyArn(stack, 'NodeKey', keyArn) : undefined;
    const gpu = new GpuCluster(stack, 'GpuCluster', { clusterName: 'ml-gpu', nodeVolumeEncryptionKey: key });
    return { stack, gpu, key };
  }

  test('the test chart names the key in its EC2NodeClass the way addWorkloadChart reads it', () => {
    const nodeClass = poolChart(KEY_ARN).toJson().find((o: any) => o.kind === 'EC2NodeClass');
    expect(nodeClass.spec.blockDeviceMappings).toContainEqual(expect.objectContaining({
      ebs: expect.objectContaining({ kmsKeyID: KEY_ARN }),
    }));
  });

  test('the controller may use the key through EC2 only, and create grants only for AWS resources', () => {
    const app = new App();
    const stack = new Stack(app, 'Gpu');
    const key = new kms.Key(stack, 'NodeKey');
    const gpu = new GpuCluster(stack, 'GpuCluster', { nodeVolumeEncryptionKey: key });
    const policy = Template.fromStack(stack).toJSON().Resources[logicalIdOf(gpu.node.findChild('KarpenterControllerNodeVolumeKeyPolicy'))];
    const viaEc2 = { 'kms:ViaService': { 'Fn::Join': ['', ['ec2.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } };
    const keyArn = stack.resolve(key.keyArn);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
        Resource: keyArn,
        Condition: { StringEquals: viaEc2 },
      }),
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: keyArn,
        Condition: { StringEquals: viaEc2, Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
    ]);
    expect(policy.Properties.Roles).toEqual([stack.resolve(gpu.controllerRole.roleName)]);
  });

  test('without a key the controller gets no KMS permissions', () => {
    const { stack, gpu } = buildWithKey();
    expect(gpu.node.tryFindChild('KarpenterControllerNodeVolumeKeyPolicy')).toBeUndefined();
    const kmsActions = managedPolicyStatements(Template.fromStack(stack))
      .flatMap(s => [s.Action].flat()).filter((a: string) => a.startsWith('kms:'));
    expect(kmsActions).toEqual([]);
  });

  test('a chart that encrypts node volumes with a key the cluster was not given is refused', () => {
    const { gpu } = buildWithKey();
    expect(() => gpu.addWorkloadChart('Pools', poolChart(KEY_ARN)))
      .toThrow(new RegExp(`addWorkloadChart\\(Pools\\): node classes encrypt volumes with KMS key ${KEY_ARN}.*pass the key as nodeVolumeEncryptionKey`));
  });

  test('a chart that names another key than the cluster\'s nodeVolumeEncryptionKey is refused', () => {
    const { gpu } = buildWithKey(KEY_ARN);
    expect(() => gpu.addWorkloadChart('Pools', poolChart(OTHER_KEY_ARN)))
      .toThrow(new RegExp(`KMS key ${OTHER_KEY_ARN}, which is not the cluster's nodeVolumeEncryptionKey \\(${KEY_ARN}\\)`));
  });

  test('a chart that names the cluster\'s key, by ARN or by key id, is applied', () => {
    const { stack, gpu } = buildWithKey(KEY_ARN);
    gpu.addWorkloadChart('PoolsByArn', poolChart(KEY_ARN));
    gpu.addWorkloadChart('PoolsById', poolChart('1234abcd-12ab-34cd-56ef-1234567890ab'));
    const manifests = Object.values(Template.fromStack(stack).findResources('Custom::AWSCDK-EKS-KubernetesResource'))
      .filter((r: any) => JSON.stringify(r.Properties.Manifest).includes('EC2NodeClass'));
    expect(manifests).toHaveLength(2);
  });

  test('a chart whose pools use the account default EBS key needs no cluster key', () => {
    const { stack, gpu } = buildWithKey();
    gpu.addWorkloadChart('Pools', poolChart());
    Template.fromStack(stack).resourcePropertiesCountIs('Custom::AWSCDK-EKS-KubernetesResource',
      { Manifest: Match.stringLikeRegexp('EC2NodeClass') }, 1);
  });
});

describe('Kueue configuration', () => {
  /** The controller configuration the Kueue chart is given, parsed from the rendered Helm values. */
  function kueueConfig(props: GpuClusterProps = {}): any {
    const values = helmValues(synth(props), 'kueue');
    const yaml = values.managerConfig.controllerManagerConfigYaml;
    expect(typeof yaml).toBe('string');
    // JSON is YAML: the chart reads the string with fromYaml.
    return JSON.parse(yaml);
  }

  test('the chart gets the v1beta2 controller Configuration that kueueConfiguration exposes', () => {
    const { stack, gpu } = build();
    const values = helmValues(Template.fromStack(stack), 'kueue');
    const config = JSON.parse(values.managerConfig.controllerManagerConfigYaml);
    expect(config).toMatchObject({ apiVersion: 'config.kueue.x-k8s.io/v1beta2', kind: 'Configuration' });
    expect(config).toEqual(gpu.kueueConfiguration);
  });

  test('Jobs without a queue name are held by default', () => {
    expect(kueueConfig().manageJobsWithoutQueueName).toBe(true);
  });

  test('only team namespaces are managed, so system namespaces are untouched', () => {
    expect(kueueConfig().managedJobsNamespaceSelector).toEqual({ matchLabels: { 'mlops-stack.io/team-namespace': 'true' } });
  });

  test('an admitted workload waits 15 minutes for its pods by default', () => {
    expect(kueueConfig().waitForPodsReady.timeout).toBe('900s');
  });

  test('podsReadyTimeout sets the wait', () => {
    expect(kueueConfig({ kueue: { podsReadyTimeout: Duration.minutes(20) } }).waitForPodsReady.timeout).toBe('1200s');
  });

  test('a workload is requeued without limit by default', () => {
    const strategy = kueueConfig().waitForPodsReady.requeuingStrategy;
    expect(strategy).toMatchObject({ timestamp: 'Eviction' });
    expect(strategy).not.toHaveProperty('backoffLimitCount');
  });

  test('requeueLimit caps the requeues', () => {
    expect(kueueConfig({ kueue: { requeueLimit: 3 } }).waitForPodsReady.requeuingStrategy.backoffLimitCount).toBe(3);
  });

  test('the default frameworks are batch ones: pods, Deployments and StatefulSets are not managed', () => {
    const { frameworks } = kueueConfig().integrations;
    expect(frameworks).toContain('batch/job');
    expect(frameworks).not.toEqual(expect.arrayContaining(['pod']));
    expect(frameworks).not.toEqual(expect.arrayContaining(['deployment']));
    expect(frameworks).not.toEqual(expect.arrayContaining(['statefulset']));
  });

  test('given frameworks replace the default list', () => {
    expect(kueueConfig({ kueue: { frameworks: ['batch/job', 'ray.io/rayjob'] } }).integrations.frameworks)
      .toEqual(['batch/job', 'ray.io/rayjob']);
  });

  test('serving frameworks are accepted when Jobs without a queue name are not held', () => {
    const config = kueueConfig({ kueue: { manageJobsWithoutQueueName: false, frameworks: ['batch/job', 'deployment'] } });
    expect(config.manageJobsWithoutQueueName).toBe(false);
    expect(config.integrations.frameworks).toEqual(['batch/job', 'deployment']);
  });

  test('a pods-ready timeout of exactly one minute is accepted', () => {
    expect(kueueConfig({ kueue: { podsReadyTimeout: Duration.minutes(1) } }).waitForPodsReady.timeout).toBe('60s');
  });
});

describe('GPU and queueing add-ons', () => {
  test('the NVIDIA device plugin is pinned and scheduled on Karpenter GPU nodes', () => {
    const values = new Capture();
    const template = synth();
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'nvidia-device-plugin',
      Repository: 'https://nvidia.github.io/k8s-device-plugin',
      Version: '0.18.2',
      Values: values,
    });
    const parsed = JSON.parse(values.asString());
    // One term: both expressions must hold on the same node (separate terms would be ORed).
    expect(parsed.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          { key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] },
          { key: 'mlops-stack.io/ami-family', operator: 'NotIn', values: ['bottlerocket'] },
        ],
      },
    ]);
  });

  test('the NVIDIA device plugin tolerates the GPU taint and every pool taint', () => {
    const { tolerations } = helmValues(synth(), 'nvidia-device-plugin');
    expect(tolerations).toEqual(expect.arrayContaining([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'mlops-stack.io/pool', operator: 'Exists', effect: 'NoSchedule' },
    ]));
  });

  test('Kueue is pinned and installed with wait, so its webhooks serve before queues are applied', () => {
    const template = synth();
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'kueue',
      Repository: 'oci://registry.k8s.io/kueue/charts/kueue',
      Version: '0.19.2',
      Namespace: 'kueue-system',
      Wait: true,
    });
  });

  test('chart versions can be overridden', () => {
    const template = synth({ chartVersions: { kueue: '0.19.3' } });
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'kueue', Version: '0.19.3' });
  });

  test('addWorkloadChart applies the chart after the Karpenter and Kueue installs', () => {
    const { stack, gpu } = build();
    const chart = new cdk8s.Chart(new cdk8s.App(), 'Pools');
    new cdk8s.ApiObject(chart, 'pool', { apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'gpu' } });
    gpu.addWorkloadChart('GpuPools', chart);
    const template = Template.fromStack(stack);
    const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart');
    const karpenter = Object.keys(charts).find(k => charts[k].Properties.Chart === 'karpenter');
    const kueue = Object.keys(charts).find(k => charts[k].Properties.Chart === 'kueue');
    const manifest = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
      .find((r: any) => JSON.stringify(r.Properties.Manifest).includes('NodePool'));
    expect(manifest?.DependsOn).toEqual(expect.arrayContaining([karpenter, kueue]));
  });

  test('addWorkloadChart refuses an id used twice', () => {
    const { gpu } = build();
    gpu.addWorkloadChart('Pools', new cdk8s.Chart(new cdk8s.App(), 'A'));
    expect(() => gpu.addWorkloadChart('Pools', new cdk8s.Chart(new cdk8s.App(), 'B'))).toThrow(/addWorkloadChart: id "Pools"/);
  });
});

describe('workload charts and retained team namespaces', () => {
  const TEAM_TAGS = { 'project': 'p', 'cost-center': 'cc', 'environment': 'prod' };

  /** A chart with the `fraud` team (retained by default) and, optionally, the `churn` team that is not retained. */
  function teamChart(withUnretainedTeam = false): cdk8s.Chart {
    const chart = new cdk8s.Chart(new cdk8s.App(), 'Teams');
    new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TEAM_TAGS, maxGpus: 8 });
    if (withUnretainedTeam) {
      new GpuTeam(chart, 'Churn', { name: 'churn', costTags: TEAM_TAGS, maxGpus: 4, retainOnDelete: false });
    }
    return chart;
  }

  /** The KubernetesResource behind a manifest construct, and its parsed manifest. */
  function manifestResource(template: Template, construct: IConstruct): { resource: any; objects: any[] } {
    const resource = template.toJSON().Resources[logicalIdOf(construct)];
    expect(resource.Type).toBe('Custom::AWSCDK-EKS-KubernetesResource');
    return { resource, objects: parseJsonProperty(resource.Properties.Manifest) };
  }

  const kindAndName = (objects: any[]) => objects.map(o => `${o.kind}/${o.metadata.name}`);

  test('retained namespaces go into a <id>Namespaces manifest of their own, holding only them', () => {
    const { stack, gpu } = build();
    gpu.addWorkloadChart('Teams', teamChart(true));
    const { objects } = manifestResource(Template.fromStack(stack), gpu.cluster.node.findChild('TeamsNamespaces'));
    expect(kindAndName(objects)).toEqual(['Namespace/fraud']);
    expect(objects[0].metadata.annotations).toMatchObject({ 'mlops-stack.io/retain': 'true' });
  });

  test('the namespaces manifest never prunes', () => {
    const { stack, gpu } = build();
    const main = gpu.addWorkloadChart('Teams', teamChart());
    const template = Template.fromStack(stack);
    expect(manifestResource(template, gpu.cluster.node.findChild('TeamsNamespaces')).resource.Properties).not.toHaveProperty('PruneLabel');
    // The main manifest does prune: the absence above is specific to the namespaces.
    expect(manifestResource(template, main).resource.Properties.PruneLabel).toEqual(expect.any(String));
  });

  test('the namespaces manifest is retained by CloudFormation', () => {
    const { stack, gpu } = build();
    gpu.addWorkloadChart('Teams', teamChart());
    const { resource } = manifestResource(Template.fromStack(stack), gpu.cluster.node.findChild('TeamsNamespaces'));
    expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('the main manifest holds the rest of the chart: the team\'s objects, an unretained namespace, no retained one', () => {
    const { stack, gpu } = build();
    const main = gpu.addWorkloadChart('Teams', teamChart(true));
    const names = kindAndName(manifestResource(Template.fromStack(stack), main).objects);
    expect(names).toEqual(expect.arrayContaining(['Namespace/churn', 'ResourceQuota/gpu-quota', 'Role/fraud-developer']));
    expect(names).not.toContain('Namespace/fraud');
  });

  test('the main manifest is applied after the namespaces and the Karpenter and Kueue installs', () => {
    const { stack, gpu } = build();
    const main = gpu.addWorkloadChart('Teams', teamChart());
    const { resource } = manifestResource(Template.fromStack(stack), main);
    expect(resource.DependsOn).toEqual(expect.arrayContaining([
      logicalIdOf(gpu.cluster.node.findChild('TeamsNamespaces')), logicalIdOf(gpu.karpenterChart), logicalIdOf(gpu.kueueChart),
    ]));
  });

  test('a chart without retained namespaces gets no namespaces manifest', () => {
    const { stack, gpu } = build();
    const chart = new cdk8s.Chart(new cdk8s.App(), 'Teams');
    new GpuTeam(chart, 'Churn', { name: 'churn', costTags: TEAM_TAGS, maxGpus: 4, retainOnDelete: false });
    gpu.addWorkloadChart('Teams', chart);
    expect(gpu.cluster.node.tryFindChild('TeamsNamespaces')).toBeUndefined();
    Template.fromStack(stack).resourcePropertiesCountIs('Custom::AWSCDK-EKS-KubernetesResource',
      { Manifest: Match.stringLikeRegexp('"kind":"Namespace"') }, 1);
  });

  test('prune: false turns pruning off for the main manifest', () => {
    const { stack, gpu } = build();
    const main = gpu.addWorkloadChart('Teams', teamChart(), { prune: false });
    expect(manifestResource(Template.fromStack(stack), main).resource.Properties).not.toHaveProperty('PruneLabel');
  });

  test('a dependency between two charts becomes a CloudFormation DependsOn', () => {
    const { stack, gpu } = build();
    const first = gpu.addWorkloadChart('Teams', teamChart());
    const pools = new cdk8s.Chart(new cdk8s.App(), 'Pools');
    new cdk8s.ApiObject(pools, 'pool', { apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'gpu' } });
    const second = gpu.addWorkloadChart('Pools', pools);
    second.node.addDependency(first);
    const { resource } = manifestResource(Template.fromStack(stack), second);
    expect(resource.DependsOn).toContain(logicalIdOf(first));
  });

  test('an id that another chart\'s namespaces manifest already uses is refused', () => {
    const { gpu } = build();
    gpu.addWorkloadChart('Teams', teamChart());
    expect(() => gpu.addWorkloadChart('TeamsNamespaces', new cdk8s.Chart(new cdk8s.App(), 'B')))
      .toThrow(/addWorkloadChart: id "TeamsNamespaces" is already used/);
  });
});

describe('cdk-nag', () => {
  test('a cluster with a node volume key has no unacknowledged AWS Solutions finding', () => {
    const result = synthWithNag(app => {
      const stack = new Stack(app, 'Gpu');
      new GpuCluster(stack, 'GpuCluster', { nodeVolumeEncryptionKey: new kms.Key(stack, 'NodeKey', { enableKeyRotation: true }) });
    });
    expect(describeViolations(result.violations)).toBe('');
  });

  test('a cluster in an environment-specific stack has no unacknowledged AWS Solutions finding', () => {
    // The account is then a literal in the instance-profile ARNs, and so in the finding ids.
    const result = synthWithNag(app => {
      new GpuCluster(new Stack(app, 'Gpu', { env: { account: '111111111111', region: 'eu-west-1' } }), 'GpuCluster');
    });
    expect(describeViolations(result.violations)).toBe('');
  });
});

describe('bad input', () => {
  test('an invalid endpoint CIDR', () => {
    expect(() => build({ endpoint: ClusterEndpoint.publicAndPrivate(['10.0.0.300/24']) }))
      .toThrow(/endpoint\.publicCidrs\[0\]: "10\.0\.0\.300\/24" is not a valid IPv4 CIDR/);
  });

  test('an endpoint CIDR that is not a CIDR at all', () => {
    expect(() => build({ endpoint: ClusterEndpoint.publicAndPrivate(['office']) }))
      .toThrow(/endpoint\.publicCidrs\[0\]: "office" is not an IPv4 CIDR block/);
  });

  test('an endpoint CIDR with host bits set names the network to use', () => {
    expect(() => build({ endpoint: ClusterEndpoint.publicAndPrivate(['203.0.113.7/24']) }))
      .toThrow(/endpoint\.publicCidrs\[0\].*host bits set.*"203\.0\.113\.0\/24"/);
  });

  test('0.0.0.0/0 without the explicit opt-in', () => {
    expect(() => build({ endpoint: ClusterEndpoint.publicAndPrivate(['0.0.0.0/0']) }))
      .toThrow(/endpoint\.publicCidrs\[0\]: "0\.0\.0\.0\/0" opens the Kubernetes API endpoint to the whole internet/);
  });

  test('0.0.0.0/0 with the opt-in deploys, with a warning', () => {
    const { stack } = build({ endpoint: ClusterEndpoint.publicAndPrivate(['0.0.0.0/0'], { allowAnyIpv4: true }) });
    Annotations.fromStack(stack).hasWarning('/Gpu/GpuCluster', Match.stringLikeRegexp('mlops-stack:public-endpoint'));
  });

  test('a public endpoint with no CIDR blocks', () => {
    expect(() => build({ endpoint: ClusterEndpoint.publicAndPrivate([]) })).toThrow(/endpoint: .*got no CIDR blocks/);
  });

  test('a public endpoint with more CIDR blocks than EKS accepts', () => {
    const cidrs = Array.from({ length: 41 }, (_, i) => `203.0.113.${i}/32`);
    expect(() => build({ endpoint: ClusterEndpoint.publicAndPrivate(cidrs) }))
      .toThrow(/endpoint: 41 CIDR blocks given; EKS allows at most 40/);
  });

  test('system node group sizes out of order', () => {
    expect(() => build({ systemNodeGroup: { minSize: 3, maxSize: 2 } }))
      .toThrow(/systemNodeGroup\.minSize \(3\) must not exceed maxSize \(2\)/);
  });

  test('a desired size outside min..max', () => {
    expect(() => build({ systemNodeGroup: { minSize: 2, desiredSize: 5, maxSize: 3 } }))
      .toThrow(/systemNodeGroup\.desiredSize \(5\) must be between minSize \(2\) and maxSize \(3\)/);
  });

  test('a system node group that may scale to zero', () => {
    expect(() => build({ systemNodeGroup: { minSize: 0 } })).toThrow(/systemNodeGroup\.minSize \(0\) must be at least 1/);
  });

  test('an empty list of system node group instance types', () => {
    expect(() => build({ systemNodeGroup: { instanceTypes: [] } })).toThrow(/systemNodeGroup\.instanceTypes is empty/);
  });

  test('mixed CPU architectures in the system node group', () => {
    expect(() => build({ systemNodeGroup: { instanceTypes: [new ec2.InstanceType('m7g.large'), new ec2.InstanceType('m7i.large')] } }))
      .toThrow(/systemNodeGroup\.instanceTypes .* mix CPU architectures/);
  });

  test('a root volume smaller than the AMI', () => {
    expect(() => build({ systemNodeGroup: { rootVolumeSize: Size.gibibytes(8) } })).toThrow(/systemNodeGroup\.rootVolumeSize \(8 GiB\)/);
  });

  test('a chart version that is not a semantic version', () => {
    expect(() => build({ chartVersions: { karpenter: 'latest' } }))
      .toThrow(/chartVersions\.karpenter \("latest"\) must be an exact semantic version/);
  });

  test('a chart version with a leading v gets the fix', () => {
    expect(() => build({ chartVersions: { kueue: 'v0.19.2' } })).toThrow(/chartVersions\.kueue .*drop the leading "v" \("0\.19\.2"\)/);
  });

  test('an invalid cluster name', () => {
    expect(() => build({ clusterName: '-gpu cluster' })).toThrow(/clusterName \("-gpu cluster"\) must be 1 to 100 characters/);
  });

  test('a cluster name that is an unresolved token', () => {
    expect(() => build({ clusterName: Lazy.string({ produce: () => 'ml-gpu' }) }))
      .toThrow(/clusterName must be a plain string, not a token/);
  });

  test('removalPolicy SNAPSHOT', () => {
    expect(() => build({ removalPolicy: RemovalPolicy.SNAPSHOT }))
      .toThrow(/removalPolicy \(snapshot\) is not supported.*RemovalPolicy\.RETAIN.*RemovalPolicy\.DESTROY/);
  });

  test('a Karpenter chart older than 1.0', () => {
    expect(() => build({ chartVersions: { karpenter: '0.37.0' } }))
      .toThrow(/chartVersions\.karpenter \("0\.37\.0"\) must be 1\.0\.0 or later/);
  });

  test('Karpenter 1.0.0 is accepted', () => {
    expect(() => build({ chartVersions: { karpenter: '1.0.0' } })).not.toThrow();
  });

  test('a Kueue pods-ready timeout under a minute', () => {
    expect(() => build({ kueue: { podsReadyTimeout: Duration.seconds(30) } }))
      .toThrow(/kueue\.podsReadyTimeout \(30 s\) must be at least one minute/);
  });

  test('a negative Kueue requeue limit', () => {
    expect(() => build({ kueue: { requeueLimit: -1 } })).toThrow(/kueue\.requeueLimit \(-1\) must be a whole number, 0 or more/);
  });

  test('an empty list of Kueue frameworks', () => {
    expect(() => build({ kueue: { frameworks: [] } })).toThrow(/kueue\.frameworks must not be empty/);
  });

  test('a serving framework while Jobs without a queue name are held', () => {
    expect(() => build({ kueue: { frameworks: ['batch/job', 'deployment'] } }))
      .toThrow(/kueue\.frameworks \(deployment\) would make Kueue hold every unlabelled pod.*set manageJobsWithoutQueueName to false/);
  });

  test('several problems are reported together, prefixed with the construct path', () => {
    expect(() => build({ chartVersions: { karpenter: '1.x' }, systemNodeGroup: { minSize: 4, maxSize: 2 } }))
      .toThrow(/^Gpu\/GpuCluster: invalid GpuCluster properties:\n {2}- chartVersions\.karpenter[\s\S]*systemNodeGroup\.minSize/);
  });
});
