/**
 * The one error type this library throws for bad input.
 *
 * Synth-time errors carry the path of the construct that received the input, so the message points at the
 * line of the user's app to fix: `PlatformStack/Registry: models[1].name ("Fraud_Model") must match ...`.
 */
export class MlopsStackError extends Error {
  /**
   * Construct path of the scope the bad input was given to, when there is one.
   */
  public readonly path?: string;

  /**
   * @param message what is wrong: the property, the value received, what is allowed and how to fix it.
   * @param path construct path to prefix the message with.
   */
  constructor(message: string, path?: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'MlopsStackError';
    this.path = path;
  }
}
