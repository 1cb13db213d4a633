/** A session failed to start: `phase` names the BOOT step, the message says why and what to do. */
export class BootError extends Error {
  override name = "BootError";
  /** The BOOT phase it stuck in: "image", "entry", "bootstrap", "manager", "activation", ... */
  readonly phase: string;

  constructor(message: string, phase: string, options?: ErrorOptions) {
    super(message, options);
    this.phase = phase;
  }
}
