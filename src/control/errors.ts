/** A control.sock exchange failed: the manager answered `error`, went away, or took too long. */
export class ControlError extends Error {
  override name = "ControlError";
  /** What failed: the manager's `phase`, or "timeout", "closed", "protocol". */
  readonly phase: string;

  constructor(message: string, phase: string, options?: ErrorOptions) {
    super(message, options);
    this.phase = phase;
  }
}
