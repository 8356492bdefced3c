import { ArnFormat, PhysicalName, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { nagResource } from '../../private/nag';

/** What a deployment role may touch: the one stack of one endpoint. */
export interface DeployScope {
  /** The stack CloudFormation deploys with the role. */
  readonly stackName: string;
  /** The endpoint of that stack. */
  readonly endpointName: string;
  /** ARN pattern of the model's package versions (`.../model-package/<group>/*`). */
  readonly packagesArn: string;
  /** The registry key the endpoint configuration encrypts the storage volume with. */
  readonly keyArn: string;
}

/**
 * The role CloudFormation assumes to deploy a `ModelEndpoint` stack: SageMaker models, configs and the one
 * endpoint, the stack's own IAM roles (names CloudFormation derives from the stack name), its alarms, dashboard,
 * autoscaling and security group, and the CDK bootstrap version parameter. No managed policy, no `iam:*`.
 */
export function newDeploymentRole(scope: Construct, id: string, s: DeployScope): iam.Role {
  const stack = Stack.of(scope);
  const arn = (service: string, resource: string, resourceName: string, arnFormat = ArnFormat.SLASH_RESOURCE_NAME, region?: string) =>
    stack.formatArn({ service, resource, resourceName, arnFormat, region });
  const endpointArn = arn('sagemaker', 'endpoint', s.endpointName.toLowerCase());
  const stackRoles = arn('iam', 'role', `${s.stackName}-*`, ArnFormat.SLASH_RESOURCE_NAME, '');
  const role = new iam.Role(scope, id, {
    roleName: PhysicalName.GENERATE_IF_NEEDED,
    assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
    description: `Deploys the model endpoint stack ${s.stackName} for a model promotion`,
  });
  const statements = [
    new iam.PolicyStatement({
      sid: 'ModelsAndConfigs',
      actions: ['sagemaker:CreateModel', 'sagemaker:DeleteModel', 'sagemaker:DescribeModel',
        'sagemaker:CreateEndpointConfig', 'sagemaker:DeleteEndpointConfig', 'sagemaker:DescribeEndpointConfig',
        'sagemaker:AddTags', 'sagemaker:DeleteTags', 'sagemaker:ListTags'],
      resources: [arn('sagemaker', 'model', '*'), arn('sagemaker', 'endpoint-config', '*')],
    }),
    new iam.PolicyStatement({
      sid: 'Endpoint',
      actions: ['sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint', 'sagemaker:DescribeEndpoint',
        'sagemaker:UpdateEndpointWeightsAndCapacities', 'sagemaker:AddTags', 'sagemaker:DeleteTags', 'sagemaker:ListTags'],
      resources: [endpointArn],
    }),
    new iam.PolicyStatement({
      sid: 'ModelPackages',
      actions: ['sagemaker:CreateModel', 'sagemaker:DescribeModelPackage'],
      resources: [s.packagesArn],
    }),
    new iam.PolicyStatement({
      sid: 'StackRoles',
      actions: ['iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:TagRole', 'iam:UntagRole',
        'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy'],
      resources: [stackRoles],
    }),
    new iam.PolicyStatement({
      sid: 'PassStackRolesToSageMaker',
      actions: ['iam:PassRole'],
      resources: [stackRoles],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      sid: 'Alarms',
      actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms',
        'cloudwatch:TagResource', 'cloudwatch:UntagResource', 'cloudwatch:ListTagsForResource'],
      resources: [arn('cloudwatch', 'alarm', `${s.stackName}-*`, ArnFormat.COLON_RESOURCE_NAME)],
    }),
    new iam.PolicyStatement({
      sid: 'Dashboard',
      actions: ['cloudwatch:PutDashboard', 'cloudwatch:DeleteDashboards', 'cloudwatch:GetDashboard'],
      resources: [arn('cloudwatch', 'dashboard', '*', ArnFormat.SLASH_RESOURCE_NAME, '')],
    }),
    new iam.PolicyStatement({
      sid: 'AutoScaling',
      actions: ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:DeregisterScalableTarget',
        'application-autoscaling:DescribeScalableTargets', 'application-autoscaling:PutScalingPolicy',
        'application-autoscaling:DeleteScalingPolicy', 'application-autoscaling:DescribeScalingPolicies'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'AutoScalingServiceLinkedRole',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [arn('iam', 'role', 'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/*', ArnFormat.SLASH_RESOURCE_NAME, '')],
      conditions: { StringEquals: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      sid: 'SecurityGroup',
      actions: ['ec2:CreateSecurityGroup', 'ec2:DeleteSecurityGroup', 'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupEgress', 'ec2:CreateTags'],
      resources: [arn('ec2', 'security-group', '*'), arn('ec2', 'vpc', '*')],
    }),
    new iam.PolicyStatement({
      sid: 'Describe',
      actions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:DescribeNetworkInterfaces'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'VolumeKey',
      actions: ['kms:CreateGrant', 'kms:DescribeKey'],
      resources: [s.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
    new iam.PolicyStatement({
      sid: 'BootstrapVersion',
      actions: ['ssm:GetParameters'],
      resources: [arn('ssm', 'parameter', 'cdk-bootstrap/*')],
    }),
  ];
  for (const statement of statements) {
    role.addToPrincipalPolicy(statement);
  }
  const policy = role.node.findChild('DefaultPolicy');
  const ack = (finding: string, reason: string) => Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  const nag = (value: string) => nagResource(role, value);
  ack(`Resource::${nag(arn('sagemaker', 'model', '*'))}`, 'CloudFormation names the SageMaker models of the stack itself (a generated name), so they are not known before deployment.');
  ack(`Resource::${nag(arn('sagemaker', 'endpoint-config', '*'))}`, 'CloudFormation generates the name of each new endpoint configuration, so it is not known before deployment.');
  ack(`Resource::${nag(s.packagesArn)}`, 'Every version of this model\'s package group only: the version promoted is chosen at run time.');
  ack(`Resource::${nag(stackRoles)}`, 'The roles of the deployed stack only: CloudFormation names them <stack name>-<logical id>-<suffix>.');
  ack(`Resource::${nag(arn('cloudwatch', 'alarm', `${s.stackName}-*`, ArnFormat.COLON_RESOURCE_NAME))}`,
    'The alarms of the deployed stack only: CloudFormation names them <stack name>-<logical id>-<suffix>.');
  ack(`Resource::${nag(arn('cloudwatch', 'dashboard', '*', ArnFormat.SLASH_RESOURCE_NAME, ''))}`,
    'CloudFormation generates the dashboard\'s name, which does not start with the stack name.');
  ack('Resource::*', 'Application Auto Scaling and the EC2 Describe actions have no resource-level permissions.');
  ack(`Resource::${nag(arn('iam', 'role', 'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/*', ArnFormat.SLASH_RESOURCE_NAME, ''))}`,
    'The service-linked role of SageMaker autoscaling only, limited to that service by the iam:AWSServiceName condition.');
  ack(`Resource::${nag(arn('ec2', 'security-group', '*'))}`, 'EC2 assigns the security group ID of the endpoint at creation.');
  ack(`Resource::${nag(arn('ec2', 'vpc', '*'))}`, 'CreateSecurityGroup authorizes on the VPC too; the VPC is given by the template deployed.');
  ack(`Resource::${nag(arn('ssm', 'parameter', 'cdk-bootstrap/*'))}`, 'The CDK bootstrap version parameter the synthesized templates check; its qualifier is the user\'s.');
  return role;
}
