import { Aws, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

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
  const key = new kms.Key(scope, 'FlowLogsKey', {
    description: 'Encrypts the VPC flow logs of an MLOps platform',
    enableKeyRotation: true,
    removalPolicy,
  });
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    // CloudWatch Logs may use the key for log groups of this account and region only.
    conditions: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*` },
    },
  }));
  vpc.addFlowLog('FlowLog', {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(scope, 'FlowLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: key,
      removalPolicy,
    })),
  });
  return vpc;
}
