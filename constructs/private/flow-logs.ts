import { Aws, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * Lets CloudWatch Logs encrypt with `key` for log groups of this account and region only: the service principal
 * alone would let a log group of any account use the key.
 */
export function allowLogsService(key: kms.Key): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*` },
    },
  }));
}

/**
 * The VPC's flow logs, in a log group kept for three months and encrypted with a key of its own. The key
 * (`FlowLogsKey`) and the log group (`FlowLogs`) are created in `scope`, the flow log (`FlowLog`) in the VPC:
 * those ids set logical IDs, so they do not change.
 */
export function addEncryptedFlowLogs(scope: Construct, vpc: ec2.Vpc, props: { description: string; removalPolicy: RemovalPolicy }): void {
  const key = new kms.Key(scope, 'FlowLogsKey', {
    description: props.description,
    enableKeyRotation: true,
    removalPolicy: props.removalPolicy,
  });
  allowLogsService(key);
  vpc.addFlowLog('FlowLog', {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(scope, 'FlowLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: key,
      removalPolicy: props.removalPolicy,
    })),
  });
}
