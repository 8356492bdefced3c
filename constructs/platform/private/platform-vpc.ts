import type { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { addEncryptedFlowLogs } from '../../private/flow-logs';

/**
 * The VPC of a platform without a GPU cluster, where the SageMaker jobs and endpoints run: private subnets with
 * egress (SageMaker downloads images and artifacts, the jobs reach S3 and CloudWatch), one NAT gateway, and
 * flow logs in a KMS-encrypted log group kept for three months.
 */
export function platformVpc(scope: Construct, removalPolicy: RemovalPolicy, maxAzs: number): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs,
    // One NAT gateway: a NAT per zone multiplies a fixed cost; pass your own VPC for zone-independent egress.
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
    ],
  });
  addEncryptedFlowLogs(scope, vpc, { description: 'Encrypts the VPC flow logs of an MLOps platform', removalPolicy });
  return vpc;
}
