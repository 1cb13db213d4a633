/**
 * `dst.permit` (docs/protocol.md): names the addresses of a DNS answer in the manager's
 * kernel table before the answer reaches the target, so a connect to them reaches the
 * relay while one to an address nobody named is refused at once.
 */
import type { ControlChannel } from "./channel.ts";
import { ControlError } from "./errors.ts";

/** How long the manager has to answer one `dst.permit`. */
const PERMIT_ANSWER_MS = 5_000;

/**
 * Sends `dst.permit` requests one at a time (answers then come back in order, each checked
 * by its id) and resolves when the kernel holds the addresses; rejects with `ControlError`
 * when the manager refused them (its table is full) or did not answer.
 */
export class DestinationPermits {
  #channel: Pick<ControlChannel, "request">;
  #queue: Promise<unknown> = Promise.resolve();
  #next = 1;

  constructor(channel: Pick<ControlChannel, "request">) {
    this.#channel = channel;
  }

  /** Names `addrs` (IP literals) for `ttlS` seconds. */
  permit(addrs: readonly string[], ttlS: number): Promise<void> {
    const run = async () => {
      const id = this.#next++;
      const answer = await this.#channel.request(
        { type: "dst.permit", id, addrs: addrs.join(" "), ttl: ttlS },
        ["dst.permitted"],
        { timeoutMs: PERMIT_ANSWER_MS, errors: false },
      );
      if (answer.id !== id) {
        throw new ControlError(
          `Cannot permit ${
            addrs.join(", ")
          }: the manager answered request ${answer.id} instead of ${id}`,
          "dst.permit",
        );
      }
      if (answer.ok !== true) {
        throw new ControlError(
          `Cannot permit ${addrs.join(", ")}: ${String(answer.message)}`,
          "dst.permit",
        );
      }
    };
    const done = this.#queue.then(run, run);
    this.#queue = done.catch(() => {});
    return done;
  }
}
