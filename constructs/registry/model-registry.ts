import { Annotations, Arn, ArnFormat, Duration, Names, RemovalPolicy, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, type IConstruct } from 'constructs';
import { CostAttribution } from '../cost/cost-attribution';
import { createAccessLogsBucket } from '../private/access-logs';
import { throwIfProblems, validationError } from '../private/errors';
import { isResolved } from '../private/tokens';
import { TrackingServer } from './private/tracking-server';
import {
  accountIdProblems,
  bucketNameProblems,
  imageCountProblems,
  keyArnProblems,
  modelNameProblems,
  removalPolicyProblems,
  repositoryPrefixProblems,
  singleAccountIdProblems,
  trackingServerNameProblems,
  wholeDays,
} from './private/validation';

/**
 * Options of one model of a {@link ModelRegistry}.
 */
export interface ModelOptions {
  /**
   * Description of the model's SageMaker model package group.
   *
   * @default - "Model packages of <name>"
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-model-group.html
   */
  readonly description?: string;

  /**
   * How many untagged images the model's ECR repository keeps; older untagged images expire.
   *
   * @default - the registry's `untaggedImagesToKeep`
   * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
   */
  readonly untaggedImagesToKeep?: number;

  /**
   * The team that owns the model: its repository and package group are tagged to it, and the endpoints that
   * serve it are billed to it (see `ModelEndpoint`), while the registry's shared bucket and key stay with the
   * registry's team.
   *
   * @default - the team tag in effect at the registry
   */
  readonly team?: string;
}

/**
 * A model given to the {@link ModelRegistryProps.models} prop.
 */
export interface ModelDefinition extends ModelOptions {
  /**
   * The model's name. It is the SageMaker model package group name, the S3 prefix of its artifacts
   * (`models/<name>/`), the lowercased last part of its ECR repository name and the value of the `model`
   * cost-attribution tag, so it follows the strictest of those rules: 1 to 63 letters, digits and single
   * hyphens, starting and ending with a letter or digit. Names are unique in a registry regardless of case.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackageGroup.html
   */
  readonly name: string;
}

/**
 * Object Lock for the artifact bucket: objects that cannot be overwritten or deleted for a retention period.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
export interface ArtifactObjectLockOptions {
  /**
   * Retention mode applied to every new object version by default. Governance lets principals with
   * `s3:BypassGovernanceRetention` remove a lock; compliance lets no one, not even the account root.
   *
   * @default - no default retention; locks are set object by object
   */
  readonly mode?: s3.ObjectLockMode;

  /**
   * How long new object versions stay locked, in whole days. Required with `mode`.
   *
   * @default - no default retention
   */
  readonly defaultRetention?: Duration;
}

/**
 * Size of the managed MLflow tracking server, which sets its price and throughput.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/mlflow-create-tracking-server.html
 */
export class TrackingServerSize {
  /** Up to about 25 users. */
  public static readonly SMALL = new TrackingServerSize('Small');
  /** Up to about 50 users. */
  public static readonly MEDIUM = new TrackingServerSize('Medium');
  /** Up to about 100 users. */
  public static readonly LARGE = new TrackingServerSize('Large');

  /** A size this library does not list yet, as SageMaker spells it. */
  public static of(value: string): TrackingServerSize {
    return new TrackingServerSize(value);
  }

  private constructor(
    /** The value of `TrackingServerSize` in CloudFormation. */
    public readonly value: string,
  ) {}
}

/**
 * Experiment tracking with a SageMaker managed MLflow tracking server.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/mlflow.html
 */
export interface ExperimentTrackingOptions {
  /**
   * Name of the tracking server, unique in the account and region.
   *
   * @default - derived from the construct path
   */
  readonly trackingServerName?: string;

  /**
   * Size of the tracking server.
   *
   * @default TrackingServerSize.SMALL
   */
  readonly size?: TrackingServerSize;

  /**
   * MLflow version of the server.
   *
   * @default - SageMaker's current default version
   */
  readonly mlflowVersion?: string;

  /**
   * Register MLflow models in the SageMaker Model Registry automatically. The tracking server may only add
   * versions to this registry's model package groups, so register MLflow models under a registry model's
   * name.
   *
   * @default false
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/mlflow-track-experiments-model-registration.html
   */
  readonly automaticModelRegistration?: boolean;
}

/**
 * Properties of a {@link ModelRegistry}.
 */
export interface ModelRegistryProps {
  /**
   * Models to create with the registry. More can be added with {@link ModelRegistry.addModel}.
   *
   * @default - none
   */
  readonly models?: ModelDefinition[];

  /**
   * Customer-managed KMS key for the artifact bucket and the image repositories.
   *
   * @default - a new key with yearly rotation, retained like the data it protects
   * @see https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#customer-cmk
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the key, buckets, repositories, model package groups and tracking server when they
   * leave the stack or are replaced.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Empty the buckets and image repositories when the stack is deleted, so that `DESTROY` can delete them.
   * Only allowed with `removalPolicy: RemovalPolicy.DESTROY`, and not with Object Lock.
   *
   * @default false
   */
  readonly autoDeleteObjects?: boolean;

  /**
   * Keep every version of every artifact. Object Lock requires it.
   *
   * @default true
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
   */
  readonly versioned?: boolean;

  /**
   * Object Lock for the artifact bucket, for teams that need immutable artifacts.
   *
   * @default - Object Lock off
   */
  readonly objectLock?: ArtifactObjectLockOptions;

  /**
   * Age of a noncurrent (overwritten or deleted) artifact version at which it moves to S3 Standard-IA.
   * At least 30 days, the S3 minimum for that transition.
   *
   * @default Duration.days(30)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
   */
  readonly noncurrentVersionTransitionAfter?: Duration;

  /**
   * Age of a noncurrent artifact version at which it is deleted; later than the transition.
   *
   * @default Duration.days(365)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * Age at which incomplete multipart uploads are aborted and their parts deleted.
   *
   * @default Duration.days(7)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpu-abort-incomplete-mpu-lifecycle-config.html
   */
  readonly abortIncompleteMultipartUploadAfter?: Duration;

  /**
   * How many untagged images each model's repository keeps (a model can override it).
   *
   * @default 10
   */
  readonly untaggedImagesToKeep?: number;

  /**
   * Prefix of the ECR repository names: a model's repository is `<prefix>/<lowercased model name>`.
   *
   * @default 'models'
   * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/Repositories.html
   */
  readonly repositoryNamePrefix?: string;

  /**
   * AWS accounts that consume the models (a production account deploying what this account trained).
   * Each gets, by resource policies: read on each model's artifact prefix, decrypt on the key through S3
   * only, pull on each model's repository, and describe plus create-model on each model's
   * package group.
   *
   * @default - no cross-account access
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-ram.html
   */
  readonly consumerAccounts?: string[];

  /**
   * A managed MLflow tracking server whose artifact store is the `mlflow/` prefix of the artifact bucket.
   *
   * @default - no tracking server
   */
  readonly experimentTracking?: ExperimentTrackingOptions;
}

/**
 * A model of a {@link ModelRegistry}: where its artifacts, images and packages live.
 */
export interface RegisteredModel {
  /** The model's name. */
  readonly name: string;
  /** The S3 key prefix of the model's artifacts in the registry bucket, ending in `/`. */
  readonly artifactsPrefix: string;
  /** The model's image repository. */
  readonly repository: ecr.IRepository;
  /** The model's package group (L1: aws-cdk-lib has no L2 for it). */
  readonly modelPackageGroup: sagemaker.CfnModelPackageGroup;
  /** The model package group's name. */
  readonly modelPackageGroupName: string;
  /** The model package group's ARN, built without a reference so policies can name it. */
  readonly modelPackageGroupArn: string;
}

const DEFAULT_UNTAGGED_IMAGES = 10;
const MLFLOW_PREFIX = 'mlflow/';
const ACCESS_LOGS_PREFIX = 'artifacts/';

/**
 * Where a {@link ModelRegistry} defined in another stack, app or account lives, for
 * {@link ModelRegistry.fromModelRegistryAttributes}.
 */
export interface ModelRegistryAttributes {
  /**
   * Name of the registry's artifact bucket (its `artifactBucket.bucketName`).
   *
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
   */
  readonly artifactBucketName: string;

  /**
   * ARN of the key that encrypts the registry (its `encryptionKey.keyArn`). A key ARN, not an alias: key
   * policies and identity policies name keys by key ARN.
   *
   * @see https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN
   */
  readonly encryptionKeyArn: string;

  /**
   * Prefix of the registry's ECR repository names.
   *
   * @default 'models'
   */
  readonly repositoryNamePrefix?: string;

  /**
   * Account of the registry's repositories and model package groups.
   *
   * @default - the account in `encryptionKeyArn`, or the stack's when that ARN is a token
   */
  readonly account?: string;

  /**
   * Region of the registry's repositories, model package groups and bucket.
   *
   * @default - the region in `encryptionKeyArn`, or the stack's when that ARN is a token
   */
  readonly region?: string;
}

/**
 * A model registry, defined in this app or imported from another stack, app or account: where model artifacts
 * and images live, and the grants on them.
 */
export interface IModelRegistry extends IConstruct {
  /** The bucket of model artifacts. */
  readonly artifactBucket: s3.IBucket;
  /** The key that encrypts artifacts and images. */
  readonly encryptionKey: kms.IKey;
  /** Prefix of the models' ECR repository names: a model's repository is `<prefix>/<lowercased model name>`. */
  readonly repositoryNamePrefix: string;

  /** Let `grantee` read artifacts of one model, or of every model when `modelName` is omitted. */
  grantRead(grantee: iam.IGrantable, modelName?: string): iam.Grant;
  /** Let `grantee` upload artifacts of one model, or anywhere in the bucket when `modelName` is omitted. */
  grantWrite(grantee: iam.IGrantable, modelName?: string): iam.Grant;
  /** Let `grantee` pull a model's images. */
  grantPull(grantee: iam.IGrantable, modelName: string): iam.Grant;
  /** Let `grantee` push (and pull) a model's images. */
  grantPush(grantee: iam.IGrantable, modelName: string): iam.Grant;
  /** Let `grantee` register versions in a model's package group. */
  grantRegister(grantee: iam.IGrantable, modelName: string): iam.Grant;
}

/**
 * The grants shared by {@link ModelRegistry} and registries imported with
 * {@link ModelRegistry.fromModelRegistryAttributes}, so both give the same least-privilege statements.
 */
export abstract class ModelRegistryBase extends Construct implements IModelRegistry {
  public abstract readonly artifactBucket: s3.IBucket;
  public abstract readonly encryptionKey: kms.IKey;
  public abstract readonly repositoryNamePrefix: string;

  /** Account and region of ARNs the registry builds; empty means those of the stack. */
  protected abstract readonly arnEnv: { readonly account?: string; readonly region?: string };

  /**
   * Let `grantee` read artifacts: of one model (its prefix only) when `modelName` is given, else of every
   * model and the tracking server. Includes `kms:Decrypt`, usable through S3 only.
   */
  public grantRead(grantee: iam.IGrantable, modelName?: string): iam.Grant {
    const prefix = this.artifactsPrefixOf(modelName);
    return iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: [this.artifactBucket.arnForObjects(`${prefix}*`)],
      resource: this.artifactBucket,
    }).combine(this.grantList(grantee, prefix)).combine(this.grantKeyViaS3(grantee, 'kms:Decrypt'));
  }

  /**
   * Let `grantee` upload artifacts: of one model (its prefix only) when `modelName` is given, else anywhere
   * in the bucket. Uploads only: no delete, no ACL or retention changes. Includes `kms:GenerateDataKey` and
   * `kms:Decrypt` (multipart uploads need both), usable through S3 only.
   */
  public grantWrite(grantee: iam.IGrantable, modelName?: string): iam.Grant {
    const prefix = this.artifactsPrefixOf(modelName);
    return iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: [this.artifactBucket.arnForObjects(`${prefix}*`)],
      resource: this.artifactBucket,
    }).combine(this.grantKeyViaS3(grantee, 'kms:GenerateDataKey', 'kms:Decrypt'));
  }

  /**
   * Let `grantee` pull a model's images. ECR decrypts layers with its own grant on the key, so no KMS
   * permission is needed.
   *
   * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html
   */
  public grantPull(grantee: iam.IGrantable, modelName: string): iam.Grant {
    return this.repositoryOf(modelName).grantPull(grantee);
  }

  /**
   * Let `grantee` push (and pull) a model's images. ECR encrypts with its own grant on the key, so no KMS
   * permission is needed.
   */
  public grantPush(grantee: iam.IGrantable, modelName: string): iam.Grant {
    return this.repositoryOf(modelName).grantPullPush(grantee);
  }

  /**
   * Let `grantee` register versions in a model's package group: create, describe and list model packages,
   * and tag them. Approving a version is not included. No KMS permission is needed.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-version.html
   */
  public grantRegister(grantee: iam.IGrantable, modelName: string): iam.Grant {
    const name = this.checkedModelName(modelName);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'sagemaker:CreateModelPackage',
        'sagemaker:DescribeModelPackageGroup',
        'sagemaker:DescribeModelPackage',
        'sagemaker:ListModelPackages',
        'sagemaker:AddTags',
      ],
      resourceArns: [this.packageGroupArn(name), this.packagesArn(name)],
    });
  }

  /** The S3 key prefix of a model's artifacts, or `''` for the whole bucket when `modelName` is omitted. */
  protected abstract artifactsPrefixOf(modelName?: string): string;

  /** A model's image repository. */
  protected abstract repositoryOf(modelName: string): ecr.IRepository;

  /** The model's name once checked, as the package group is named. */
  protected abstract checkedModelName(modelName: string): string;

  /** The ARN of a model's package group; SageMaker ARNs carry names in lowercase. */
  protected packageGroupArn(name: string): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: name.toLowerCase(), ...this.arnEnv });
  }

  /** The ARN pattern of a model's package versions. */
  protected packagesArn(name: string): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${name.toLowerCase()}/*`, ...this.arnEnv });
  }

  private grantList(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.artifactBucket.bucketArn],
      resource: this.artifactBucket,
      conditions: prefix ? { StringLike: { 's3:prefix': [`${prefix}*`] } } : undefined,
    });
  }

  /**
   * KMS actions usable through S3 only and, in an identity policy, only for this bucket: with an S3 Bucket Key
   * the encryption context S3 passes to KMS is the bucket ARN. A statement that lands in the key policy (a
   * grantee in another account, or one that takes no identity policy) cannot name the bucket: the bucket
   * already references the key, so the key referencing the bucket would be a cycle CloudFormation rejects.
   *
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
   */
  private grantKeyViaS3(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    const viaS3 = this.viaS3();
    const principalGrant = iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.encryptionKey.keyArn],
      conditions: {
        StringEquals: { ...viaS3, 'kms:EncryptionContext:aws:s3:arn': this.artifactBucket.bucketArn },
      },
    });
    if (principalGrant.success && this.inKeyAccount(grantee)) {
      return principalGrant;
    }
    return principalGrant.combine(iam.Grant.addStatementToResourcePolicy({
      grantee,
      actions,
      resourceArns: ['*'],
      resource: this.encryptionKey,
      statement: new iam.PolicyStatement({
        principals: [grantee.grantPrincipal],
        actions,
        resources: ['*'],
        conditions: { StringEquals: viaS3 },
      }),
    }));
  }

  /** The same account test as `iam.Grant.addToPrincipalOrResource`, so grants land where aws-cdk-lib's would. */
  private inKeyAccount(grantee: iam.IGrantable): boolean {
    const account = grantee.grantPrincipal.principalAccount;
    if (!account) {
      return false;
    }
    const comparison = Token.compareStrings(this.encryptionKey.env.account, account);
    return comparison === TokenComparison.SAME || comparison === TokenComparison.BOTH_UNRESOLVED;
  }

  /** KMS use through S3 in the registry's region only. */
  protected viaS3(): Record<string, string> {
    const stack = Stack.of(this);
    return { 'kms:ViaService': `s3.${this.arnEnv.region ?? stack.region}.${stack.urlSuffix}` };
  }
}

/**
 * One governed place for trained models: artifacts in S3, images in ECR and versioned, approvable model
 * packages in the SageMaker Model Registry, all encrypted with one customer-managed key and retained by
 * default.
 *
 * - Artifact bucket: versioned, SSE-KMS with a bucket key, public access blocked, TLS only, server access
 *   logs to a log bucket (SSE-S3, the only encryption log delivery supports), noncurrent versions moved to
 *   Standard-IA and then expired, incomplete uploads aborted, optional Object Lock.
 * - Per model: an ECR repository (scan on push, immutable tags, KMS, untagged images expire) and a
 *   `AWS::SageMaker::ModelPackageGroup`, tagged with the model's name.
 * - Cross-account consumers get least-privilege resource policies; grants cover the KMS actions they need.
 * - Optional SageMaker managed MLflow tracking server storing its artifacts in the same bucket.
 *
 * @example
 * const registry = new ModelRegistry(stack, 'Registry', {
 *   models: [{ name: 'fraud-scoring' }],
 *   consumerAccounts: ['111122223333'],
 *   experimentTracking: {},
 * });
 * registry.addModel('churn-forecast', { untaggedImagesToKeep: 5 });
 * registry.grantWrite(trainingRole, 'fraud-scoring');
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry.html
 */
export class ModelRegistry extends ModelRegistryBase {
  /**
   * A registry defined elsewhere (another stack, app or account), to grant on: the grants give the same
   * least-privilege statements as those of a registry defined here. Models are not listed: any valid model
   * name is accepted, spelled as the registry spells it (artifact prefixes are case-sensitive). Resource
   * policies of an imported registry cannot change, so a grantee in another account also needs the
   * registry's `consumerAccounts` (or an equivalent statement where the registry is defined).
   */
  public static fromModelRegistryAttributes(scope: Construct, id: string, attrs: ModelRegistryAttributes): IModelRegistry {
    return new ImportedModelRegistry(scope, id, attrs);
  }

  /** The key that encrypts artifacts and images. */
  public readonly encryptionKey: kms.IKey;
  /** The bucket of model artifacts. */
  public readonly artifactBucket: s3.Bucket;
  /** The bucket that receives the artifact bucket's server access logs. */
  public readonly accessLogsBucket: s3.Bucket;
  /** Prefix of the models' ECR repository names. */
  public readonly repositoryNamePrefix: string;
  /** The MLflow tracking server, when experiment tracking is on. */
  public readonly trackingServer?: sagemaker.CfnMlflowTrackingServer;
  /** The role the MLflow tracking server runs as, when experiment tracking is on. */
  public readonly trackingServerRole?: iam.IRole;

  private readonly removalPolicy: RemovalPolicy;
  private readonly autoDeleteObjects: boolean;
  private readonly untaggedImagesToKeep: number;
  private readonly consumerAccounts: readonly string[];
  private readonly tracking?: TrackingServer;
  private readonly modelsByKey = new Map<string, RegisteredModel>();
  protected readonly arnEnv = {};

  constructor(scope: Construct, id: string, props: ModelRegistryProps = {}) {
    super(scope, id);
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.autoDeleteObjects = props.autoDeleteObjects ?? false;
    this.untaggedImagesToKeep = props.untaggedImagesToKeep ?? DEFAULT_UNTAGGED_IMAGES;
    this.repositoryNamePrefix = props.repositoryNamePrefix ?? 'models';
    this.consumerAccounts = props.consumerAccounts ?? [];
    const versioned = props.versioned ?? true;
    const models = props.models ?? [];

    const problems = [
      ...removalPolicyProblems(this.removalPolicy),
      ...repositoryPrefixProblems(this.repositoryNamePrefix),
      ...accountIdProblems('consumerAccounts', this.consumerAccounts),
      ...imageCountProblems('untaggedImagesToKeep', this.untaggedImagesToKeep),
    ];
    if (this.autoDeleteObjects && this.removalPolicy !== RemovalPolicy.DESTROY) {
      problems.push(`autoDeleteObjects (true) requires removalPolicy DESTROY (got ${this.removalPolicy}); ` +
        'emptying a bucket that is kept would lose the artifacts anyway: set removalPolicy: RemovalPolicy.DESTROY or drop autoDeleteObjects');
    }
    const lifecycle = lifecycleDays(props, problems);
    const lock = objectLockRetention(props.objectLock, versioned, this.autoDeleteObjects, problems);
    const seen = new Map<string, number>();
    models.forEach((model, i) => {
      const nameProblems = modelNameProblems(`models[${i}].name`, model.name);
      problems.push(...nameProblems, ...imageCountProblems(`models[${i}].untaggedImagesToKeep`, model.untaggedImagesToKeep));
      if (nameProblems.length === 0) {
        const key = model.name.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined) {
          problems.push(`models[${i}].name ("${model.name}") duplicates models[${first}].name ("${models[first].name}"); ` +
            'names are unique regardless of case, because ECR repository names and SageMaker ARNs are lowercase: rename one');
        } else {
          seen.set(key, i);
        }
      }
    });
    const tracking = props.experimentTracking;
    if (tracking?.trackingServerName !== undefined) {
      problems.push(...trackingServerNameProblems(tracking.trackingServerName));
    }
    throwIfProblems(this, 'invalid ModelRegistry props', problems);

    if (!versioned) {
      Annotations.of(this).addWarningV2('mlops-stack:registry-unversioned',
        'versioned is false: an artifact uploaded under an existing key replaces the previous one for good. Keep versioning on unless ' +
        'every artifact key is unique.');
    }
    if (lock?.duration && lifecycle.expirationDays !== undefined && lock.days !== undefined && lifecycle.expirationDays < lock.days) {
      Annotations.of(this).addWarningV2('mlops-stack:registry-expiration-within-lock',
        `noncurrentVersionExpiration (${lifecycle.expirationDays} days) is shorter than the Object Lock retention (${lock.days} days): ` +
        'S3 cannot expire locked versions, so they stay (and are billed) until the lock ends.');
    }

    if (props.encryptionKey) {
      this.encryptionKey = props.encryptionKey;
    } else {
      this.encryptionKey = new kms.Key(this, 'Key', {
        description: `Encrypts the model artifacts and images of ${this.node.path}`,
        enableKeyRotation: true,
        removalPolicy: this.removalPolicy,
      });
    }

    this.accessLogsBucket = createAccessLogsBucket(this, {
      logsOf: 'the artifact bucket', removalPolicy: this.removalPolicy, autoDeleteObjects: this.autoDeleteObjects,
    });

    this.artifactBucket = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      // One data key per bucket instead of per object: far fewer KMS requests (and their cost) per upload.
      bucketKeyEnabled: true,
      versioned,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      objectLockEnabled: lock !== undefined ? true : undefined,
      objectLockDefaultRetention: lock?.retention,
      lifecycleRules: [
        {
          id: 'abort-incomplete-uploads',
          abortIncompleteMultipartUploadAfter: lifecycle.abortAfter,
        },
        ...(versioned ? [{
          id: 'noncurrent-versions',
          noncurrentVersionTransitions: [{
            storageClass: s3.StorageClass.INFREQUENT_ACCESS,
            transitionAfter: lifecycle.transitionAfter,
          }],
          noncurrentVersionExpiration: lifecycle.expiration,
        }] : []),
      ],
      removalPolicy: this.removalPolicy,
      autoDeleteObjects: this.autoDeleteObjects,
    });

    this.logAccessTo(this.accessLogsBucket, ACCESS_LOGS_PREFIX);

    if (this.consumerAccounts.length > 0) {
      this.allowConsumersToDecrypt();
    }

    if (tracking) {
      this.tracking = new TrackingServer(this, 'Tracking', {
        bucket: this.artifactBucket,
        key: this.encryptionKey,
        prefix: MLFLOW_PREFIX,
        trackingServerName: tracking.trackingServerName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }),
        size: (tracking.size ?? TrackingServerSize.SMALL).value,
        mlflowVersion: tracking.mlflowVersion,
        automaticModelRegistration: tracking.automaticModelRegistration ?? false,
        removalPolicy: this.removalPolicy,
      });
      this.trackingServer = this.tracking.server;
      this.trackingServerRole = this.tracking.role;
    }

    for (const model of models) {
      this.createModel(model.name, model);
    }
  }

  /** Every model of the registry, in the order they were added. */
  public get models(): RegisteredModel[] {
    return [...this.modelsByKey.values()];
  }

  /**
   * Add a model: its ECR repository and its SageMaker model package group, tagged with its name, plus the
   * consumer accounts' access to it.
   *
   * @param name the model's name; see {@link ModelDefinition.name} for the rules.
   */
  public addModel(name: string, options: ModelOptions = {}): RegisteredModel {
    const problems = [
      ...modelNameProblems('name', name),
      ...imageCountProblems('untaggedImagesToKeep', options.untaggedImagesToKeep),
    ];
    const existing = problems.length === 0 ? this.modelsByKey.get(name.toLowerCase()) : undefined;
    if (existing) {
      problems.push(`name ("${name}") duplicates the model "${existing.name}" of this registry; names are unique regardless of case: choose another name`);
    }
    throwIfProblems(this, `invalid model "${name}"`, problems);
    return this.createModel(name, options);
  }

  /**
   * The model called `name`.
   *
   * @throws MlopsStackError when the registry has no such model
   */
  public model(name: string): RegisteredModel {
    const model = this.modelsByKey.get(name.toLowerCase());
    if (!model) {
      const known = this.models.map(m => `"${m.name}"`).join(', ') || 'none yet';
      throw validationError(this, `modelName ("${name}") is not a model of this registry (models: ${known}); add it with addModel or the models prop first`);
    }
    return model;
  }

  protected artifactsPrefixOf(modelName?: string): string {
    return modelName === undefined ? '' : this.model(modelName).artifactsPrefix;
  }

  protected repositoryOf(modelName: string): ecr.IRepository {
    return this.model(modelName).repository;
  }

  protected checkedModelName(modelName: string): string {
    return this.model(modelName).name;
  }

  private createModel(name: string, options: ModelOptions): RegisteredModel {
    const scope = new Construct(this, name);
    CostAttribution.tagModel(scope, name);
    if (options.team !== undefined) {
      CostAttribution.apply(scope, { tags: { [CostAttribution.schemaOf(this).teamKey]: options.team } });
    }
    const artifactsPrefix = `models/${name}/`;

    const repository = new ecr.Repository(scope, 'Images', {
      repositoryName: `${this.repositoryNamePrefix}/${name.toLowerCase()}`,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: this.encryptionKey,
      lifecycleRules: [{
        description: `Keep the last ${options.untaggedImagesToKeep ?? this.untaggedImagesToKeep} untagged images`,
        tagStatus: ecr.TagStatus.UNTAGGED,
        maxImageCount: options.untaggedImagesToKeep ?? this.untaggedImagesToKeep,
      }],
      removalPolicy: this.removalPolicy,
      emptyOnDelete: this.autoDeleteObjects || undefined,
    });

    const groupArn = this.packageGroupArn(name);
    const packagesArn = this.packagesArn(name);
    const group = new sagemaker.CfnModelPackageGroup(scope, 'PackageGroup', {
      modelPackageGroupName: name,
      modelPackageGroupDescription: options.description ?? `Model packages of ${name}`,
    });
    group.applyRemovalPolicy(this.removalPolicy);

    if (this.consumerAccounts.length > 0) {
      const principals = this.consumerAccounts.map(account => new iam.AccountPrincipal(account));
      this.artifactBucket.addToResourcePolicy(new iam.PolicyStatement({
        principals,
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.artifactBucket.arnForObjects(`${artifactsPrefix}*`)],
      }));
      this.artifactBucket.addToResourcePolicy(new iam.PolicyStatement({
        principals,
        actions: ['s3:ListBucket'],
        resources: [this.artifactBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${artifactsPrefix}*`] } },
      }));
      repository.addToResourcePolicy(new iam.PolicyStatement({
        principals,
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      }));
      group.modelPackageGroupPolicy = new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            principals,
            actions: ['sagemaker:DescribeModelPackageGroup'],
            resources: [groupArn],
          }),
          new iam.PolicyStatement({
            principals,
            actions: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel'],
            resources: [packagesArn],
          }),
        ],
      });
    }
    this.tracking?.allowRegistration(groupArn, packagesArn, name.toLowerCase());

    const model: RegisteredModel = {
      name,
      artifactsPrefix,
      repository,
      modelPackageGroup: group,
      modelPackageGroupName: name,
      modelPackageGroupArn: groupArn,
    };
    this.modelsByKey.set(name.toLowerCase(), model);
    return model;
  }

  /**
   * Consumers decrypt through S3 in this region only; the bucket policy scopes them to the models' prefixes.
   * This statement cannot carry the `kms:EncryptionContext:aws:s3:arn` condition that the grants carry: the
   * bucket references the key, so a key policy naming the bucket would be a cycle CloudFormation rejects. The
   * key's only S3 use is this bucket unless the user shares a key.
   */
  private allowConsumersToDecrypt(): void {
    const added = this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: this.consumerAccounts.map(account => new iam.AccountPrincipal(account)),
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: this.viaS3() },
    }), true);
    if (!added.statementAdded) {
      Annotations.of(this).addWarningV2('mlops-stack:registry-key-policy-not-updated',
        'the key passed as encryptionKey is not managed by this stack, so its key policy cannot be changed: consumerAccounts ' +
        `(${this.consumerAccounts.join(', ')}) need kms:Decrypt on it with kms:ViaService s3.<region>.amazonaws.com, added where the key is defined.`);
    }
  }

  /**
   * Server access logs delivered under a bucket policy rather than the log-delivery ACL that aws-cdk-lib uses
   * unless an app sets `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`: ACLs need ObjectWriter ownership,
   * and a library cannot rely on an app's feature flags.
   *
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general
   */
  private logAccessTo(logs: s3.Bucket, prefix: string): void {
    const cfn = this.artifactBucket.node.defaultChild as s3.CfnBucket;
    cfn.loggingConfiguration = { destinationBucketName: logs.bucketName, logFilePrefix: prefix };
    logs.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [logs.arnForObjects(`${prefix}*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': this.artifactBucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      },
    }));
  }


}

/** A registry defined elsewhere, known by the names and ARNs of its parts. */
class ImportedModelRegistry extends ModelRegistryBase {
  public readonly artifactBucket: s3.IBucket;
  public readonly encryptionKey: kms.IKey;
  public readonly repositoryNamePrefix: string;
  protected readonly arnEnv: { readonly account?: string; readonly region?: string };
  private readonly repositories = new Map<string, ecr.IRepository>();

  constructor(scope: Construct, id: string, attrs: ModelRegistryAttributes) {
    super(scope, id);
    this.repositoryNamePrefix = attrs.repositoryNamePrefix ?? 'models';
    throwIfProblems(this, 'invalid ModelRegistry attributes', [
      ...bucketNameProblems('artifactBucketName', attrs.artifactBucketName),
      ...keyArnProblems('encryptionKeyArn', attrs.encryptionKeyArn),
      ...repositoryPrefixProblems(this.repositoryNamePrefix),
      ...(attrs.account === undefined ? [] : singleAccountIdProblems('account', attrs.account)),
    ]);
    const keyArn = isResolved(attrs.encryptionKeyArn) ? Arn.split(attrs.encryptionKeyArn, ArnFormat.SLASH_RESOURCE_NAME) : undefined;
    this.arnEnv = {
      account: attrs.account ?? keyArn?.account,
      region: attrs.region ?? keyArn?.region,
    };
    this.encryptionKey = kms.Key.fromKeyArn(this, 'Key', attrs.encryptionKeyArn);
    this.artifactBucket = s3.Bucket.fromBucketAttributes(this, 'Artifacts', {
      bucketName: attrs.artifactBucketName,
      account: this.arnEnv.account,
      region: this.arnEnv.region,
    });
  }

  protected artifactsPrefixOf(modelName?: string): string {
    return modelName === undefined ? '' : `models/${this.checkedModelName(modelName)}/`;
  }

  protected repositoryOf(modelName: string): ecr.IRepository {
    const name = this.checkedModelName(modelName).toLowerCase();
    let repository = this.repositories.get(name);
    if (!repository) {
      const repositoryName = `${this.repositoryNamePrefix}/${name}`;
      repository = ecr.Repository.fromRepositoryAttributes(this, `Images-${name}`, {
        repositoryName,
        repositoryArn: Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: repositoryName, ...this.arnEnv }),
      });
      this.repositories.set(name, repository);
    }
    return repository;
  }

  protected checkedModelName(modelName: string): string {
    throwIfProblems(this, `invalid model "${modelName}"`, modelNameProblems('modelName', modelName));
    return modelName;
  }
}

interface LifecycleDays {
  readonly transitionAfter: Duration;
  readonly expiration: Duration;
  readonly abortAfter: Duration;
  readonly expirationDays?: number;
}

function lifecycleDays(props: ModelRegistryProps, problems: string[]): LifecycleDays {
  const transitionAfter = props.noncurrentVersionTransitionAfter ?? Duration.days(30);
  const expiration = props.noncurrentVersionExpiration ?? Duration.days(365);
  const abortAfter = props.abortIncompleteMultipartUploadAfter ?? Duration.days(7);
  const transition = wholeDays('noncurrentVersionTransitionAfter', transitionAfter, 30,
    ', the S3 minimum before a transition to Standard-IA; raise it or keep the default (30 days)');
  const expire = wholeDays('noncurrentVersionExpiration', expiration, 1, '; use a positive number of days such as Duration.days(365)');
  const abort = wholeDays('abortIncompleteMultipartUploadAfter', abortAfter, 1, '; use a positive number of days such as Duration.days(7)');
  for (const r of [transition, expire, abort]) {
    if (r.problem) {
      problems.push(r.problem);
    }
  }
  if (transition.days !== undefined && expire.days !== undefined && expire.days <= transition.days) {
    problems.push(`noncurrentVersionExpiration (${expire.days} days) must be later than noncurrentVersionTransitionAfter (${transition.days} days), ` +
      'or versions would expire before (or when) they move to Standard-IA; raise noncurrentVersionExpiration or lower the transition');
  }
  return { transitionAfter, expiration, abortAfter, expirationDays: expire.days };
}

interface LockRetention {
  readonly retention?: s3.ObjectLockRetention;
  readonly duration?: Duration;
  readonly days?: number;
}

function objectLockRetention(
  lock: ArtifactObjectLockOptions | undefined, versioned: boolean, autoDeleteObjects: boolean, problems: string[],
): LockRetention | undefined {
  if (!lock) {
    return undefined;
  }
  if (!versioned) {
    problems.push('objectLock requires versioning, but versioned is false: S3 locks object versions; set versioned: true (the default) or drop objectLock');
  }
  if (autoDeleteObjects) {
    problems.push('autoDeleteObjects (true) cannot empty a bucket with objectLock: locked versions cannot be deleted; drop one of them');
  }
  if (lock.mode !== undefined && lock.defaultRetention === undefined) {
    problems.push(`objectLock.mode (${lock.mode}) needs objectLock.defaultRetention, the period new versions stay locked; ` +
      'give one such as Duration.days(365), or drop mode to lock objects one by one');
    return {};
  }
  if (lock.defaultRetention !== undefined && lock.mode === undefined) {
    problems.push(`objectLock.defaultRetention (${lock.defaultRetention.toHumanString()}) needs objectLock.mode: ` +
      's3.ObjectLockMode.GOVERNANCE or s3.ObjectLockMode.COMPLIANCE');
    return {};
  }
  if (lock.mode === undefined || lock.defaultRetention === undefined) {
    return {};
  }
  const { days, problem } = wholeDays('objectLock.defaultRetention', lock.defaultRetention, 1, '; use a positive number of days such as Duration.days(365)');
  if (problem) {
    problems.push(problem);
    return {};
  }
  const retention = lock.mode === s3.ObjectLockMode.COMPLIANCE
    ? s3.ObjectLockRetention.compliance(lock.defaultRetention)
    : s3.ObjectLockRetention.governance(lock.defaultRetention);
  return { retention, duration: lock.defaultRetention, days };
}
