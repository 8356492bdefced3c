import { MlopsStackError } from '../errors';

/**
 * Why a cost report could not be produced. `code` is stable (scripts may branch on it); the message says
 * what happened and what to do.
 */
export type CostReportErrorCode =
  | 'bad-option'
  | 'no-credentials'
  | 'access-denied'
  | 'data-unavailable'
  | 'invalid-next-token'
  | 'request-changed'
  | 'throttled'
  | 'malformed-response'
  | 'duplicate-row'
  | 'mixed-currencies'
  | 'replay-missing'
  | 'aws-error'
  | 'output-failed';

/**
 * An error of the cost report (reading Cost Explorer, parsing, options), with a stable {@link code}.
 */
export class CostReportError extends MlopsStackError {
  /** Stable machine-readable reason. */
  public readonly code: CostReportErrorCode;

  /**
   * @param code stable reason
   * @param message what happened, the value involved and how to fix it
   */
  constructor(code: CostReportErrorCode, message: string) {
    super(message);
    this.name = 'CostReportError';
    this.code = code;
  }
}
