import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** Options of {@link createAccessLogsBucket}. */
export interface AccessLogsBucketOptions {
  /** What the bucket logs, for the cdk-nag reason: `the artifact bucket`. */
  readonly logsOf: string;
  readonly removalPolicy: RemovalPolicy;
  readonly autoDeleteObjects?: boolean;
}

/**
 * The server access-log bucket of one of our buckets, as `scope/AccessLogs` (its logical ID is public API: keep
 * the id). S3-managed encryption because the log delivery service cannot write with a customer-managed KMS key;
 * not logged itself, which would log every delivery in a loop.
 */
export function createAccessLogsBucket(scope: Construct, options: AccessLogsBucketOptions): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: options.removalPolicy,
    autoDeleteObjects: options.autoDeleteObjects,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: `This bucket is the destination of ${options.logsOf}'s server access logs; logging it to itself would log every log delivery in a loop`,
  });
  return bucket;
}
