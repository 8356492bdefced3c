import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { isResolved } from '../../private/tokens';

/**
 * SageMaker's rule for model package group names. Model names become group names as they are, so they follow
 * it too.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackageGroup.html
 */
export const MODEL_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** ECR repository names: lowercase path segments with single `.`, `_` or `-` separators. */
const ECR_REPOSITORY_PREFIX_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/**
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateMlflowTrackingServer.html
 */
const TRACKING_SERVER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/** @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** @see https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN */
const KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-zA-Z0-9-]+$/;

/**
 * Problems with a model name. `what` names the input, e.g. `models[1].name`.
 */
export function modelNameProblems(what: string, name: string): string[] {
  if (!isResolved(name)) {
    return [`${what} must be a literal string, not a token: it becomes a construct id, an S3 prefix and an ECR repository name at synth time`];
  }
  if (!MODEL_NAME_PATTERN.test(name)) {
    return [`${what} ("${name}") must match ${MODEL_NAME_PATTERN.source} (1 to 63 letters, digits and hyphens, starting and ending ` +
      'with a letter or digit), because it becomes the SageMaker model package group name; e.g. "fraud-scoring"'];
  }
  if (name.includes('--')) {
    return [`${what} ("${name}") must not contain consecutive hyphens: ECR repository names allow only single separators; e.g. "${name.replace(/-+/g, '-')}"`];
  }
  return [];
}

/** Problems with the ECR repository name prefix. */
export function repositoryPrefixProblems(prefix: string): string[] {
  if (!isResolved(prefix) || ECR_REPOSITORY_PREFIX_PATTERN.test(prefix)) {
    return [];
  }
  return [`repositoryNamePrefix ("${prefix}") must be a valid ECR repository name (lowercase letters and digits, single ".", "_" or "-" ` +
    'separators, "/" between segments, no leading or trailing "/"); e.g. "models" or "ml/models"'];
}

/** Problems with a list of AWS account IDs. */
export function accountIdProblems(what: string, accounts: readonly string[]): string[] {
  const problems: string[] = [];
  accounts.forEach((account, i) => {
    if (isResolved(account) && !ACCOUNT_ID_PATTERN.test(account)) {
      problems.push(`${what}[${i}] ("${account}") must be a 12-digit AWS account ID, e.g. "111122223333"`);
    }
  });
  const seen = new Set<string>();
  for (const account of accounts) {
    if (isResolved(account) && seen.has(account)) {
      problems.push(`${what} lists "${account}" twice; list each account once`);
    }
    seen.add(account);
  }
  return problems;
}

/**
 * Problems with a count of untagged images to keep. `what` names the input, e.g. `models[1].untaggedImagesToKeep`.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
 */
export function imageCountProblems(what: string, count: number | undefined): string[] {
  if (count === undefined || (Number.isInteger(count) && count >= 1 && count <= 1000)) {
    return [];
  }
  return [`${what} (${count}) must be a whole number from 1 to 1000 (ECR lifecycle rules count images); e.g. 10`];
}

/** Problems with one AWS account ID. */
export function singleAccountIdProblems(what: string, account: string): string[] {
  if (!isResolved(account) || ACCOUNT_ID_PATTERN.test(account)) {
    return [];
  }
  return [`${what} ("${account}") must be a 12-digit AWS account ID, e.g. "111122223333"`];
}

/** Problems with the name of an existing S3 bucket. */
export function bucketNameProblems(what: string, name: string): string[] {
  if (!isResolved(name) || BUCKET_NAME_PATTERN.test(name)) {
    return [];
  }
  return [`${what} ("${name}") must be an S3 bucket name (3 to 63 lowercase letters, digits, "." and "-", starting and ending with a ` +
    'letter or digit), not an ARN or URL; e.g. the registry stack\'s artifactBucket.bucketName'];
}

/** Problems with the ARN of a KMS key. */
export function keyArnProblems(what: string, arn: string): string[] {
  if (!isResolved(arn) || KEY_ARN_PATTERN.test(arn)) {
    return [];
  }
  return [`${what} ("${arn}") must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), not a key ID or an alias: ` +
    'policies name keys by key ARN; use the registry\'s encryptionKey.keyArn'];
}

/** Problems with a tracking server name. */
export function trackingServerNameProblems(name: string): string[] {
  if (!isResolved(name) || TRACKING_SERVER_NAME_PATTERN.test(name)) {
    return [];
  }
  return [`experimentTracking.trackingServerName ("${name}") must match ${TRACKING_SERVER_NAME_PATTERN.source} ` +
    '(letters, digits and hyphens, starting and ending with a letter or digit); e.g. "ml-experiments"'];
}

/**
 * Whole days of a duration, or the problem with it. Unresolved durations yield `undefined` and no problem.
 */
export function wholeDays(what: string, duration: Duration, minDays: number, why: string): { days?: number; problem?: string } {
  if (duration.isUnresolved()) {
    return {};
  }
  const days = duration.toDays({ integral: false });
  if (!Number.isInteger(days)) {
    return { problem: `${what} (${duration.toHumanString()}) must be a whole number of days; S3 counts lifecycle and retention periods in days` };
  }
  if (days < minDays) {
    return { problem: `${what} (${days} days) must be at least ${minDays} day(s)${why}` };
  }
  return { days };
}

/** Problems with a removal policy for the registry's resources. */
export function removalPolicyProblems(policy: RemovalPolicy): string[] {
  if (policy === RemovalPolicy.SNAPSHOT) {
    return ['removalPolicy (SNAPSHOT) is not supported by buckets, keys, repositories or model package groups; use RETAIN (the default), RETAIN_ON_UPDATE_OR_DELETE or DESTROY'];
  }
  return [];
}
