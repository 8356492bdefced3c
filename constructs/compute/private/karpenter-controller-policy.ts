import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** What the Karpenter controller policy is scoped to. */
export interface KarpenterControllerPolicyScope {
  /** The EKS cluster name, known at synth time: it is part of condition keys, which cannot be tokens. */
  readonly clusterName: string;
  /** ARN of the EKS cluster (for eks:DescribeCluster). */
  readonly clusterArn: string;
  /** ARN of the node role Karpenter passes to the instances it launches. */
  readonly nodeRoleArn: string;
  /** ARN of the customer-managed KMS key of node volumes, if any. */
  readonly nodeVolumeKeyArn?: string;
}

/**
 * The Karpenter v1.14 controller policy, grouped as Karpenter's getting-started CloudFormation template (v1.14.1)
 * groups it: node lifecycle, IAM integration, EKS integration, resource discovery and zonal shift (interruption
 * queue access is granted by the queue itself), plus the KMS statements a customer-managed node volume key
 * needs, which that template leaves to the key policy. Every write is scoped by the `kubernetes.io/cluster/<name>: owned` tag and the
 * `karpenter.sh/nodepool` / `karpenter.k8s.aws/ec2nodeclass` tags Karpenter sets, so the controller can only
 * touch what it created for this cluster. The only statements on `*` are read-only APIs that support no
 * resource scoping (Describe*, pricing:GetProducts, iam:ListInstanceProfiles) and the zonal-shift read, which is
 * conditioned on this cluster's ARN as upstream conditions it.
 *
 * @see https://karpenter.sh/docs/reference/cloudformation/
 */
export function karpenterControllerStatements(scope: IConstruct, s: KarpenterControllerPolicyScope): Record<string, iam.PolicyStatement[]> {
  const stack = Stack.of(scope);
  const ec2 = (resource: string, account = '*') => `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${account}:${resource}`;
  const ownedTag = `kubernetes.io/cluster/${s.clusterName}`;
  const instanceProfiles = stack.formatArn({ service: 'iam', region: '', resource: 'instance-profile', resourceName: '*' });
  const taggedOnCreate = [
    ec2('fleet/*'), ec2('instance/*'), ec2('volume/*'), ec2('network-interface/*'), ec2('launch-template/*'),
    ec2('spot-instances-request/*'),
  ];

  const nodeLifecycle = [
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2InstanceAccessActions',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      resources: [
        ec2('image/*', ''), ec2('snapshot/*', ''), ec2('security-group/*'), ec2('subnet/*'), ec2('capacity-reservation/*'),
        ec2('placement-group/*'),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2LaunchTemplateAccessActions',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      resources: [ec2('launch-template/*')],
      conditions: {
        StringEquals: { [`aws:ResourceTag/${ownedTag}`]: 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2InstanceActionsWithTags',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
      resources: taggedOnCreate,
      conditions: {
        StringEquals: {
          [`aws:RequestTag/${ownedTag}`]: 'owned',
          'aws:RequestTag/eks:eks-cluster-name': s.clusterName,
        },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedResourceCreationTagging',
      actions: ['ec2:CreateTags'],
      resources: taggedOnCreate,
      conditions: {
        StringEquals: {
          [`aws:RequestTag/${ownedTag}`]: 'owned',
          'aws:RequestTag/eks:eks-cluster-name': s.clusterName,
          'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
        },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedResourceTagging',
      actions: ['ec2:CreateTags'],
      resources: [ec2('instance/*')],
      conditions: {
        'StringEquals': { [`aws:ResourceTag/${ownedTag}`]: 'owned' },
        'StringLike': { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        'StringEqualsIfExists': { 'aws:RequestTag/eks:eks-cluster-name': s.clusterName },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedDeletion',
      actions: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      resources: [ec2('instance/*'), ec2('launch-template/*')],
      conditions: {
        StringEquals: { [`aws:ResourceTag/${ownedTag}`]: 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      },
    }),
  ];

  const iamIntegration = [
    new iam.PolicyStatement({
      sid: 'AllowPassingInstanceRole',
      actions: ['iam:PassRole'],
      resources: [s.nodeRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedInstanceProfileCreationActions',
      actions: ['iam:CreateInstanceProfile'],
      resources: [instanceProfiles],
      conditions: {
        StringEquals: {
          [`aws:RequestTag/${ownedTag}`]: 'owned',
          'aws:RequestTag/eks:eks-cluster-name': s.clusterName,
          'aws:RequestTag/topology.kubernetes.io/region': Aws.REGION,
        },
        StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedInstanceProfileTagActions',
      actions: ['iam:TagInstanceProfile'],
      resources: [instanceProfiles],
      conditions: {
        StringEquals: {
          [`aws:ResourceTag/${ownedTag}`]: 'owned',
          'aws:ResourceTag/topology.kubernetes.io/region': Aws.REGION,
          [`aws:RequestTag/${ownedTag}`]: 'owned',
          'aws:RequestTag/eks:eks-cluster-name': s.clusterName,
          'aws:RequestTag/topology.kubernetes.io/region': Aws.REGION,
        },
        StringLike: {
          'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*',
          'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*',
        },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedInstanceProfileActions',
      actions: ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
      resources: [instanceProfiles],
      conditions: {
        StringEquals: {
          [`aws:ResourceTag/${ownedTag}`]: 'owned',
          'aws:ResourceTag/topology.kubernetes.io/region': Aws.REGION,
        },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    }),
  ];

  const eksIntegration = [
    new iam.PolicyStatement({
      sid: 'AllowAPIServerEndpointDiscovery',
      actions: ['eks:DescribeCluster'],
      resources: [s.clusterArn],
    }),
  ];

  const resourceDiscovery = [
    new iam.PolicyStatement({
      sid: 'AllowRegionalReadActions',
      actions: [
        'ec2:DescribeCapacityReservations', 'ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeInstanceStatus',
        'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeInstanceTypes', 'ec2:DescribeLaunchTemplates',
        'ec2:DescribePlacementGroups', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeSubnets',
      ],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': Aws.REGION } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowSSMReadActions',
      actions: ['ssm:GetParameter'],
      resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}::parameter/aws/service/*`],
    }),
    new iam.PolicyStatement({
      sid: 'AllowPricingReadActions',
      actions: ['pricing:GetProducts'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'AllowUnscopedInstanceProfileListAction',
      actions: ['iam:ListInstanceProfiles'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'AllowInstanceProfileReadActions',
      actions: ['iam:GetInstanceProfile'],
      resources: [instanceProfiles],
    }),
  ];

  // Karpenter reads whether the cluster is under an ARC zonal shift, to stop launching into that zone.
  const zonalShift = [
    new iam.PolicyStatement({
      sid: 'AllowZonalShiftStatusReadOnly',
      actions: ['arc-zonal-shift:GetManagedResource'],
      resources: ['*'],
      conditions: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': s.clusterArn } },
    }),
  ];

  // A customer-managed key on node volumes (EC2NodeClass kmsKeyID): EC2 encrypts the volumes of the instant
  // fleets Karpenter launches with the caller's permissions, so the controller needs the key, through EC2 only.
  const nodeVolumeKey = s.nodeVolumeKeyArn === undefined ? [] : [
    new iam.PolicyStatement({
      sid: 'AllowNodeVolumeEncryption',
      actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      resources: [s.nodeVolumeKeyArn],
      conditions: { StringEquals: { 'kms:ViaService': `ec2.${Aws.REGION}.amazonaws.com` } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowNodeVolumeGrants',
      actions: ['kms:CreateGrant'],
      resources: [s.nodeVolumeKeyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `ec2.${Aws.REGION}.amazonaws.com` },
        Bool: { 'kms:GrantIsForAWSResource': true },
      },
    }),
  ];

  return {
    NodeLifecycle: nodeLifecycle,
    IamIntegration: iamIntegration,
    EksIntegration: eksIntegration,
    ResourceDiscovery: resourceDiscovery,
    ZonalShift: zonalShift,
    ...(nodeVolumeKey.length > 0 ? { NodeVolumeKey: nodeVolumeKey } : {}),
  };
}
