import { MlopsStackError } from '../errors';

/**
 * Why the champion/challenger gate could not decide. `code` is stable (scripts may branch on it); the message
 * says what happened, the value involved and what to do.
 */
export type ModelGateErrorCode =
  /** An option is missing or not allowed (a threshold that is not a number, an unknown direction). */
  | 'bad-option'
  /** No credentials, or credentials AWS rejects as expired or invalid. */
  | 'no-credentials'
  /** IAM (or a bucket or key policy) denies an action the gate needs; the message names the action. */
  | 'access-denied'
  /** SageMaker or S3 still throttled a request after the bounded retries. */
  | 'throttled'
  /** The evaluation JSON a model package points at does not exist. */
  | 'not-found'
  /** The metric is absent from a package's evaluation JSON and metadata; the message lists what is there. */
  | 'metric-missing'
  /** The metric, or the evaluation JSON holding it, is not a number / not JSON. */
  | 'metric-malformed'
  /** An answer of SageMaker that the gate cannot use (a repeated page token). */
  | 'malformed-response'
  /** Any other error AWS returned. */
  | 'aws-error';

/**
 * An error of the champion/challenger gate, with a stable {@link code}.
 */
export class ModelGateError extends MlopsStackError {
  /** Stable machine-readable reason. */
  public readonly code: ModelGateErrorCode;

  /**
   * @param code stable reason
   * @param message what happened, the value involved and how to fix it
   */
  constructor(code: ModelGateErrorCode, message: string) {
    super(message);
    this.name = 'ModelGateError';
    this.code = code;
  }
}
