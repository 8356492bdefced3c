import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  type ModelPackageSummary,
} from '@aws-sdk/client-sagemaker';
import { decidePromotion, validateRule, type GateCandidate, type GateDecision, type GateRule } from './decision';
import { ModelGateError } from './errors';
import { findMetricInEvaluation, parseMetricValue, parseS3Uri, type MetricReading } from './metrics';
import { backoffMs, isRetryable, realSleep, type Sleep } from '../cost-report/explorer/throttle';

/** Options of {@link runModelGate}. */
export interface ModelGateOptions extends GateRule {
  /** The model package group (name or ARN) whose packages are compared. */
  readonly modelPackageGroupName: string;
  /**
   * A dot-separated path to the metric inside the evaluation JSON (`evaluation.holdout.auc`), for documents
   * that follow neither the SageMaker model quality format nor `{"metrics": {...}}`.
   *
   * @default - the metric name is looked up as described in {@link findMetricInEvaluation}
   */
  readonly metricPath?: string;
  /**
   * Decide, but change nothing (no `UpdateModelPackage` call).
   *
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * The SageMaker client. A client passed in keeps its own retry settings, which apply within each of the gate's
   * attempts (create it with `maxAttempts: 1` to leave retrying to the gate).
   *
   * @default - a client from the default credential chain and region, with the gate's own retries only
   */
  readonly sagemaker?: SageMakerClient;
  /** @default - a client like the SageMaker one's */
  readonly s3?: S3Client;
  /**
   * One endpoint for SageMaker and S3 (a local test server); S3 is then addressed path-style.
   *
   * @default - the AWS endpoints of the region
   */
  readonly endpoint?: string;
  /**
   * Attempts per request when AWS throttles (`ThrottlingException`) or fails with a 5xx, with exponential
   * backoff and jitter between them (0.2 s doubling up to 5 s).
   *
   * @default 5
   */
  readonly maxAttempts?: number;
  /** How to wait between attempts (tests). @default - real timers */
  readonly sleep?: Sleep;
  /** Called with a line of progress for each step. @default - silent */
  readonly onProgress?: (line: string) => void;
}

/** What {@link runModelGate} did. */
export interface ModelGateResult {
  /** The group the packages came from. */
  readonly modelPackageGroupName: string;
  /** The decision, with both sides' values and the description written to the challenger. */
  readonly decision: GateDecision;
  /** Whether the challenger's approval status was changed (false in a dry run and with no decision). */
  readonly applied: boolean;
  /** The approval status written to the challenger. @default - none written */
  readonly newStatus?: 'Approved' | 'Rejected';
  /** Model packages listed in the group. */
  readonly packagesListed: number;
  /** Requests to SageMaker and S3, retries included. */
  readonly requests: number;
  /** Requests retried after throttling or a server error. */
  readonly retries: number;
}

/**
 * The champion/challenger gate of a SageMaker model package group.
 *
 * Lists the group's model packages (every page), takes the newest `Approved` one as the champion and the newest
 * `PendingManualApproval` one as the challenger (newest = highest version, then latest creation time; only
 * packages whose `ModelPackageStatus` is `Completed`), reads both packages' metric, decides with
 * {@link decidePromotion}, and, unless `dryRun`, sets the challenger's `ModelApprovalStatus` to `Approved` or
 * `Rejected` with the decision as its `ApprovalDescription`. The champion is left as it is: once the challenger is
 * approved it is the newest approved package, so the next run compares with it.
 *
 * A package's metric is read from the JSON its `ModelMetrics.ModelQuality.Statistics.S3Uri` points at; when the
 * package has none or the JSON lacks the metric, from its `CustomerMetadataProperties` under the metric's name.
 *
 * IAM: `sagemaker:ListModelPackages` (resource `*`), `sagemaker:DescribeModelPackage` and
 * `sagemaker:UpdateModelPackage` on the group's packages (`arn:aws:sagemaker:<region>:<account>:model-package/<group>/*`),
 * `s3:GetObject` on the evaluation objects (and `kms:Decrypt` on their key).
 *
 * @throws ModelGateError for bad options, AWS failures (credentials, access denied naming the action,
 *   throttling after `maxAttempts`) and missing or malformed metrics; nothing is changed then.
 */
export async function runModelGate(options: ModelGateOptions): Promise<ModelGateResult> {
  validateRule(options);
  if (typeof options.modelPackageGroupName !== 'string' || options.modelPackageGroupName.trim() === '') {
    throw new ModelGateError('bad-option', `modelPackageGroupName (${JSON.stringify(options.modelPackageGroupName)}) must be the name or ARN of a model package group`);
  }
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ModelGateError('bad-option', `maxAttempts (${maxAttempts}) must be a whole number of at least 1`);
  }
  const endpoint = options.endpoint ? { endpoint: options.endpoint } : {};
  // maxAttempts 1: the gate retries itself, so throttling is counted and bounded in one place.
  const sagemaker = options.sagemaker ?? new SageMakerClient({ maxAttempts: 1, ...endpoint });
  const s3 = options.s3 ?? new S3Client({
    maxAttempts: 1,
    // Evaluation reports may sit in a bucket of another region.
    followRegionRedirects: true,
    region: options.sagemaker ? await options.sagemaker.config.region() : undefined,
    credentials: options.sagemaker?.config.credentials,
    ...endpoint,
    ...(options.endpoint ? { forcePathStyle: true } : {}),
  });
  const progress = options.onProgress ?? (() => undefined);
  const sleep = options.sleep ?? realSleep;
  const stats = { requests: 0, retries: 0 };
  const call = async <T>(action: string, resource: string, send: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      stats.requests++;
      try {
        return await send();
      } catch (err) {
        if (isRetryable(err) && attempt < maxAttempts) {
          stats.retries++;
          const wait = backoffMs(attempt - 1, 200, 5_000);
          progress(`${action} failed with ${(err as Error).name}, which is worth retrying; attempt ${attempt + 1} of ${maxAttempts} in ${wait} ms`);
          await sleep(wait);
          continue;
        }
        throw explainAwsError(err, action, resource, attempt);
      }
    }
  };

  const group = options.modelPackageGroupName;
  const summaries = await listPackages(group, sagemaker, call, progress);
  const completed = summaries.filter(s => s.ModelPackageStatus === undefined || s.ModelPackageStatus === 'Completed');
  const newest = (status: string) => completed.filter(s => s.ModelApprovalStatus === status).sort(newestFirst)[0];
  const challengerSummary = newest('PendingManualApproval');
  const championSummary = newest('Approved');
  progress(`${group}: ${summaries.length} model package(s); challenger ${describe(challengerSummary)}, champion ${describe(championSummary)}`);

  const read = async (s: ModelPackageSummary | undefined): Promise<GateCandidate | undefined> => {
    if (!s) {
      return undefined;
    }
    const arn = s.ModelPackageArn!;
    const pkg = await call('sagemaker:DescribeModelPackage', arn, () => sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn })));
    const reading = await readMetric(pkg, options.metric, options.metricPath, s3, call, progress);
    progress(`${describe(s)}: ${options.metric} = ${reading.value} from ${reading.source}`);
    return { arn, version: s.ModelPackageVersion, value: reading.value, source: reading.source };
  };
  const challenger = await read(challengerSummary);
  // With no challenger there is nothing to compare: the champion's metrics are not read.
  const champion = challenger ? await read(championSummary) : undefined;
  const decision = decidePromotion(options, challenger, champion);

  const base = { modelPackageGroupName: group, decision, packagesListed: summaries.length };
  if (decision.outcome === 'no-decision' || options.dryRun) {
    return { ...base, applied: false, ...stats };
  }
  const status = decision.outcome === 'approve' ? 'Approved' : 'Rejected';
  await call('sagemaker:UpdateModelPackage', decision.challenger!.arn, () => sagemaker.send(new UpdateModelPackageCommand({
    ModelPackageArn: decision.challenger!.arn,
    ModelApprovalStatus: status,
    ApprovalDescription: decision.description,
  })));
  progress(`${describe(challengerSummary)}: ModelApprovalStatus set to ${status}`);
  return { ...base, applied: true, newStatus: status, ...stats };
}

type Call = <T>(action: string, resource: string, send: () => Promise<T>) => Promise<T>;

async function listPackages(group: string, sagemaker: SageMakerClient, call: Call, progress: (line: string) => void): Promise<ModelPackageSummary[]> {
  const out: ModelPackageSummary[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 1; ; page++) {
    const res = await call('sagemaker:ListModelPackages', group, () => sagemaker.send(new ListModelPackagesCommand({
      ModelPackageGroupName: group,
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 100,
      NextToken: token,
    })));
    out.push(...(res.ModelPackageSummaryList ?? []));
    progress(`listing ${group}: page ${page}, ${out.length} model package(s)`);
    token = res.NextToken || undefined;
    if (!token) {
      return out;
    }
    if (seen.has(token)) {
      throw new ModelGateError('malformed-response', `ListModelPackages of ${group} returned the page token of an earlier page again (page ${page}); stopping instead of looping. Run the gate again.`);
    }
    seen.add(token);
  }
}

async function readMetric(pkg: DescribeModelPackageCommandOutput, metric: string, metricPath: string | undefined, s3: S3Client, call: Call,
  progress: (line: string) => void): Promise<MetricReading> {
  const arn = pkg.ModelPackageArn ?? pkg.ModelPackageName ?? '(unknown)';
  const name = pkg.ModelPackageVersion !== undefined ? `${pkg.ModelPackageGroupName ?? ''} v${pkg.ModelPackageVersion}`.trim() : arn;
  const uri = pkg.ModelMetrics?.ModelQuality?.Statistics?.S3Uri;
  const seen: string[] = [];
  if (uri) {
    const location = parseS3Uri(uri);
    if (!location) {
      throw new ModelGateError('metric-malformed', `model package ${name} (${arn}) has ModelMetrics.ModelQuality.Statistics.S3Uri "${uri}", which is not an s3://bucket/key URI.`);
    }
    progress(`reading ${uri}`);
    const text = await call('s3:GetObject', uri, async () => {
      const res = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      return res.Body ? res.Body.transformToString('utf-8') : '';
    });
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new ModelGateError('metric-malformed', `the evaluation JSON of model package ${name}, ${uri}, is not JSON (${(err as Error).message}); ` +
        'ModelMetrics.ModelQuality.Statistics must point at the evaluation step\'s JSON output.');
    }
    const found = findMetricInEvaluation(doc, metric, metricPath, `the evaluation JSON of model package ${name} (${uri})`);
    if (found.found) {
      return { value: found.value, source: `${uri}#${found.path}` };
    }
    seen.push(`its evaluation JSON ${uri} has ${found.available.length ? found.available.join(', ') : 'no numeric metrics'}`);
  } else {
    seen.push('it has no ModelMetrics.ModelQuality.Statistics.S3Uri');
  }
  const metadata = pkg.CustomerMetadataProperties ?? {};
  if (Object.prototype.hasOwnProperty.call(metadata, metric)) {
    const value = parseMetricValue(metadata[metric]);
    if (value === undefined) {
      throw new ModelGateError('metric-malformed', `model package ${name} (${arn}) has CustomerMetadataProperties.${metric} = ${JSON.stringify(metadata[metric])}, ` +
        'which is not a decimal number.');
    }
    return { value, source: `CustomerMetadataProperties.${metric}` };
  }
  const keys = Object.keys(metadata);
  seen.push(keys.length ? `its CustomerMetadataProperties have ${keys.join(', ')}` : 'it has no CustomerMetadataProperties');
  throw new ModelGateError('metric-missing', `model package ${name} (${arn}) has no metric "${metricPath ?? metric}": ${seen.join('; ')}. ` +
    'Pass one of these with --metric (or a path in the evaluation JSON with --metric-path), or register the package with the metric.');
}

function newestFirst(a: ModelPackageSummary, b: ModelPackageSummary): number {
  return (b.ModelPackageVersion ?? 0) - (a.ModelPackageVersion ?? 0) || (b.CreationTime?.getTime() ?? 0) - (a.CreationTime?.getTime() ?? 0);
}

function describe(s: ModelPackageSummary | undefined): string {
  return s ? (s.ModelPackageVersion !== undefined ? `v${s.ModelPackageVersion}` : s.ModelPackageArn ?? '?') : 'none';
}

/**
 * Turns an SDK error into a {@link ModelGateError} naming the action and what to do. Errors that are not AWS
 * errors (bugs) are returned unchanged.
 */
export function explainAwsError(err: unknown, action: string, resource: string, attempts: number): unknown {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? '';
  const detail = e?.message ? ` (AWS said: ${e.message})` : '';
  if (err instanceof ModelGateError) {
    return err;
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(e?.message ?? '')) {
    return new ModelGateError('no-credentials', 'no AWS credentials were found: set AWS_PROFILE (after `aws sso login` or `aws configure`), ' +
      `or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is attached (CI: an OIDC role), for a principal allowed ${action}.`);
  }
  if (['ExpiredTokenException', 'ExpiredToken', 'UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'].includes(name)) {
    return new ModelGateError('no-credentials', `AWS rejected the credentials calling ${action} (${name})${detail}: they are expired or invalid. Refresh them and run again.`);
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403) {
    return new ModelGateError('access-denied', `access denied calling ${action} on ${resource}${detail}: allow the action ${action} on that ` +
      `resource in the policy of the principal running the gate${action === 's3:GetObject' ? ' (and kms:Decrypt on the bucket\'s key, if it is SSE-KMS)' : ''}.`);
  }
  if (name === 'NoSuchKey' || name === 'NoSuchBucket' || (action === 's3:GetObject' && e?.$metadata?.httpStatusCode === 404)) {
    return new ModelGateError('not-found', `${resource} does not exist (${name || 'HTTP 404'}): the model package's ModelMetrics point at an evaluation JSON that is not there.`);
  }
  if (isRetryable(err)) {
    return new ModelGateError('throttled', `${action} on ${resource} still failed after ${attempts} attempt(s): ${name}${detail}. Run the gate again later.`);
  }
  if (name && (e?.$metadata !== undefined || name.endsWith('Exception'))) {
    return new ModelGateError('aws-error', `${action} on ${resource} failed: ${name}${detail}`);
  }
  return err;
}
