import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as bcm from 'aws-cdk-lib/aws-bcmdataexports';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { createAccessLogsBucket } from '../private/access-logs';
import { throwIfProblems } from '../private/errors';

/** Data Exports are created in, and deliver on behalf of ARNs of, us-east-1. */
const EXPORT_REGION = 'us-east-1';
const DATA_EXPORTS_PRINCIPAL = 'bcm-data-exports.amazonaws.com';
const BILLING_REPORTS_PRINCIPAL = 'billingreports.amazonaws.com';
const ACCESS_LOGS_PREFIX = 'billing-export-bucket/';

/**
 * The CUR 2.0 columns exported by default: identity, account, time, product and usage, costs (unblended, net,
 * reservation and Savings Plans effective), resource tags, cost categories, and every split cost allocation
 * column (per-pod cost of shared EKS nodes).
 *
 * @see https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html
 * @see https://docs.aws.amazon.com/cur/latest/userguide/split-line-item-columns.html
 */
export const DEFAULT_CUR2_COLUMNS: readonly string[] = [
  'identity_line_item_id',
  'identity_time_interval',
  'bill_billing_period_start_date',
  'bill_payer_account_id',
  'line_item_usage_account_id',
  'line_item_line_item_type',
  'line_item_usage_start_date',
  'line_item_usage_end_date',
  'line_item_product_code',
  'line_item_usage_type',
  'line_item_operation',
  'line_item_resource_id',
  'line_item_usage_amount',
  'line_item_currency_code',
  'line_item_unblended_cost',
  'line_item_net_unblended_cost',
  'pricing_unit',
  'product_region_code',
  'product_instance_type',
  'product_servicecode',
  'reservation_effective_cost',
  'savings_plan_savings_plan_effective_cost',
  'resource_tags',
  'cost_category',
  'split_line_item_parent_resource_id',
  'split_line_item_split_usage',
  'split_line_item_split_usage_ratio',
  'split_line_item_reserved_usage',
  'split_line_item_actual_usage',
  'split_line_item_split_cost',
  'split_line_item_unused_cost',
  'split_line_item_net_split_cost',
  'split_line_item_net_unused_cost',
  'split_line_item_public_on_demand_split_cost',
  'split_line_item_public_on_demand_unused_cost',
];

const COLUMN = /^[a-z][a-z0-9_]*$/;
const EXPORT_NAME = /^[0-9A-Za-z_-]{1,128}$/;

/**
 * Properties of {@link BillingExport}.
 */
export interface BillingExportProps {
  /**
   * Name of the export (1 to 128 letters, digits, `-` and `_`); it is also the folder under `prefix`.
   *
   * @default - a name unique to this construct
   */
  readonly exportName?: string;

  /**
   * Key prefix of the export in the bucket.
   *
   * @default 'cur2'
   */
  readonly prefix?: string;

  /**
   * CUR 2.0 columns to export (lower-case names of the `COST_AND_USAGE_REPORT` table).
   *
   * @default DEFAULT_CUR2_COLUMNS
   */
  readonly columns?: string[];

  /**
   * The key that encrypts the bucket.
   *
   * A key of your own must let `bcm-data-exports.amazonaws.com` and `billingreports.amazonaws.com` use
   * `kms:GenerateDataKey*` and `kms:Decrypt`; a key imported from elsewhere cannot be changed here.
   *
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the bucket, its access-log bucket and the key when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A daily CUR 2.0 billing data export (`AWS::BCMDataExports::Export`) in Parquet into a retained, versioned,
 * KMS-encrypted bucket of the platform: the line items with resource IDs and, for EKS and ECS, split cost
 * allocation data, which is what per-pod cost of shared GPU nodes is computed from (for example with Athena).
 *
 * Data Exports is created in us-east-1: a stack with a known region elsewhere is an error. The export itself is
 * free; the bucket's storage and requests and the queries over it are billed at the usual S3 and Athena rates.
 * Split cost allocation data must also be opted into in the Billing console's Cost Management preferences,
 * from the management account.
 *
 * @see https://docs.aws.amazon.com/cur/latest/userguide/what-is-data-exports.html
 * @see https://docs.aws.amazon.com/cur/latest/userguide/dataexports-s3-bucket.html
 */
export class BillingExport extends Construct {
  /** The bucket the export writes to. */
  public readonly bucket: s3.Bucket;
  /** The bucket of the export bucket's server access logs. */
  public readonly accessLogsBucket: s3.Bucket;
  /** The key of {@link bucket}. */
  public readonly encryptionKey: kms.IKey;
  /** The export (L1). */
  public readonly export: bcm.CfnExport;
  /** Where the export's data lands: `s3://<bucket>/<prefix>/<export name>/data/`. */
  public readonly dataS3Uri: string;
  /** The export's name. */
  public readonly exportName: string;

  constructor(scope: Construct, id: string, props: BillingExportProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const columns = props.columns ?? [...DEFAULT_CUR2_COLUMNS];
    const prefix = props.prefix ?? 'cur2';
    const exportName = props.exportName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const problems: string[] = [];
    if (!Token.isUnresolved(stack.region) && stack.region !== EXPORT_REGION) {
      problems.push(`the stack's region is ${stack.region}, but billing data exports are created in ${EXPORT_REGION} only; ` +
        `put the BillingExport in a stack with env.region ${EXPORT_REGION} (the rest of the platform may stay where it is)`);
    }
    if (!Token.isUnresolved(exportName) && !EXPORT_NAME.test(exportName)) {
      problems.push(`exportName ("${exportName}") must be 1 to 128 letters, digits, - and _`);
    }
    if (!Token.isUnresolved(prefix) && (prefix.length === 0 || prefix.startsWith('/') || prefix.endsWith('/'))) {
      problems.push(`prefix ("${prefix}") must not be empty nor start or end with "/"`);
    }
    if (columns.length === 0) {
      problems.push('columns is empty; leave it out for DEFAULT_CUR2_COLUMNS or list the CUR 2.0 columns to export');
    }
    for (const c of columns) {
      if (!COLUMN.test(c)) {
        problems.push(`columns contains "${c}", which is not a CUR 2.0 column name (lower-case letters, digits and _)`);
      }
    }
    if (new Set(columns).size !== columns.length) {
      problems.push('columns lists a column twice; list each once');
    }
    if (removalPolicy === RemovalPolicy.SNAPSHOT) {
      problems.push('removalPolicy (SNAPSHOT) is not supported by buckets or keys; use RETAIN (the default), RETAIN_ON_UPDATE_OR_DELETE or DESTROY');
    }
    throwIfProblems(this, 'invalid BillingExport props', problems);
    this.exportName = exportName;

    const sourceArns = [
      `arn:${stack.partition}:cur:${EXPORT_REGION}:${stack.account}:definition/*`,
      `arn:${stack.partition}:bcm-data-exports:${EXPORT_REGION}:${stack.account}:export/*`,
    ];
    const sourceConditions = { StringLike: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': sourceArns } };
    const principals = [new iam.ServicePrincipal(DATA_EXPORTS_PRINCIPAL), new iam.ServicePrincipal(BILLING_REPORTS_PRINCIPAL)];

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts the billing data export of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    // Delivery writes SSE-KMS objects under the bucket's default key, so the services need data keys from it.
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'BillingExportDelivery',
      principals,
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: sourceConditions,
    }));

    this.accessLogsBucket = createAccessLogsBucket(this, { logsOf: 'the export bucket', removalPolicy });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy,
    });
    this.logAccessTo(stack);
    this.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'EnableAWSDataExportsToWriteToS3AndCheckPolicy',
      principals,
      actions: ['s3:PutObject', 's3:GetBucketPolicy'],
      resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
      conditions: sourceConditions,
    }));

    this.export = new bcm.CfnExport(this, 'Export', {
      export: {
        name: exportName,
        description: `CUR 2.0 with resource IDs and split cost allocation data (${this.node.path})`,
        dataQuery: {
          queryStatement: `SELECT ${columns.join(', ')} FROM COST_AND_USAGE_REPORT`,
          tableConfigurations: {
            COST_AND_USAGE_REPORT: {
              TIME_GRANULARITY: 'DAILY',
              INCLUDE_RESOURCES: 'TRUE',
              INCLUDE_SPLIT_COST_ALLOCATION_DATA: 'TRUE',
              INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY: 'FALSE',
            },
          },
        },
        destinationConfigurations: {
          s3Destination: {
            s3Bucket: this.bucket.bucketName,
            s3BucketOwner: stack.account,
            s3Prefix: prefix,
            s3Region: stack.region,
            s3OutputConfigurations: { outputType: 'CUSTOM', format: 'PARQUET', compression: 'PARQUET', overwrite: 'OVERWRITE_REPORT' },
          },
        },
        refreshCadence: { frequency: 'SYNCHRONOUS' },
      },
    });
    // Data Exports checks the bucket policy when the export is created.
    this.export.node.addDependency(this.bucket);
    this.dataS3Uri = this.bucket.s3UrlForObject(`${prefix}/${exportName}/data/`);
  }

  /**
   * Server access logs under a bucket policy rather than the log-delivery ACL, as the model registry does: ACLs
   * need ObjectWriter ownership, and a library cannot rely on an app's feature flags.
   */
  private logAccessTo(stack: Stack): void {
    const cfn = this.bucket.node.defaultChild as s3.CfnBucket;
    cfn.loggingConfiguration = { destinationBucketName: this.accessLogsBucket.bucketName, logFilePrefix: ACCESS_LOGS_PREFIX };
    this.accessLogsBucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [this.accessLogsBucket.arnForObjects(`${ACCESS_LOGS_PREFIX}*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }));
  }
}
