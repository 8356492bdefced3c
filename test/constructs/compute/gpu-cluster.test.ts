import { App, Lazy, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as cdk8s from 'cdk8s';
import { ClusterEndpoint, CostAttribution, GpuCluster, type GpuClusterProps } from '../../../constructs';

function build(props: GpuClusterProps = {}): { stack: Stack; gpu: GpuCluster } {
  const app = new App();
  const stack = new Stack(app, 'Gpu');
  const gpu = new GpuCluster(stack, 'GpuCluster', props);
  return { stack, gpu };
}

function synth(props: GpuClusterProps = {}): Template {
  return Template.fromStack(build(props).stack);
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
    expect(controller?.Properties.SkipCrds).toBe(true);
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
    // Karpenter's five managed policies alone hold more than ten statements: an empty list means the lookup broke.
    expect(statements.length).toBeGreaterThan(10);
    const wildcards = statements.flatMap(s => s.actions).filter(a => a === '*' || a.endsWith(':*'));
    expect(wildcards).toEqual([]);
  });

  test('every write on "*" resources is absent: unscoped statements are read-only', () => {
    const readOnly = /^(ec2:Describe[A-Za-z*]+|pricing:GetProducts|iam:ListInstanceProfiles)$/;
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
    expect(parsed.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] }] },
    ]);
    expect(parsed.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
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

  test('several problems are reported together, prefixed with the construct path', () => {
    expect(() => build({ chartVersions: { karpenter: '1.x' }, systemNodeGroup: { minSize: 4, maxSize: 2 } }))
      .toThrow(/^Gpu\/GpuCluster: invalid GpuCluster properties:\n {2}- chartVersions\.karpenter[\s\S]*systemNodeGroup\.minSize/);
  });
});
