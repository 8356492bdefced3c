import { CostReportError } from '../errors';

/** What was being fetched when an error occurred, for the message. */
export interface RequestContext {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly page: number;
  readonly attempts: number;
  /**
   * The Cost Explorer operation called.
   *
   * @default 'GetCostAndUsage'
   */
  readonly operation?: string;
}

const SAMPLE_HINT = 'To see the report without AWS access, run it with --sample (bundled sample data) or --replay DIR (recorded responses).';

/**
 * Turn an error of the Cost Explorer client into a {@link CostReportError} that says what happened and what to
 * do. Errors that are not AWS errors (bugs) are returned unchanged.
 */
export function explainCostExplorerError(err: unknown, ctx: RequestContext): unknown {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? '';
  const operation = ctx.operation ?? 'GetCostAndUsage';
  const where = `window ${ctx.windowStart}..${ctx.windowEnd}, page ${ctx.page}`;
  const detail = e?.message ? ` (AWS said: ${e.message})` : '';
  const credentials = explainCredentialError(err, `ce:${operation}`);
  if (credentials) {
    return credentials;
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403) {
    return new CostReportError('access-denied',
      `access denied calling ${operation} (${where})${detail}: the principal lacks the IAM permission ` +
      `"ce:${operation}". Allow action ce:${operation} on resource "*" in its policy; in an AWS ` +
      'Organizations member account the management account must also allow member accounts to use Cost Explorer.');
  }
  if (name === 'DataUnavailableException') {
    return new CostReportError('data-unavailable',
      `Cost Explorer has no data for ${ctx.windowStart}..${ctx.windowEnd}${detail}. Either Cost Explorer is not ` +
      'enabled on this account yet (enable it in the Billing console; data appears within 24 hours), or the ' +
      'range starts before the retained history (daily data covers about the last 14 months): move --start later.');
  }
  if (name === 'InvalidNextTokenException') {
    return new CostReportError('invalid-next-token',
      `Cost Explorer rejected the page token for ${where}${detail}: tokens expire and are only valid with the ` +
      'exact request that produced them. Run the report again; closed months already cached are not fetched ' +
      'or billed again.');
  }
  if (name === 'RequestChangedException') {
    return new CostReportError('request-changed',
      `the request changed between pages of ${ctx.windowStart}..${ctx.windowEnd}${detail}: Cost Explorer requires ` +
      'every page of one query to repeat the same parameters. Run the report again; if you replay or ' +
      'record, use one directory per query.');
  }
  if (name === 'LimitExceededException' || name === 'ThrottlingException') {
    return new CostReportError('throttled',
      `Cost Explorer still throttled the request for ${where} after ${ctx.attempts} attempts${detail}. ` +
      'Lower the request rate (--rate) or run again later.');
  }
  if (name && (e?.$metadata !== undefined || name.endsWith('Exception'))) {
    return new CostReportError('aws-error', `${operation} failed for ${where}: ${name}${detail}`);
  }
  return err;
}

/**
 * Turn an error of STS `GetCallerIdentity` (the account lookup that keys the cache) into a
 * {@link CostReportError}. The call needs no IAM permission, so what fails is nearly always the credentials:
 * they get the same messages as a failing Cost Explorer call. Errors that are not AWS errors are returned
 * unchanged.
 */
export function explainCallerIdentityError(err: unknown): unknown {
  const credentials = explainCredentialError(err, 'ce:GetCostAndUsage');
  if (credentials) {
    return credentials;
  }
  const e = err as { name?: string; message?: string; $metadata?: unknown };
  const name = e?.name ?? '';
  if (name && (e?.$metadata !== undefined || name.endsWith('Exception'))) {
    // An SCP or a disabled regional STS endpoint can still refuse the call.
    return new CostReportError('aws-error',
      `sts:GetCallerIdentity failed: ${name}${e?.message ? ` (AWS said: ${e.message})` : ''}. The report asks it ` +
      'for the account ID that keys its cache of closed months; run with --no-cache to skip the cache and the call.');
  }
  return err;
}

/** The messages for missing, expired or invalid credentials, shared by every call the report makes. */
function explainCredentialError(err: unknown, permission: string): CostReportError | undefined {
  const e = err as { name?: string; message?: string };
  const name = e?.name ?? '';
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(e?.message ?? '')) {
    return new CostReportError('no-credentials',
      'no AWS credentials were found: set AWS_PROFILE (after `aws sso login` or `aws configure`) or ' +
      `AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, for a principal allowed ${permission}. ` + SAMPLE_HINT);
  }
  if (['ExpiredTokenException', 'ExpiredToken', 'UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException'].includes(name)) {
    const detail = e?.message ? ` (AWS said: ${e.message})` : '';
    return new CostReportError('no-credentials',
      `AWS rejected the credentials (${name})${detail}: they are expired or invalid. Refresh them ` +
      '(`aws sso login`, or new access keys) and run again. ' + SAMPLE_HINT);
  }
  return undefined;
}
