import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { CostReportError } from '../errors';
import { explainCallerIdentityError } from './errors';

/**
 * Options of {@link readCallerAccount}.
 */
export interface ReadCallerAccountOptions {
  /**
   * The client to call.
   *
   * @default - a client in us-east-1 with the default credential chain (or {@link credentials})
   */
  readonly client?: STSClient;
  /**
   * Endpoint URL for the default client (a local test server).
   *
   * @default - the AWS endpoint
   */
  readonly endpoint?: string;
  /**
   * Credentials for the default client: pass those of the Cost Explorer client so that the account looked up
   * is the one whose costs are read.
   *
   * @default - the default credential chain
   */
  readonly credentials?: STSClientConfig['credentials'];
}

/**
 * The 12-digit ID of the AWS account the credentials belong to, from STS `GetCallerIdentity` (a call that
 * needs no IAM permission and is not billed). The cost report keys its cache by it, so that a profile switched
 * to another role, or credentials taken from environment variables, never read another account's costs.
 *
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export async function readCallerAccount(options: ReadCallerAccountOptions = {}): Promise<string> {
  const client = options.client ?? new STSClient({
    region: 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  let response;
  try {
    response = await client.send(new GetCallerIdentityCommand({}));
  } catch (err) {
    throw explainCallerIdentityError(err);
  }
  const account = response?.Account;
  if (account === undefined || !/^\d{12}$/.test(account)) {
    throw new CostReportError('malformed-response',
      `sts:GetCallerIdentity returned the account ID ${JSON.stringify(account)}; expected 12 digits. ` +
      'Run with --no-cache to skip the cache, which is keyed by it.');
  }
  return account;
}
