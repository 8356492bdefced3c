import { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * What SageMaker needs, as the role of a model or a processing job, to attach its containers to a VPC: network
 * interfaces in the given subnets and security groups only; the Describe actions have no resource-level
 * permission.
 *
 * @returns the statements, and the network-interface ARN pattern they use (a wildcard to acknowledge)
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html#host-vpc-vpc
 */
export function vpcAccessStatements(scope: IConstruct, subnetIds: string[], securityGroups: ec2.ISecurityGroup[]):
{ statements: iam.PolicyStatement[]; networkInterfaces: string } {
  const stack = Stack.of(scope);
  const networkInterfaces = stack.formatArn({ service: 'ec2', resource: 'network-interface', resourceName: '*' });
  const statements = [
    new iam.PolicyStatement({
      actions: ['ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeNetworkInterfaces'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        ...subnetIds.map(id => stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: id })),
        ...securityGroups.map(sg => stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: sg.securityGroupId })),
        networkInterfaces,
      ],
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
      resources: [networkInterfaces],
    }),
  ];
  return { statements, networkInterfaces };
}
