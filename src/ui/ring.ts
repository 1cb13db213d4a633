/** The recent events the UI can ask for: a bounded ring fed by the session's EventLog. */
import type { EventLog, EventSubscriber, LeashEvent } from "../events/mod.ts";

/** How many events the ring keeps by default. */
export const RING_SIZE = 5000;

/** The last `size` events of a log, oldest first; never refuses one (old ones fall out). */
export class EventRing implements EventSubscriber {
  #size: number;
  #events: LeashEvent[] = [];
  #unsubscribe: () => void;

  constructor(log: EventLog, size = RING_SIZE) {
    this.#size = size;
    this.#unsubscribe = log.subscribe(this);
  }

  /** Takes one event (EventSubscriber). */
  push(event: LeashEvent): boolean {
    this.#events.push(event);
    if (this.#events.length > this.#size * 1.25) {
      this.#events.splice(0, this.#events.length - this.#size);
    }
    return true;
  }

  /** Events with `seq > after`, oldest first, at most `limit` (the newest ones). */
  after(after: number, limit = this.#size): LeashEvent[] {
    const events = this.#events;
    let lo = this.#first();
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid]!.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return events.slice(Math.max(lo, events.length - limit));
  }

  /** The oldest sequence number still held (0 when empty). */
  get oldest(): number {
    return this.#events[this.#first()]?.seq ?? 0;
  }

  /** Index of the oldest event held: the array keeps up to a quarter more before it is cut. */
  #first(): number {
    return Math.max(0, this.#events.length - this.#size);
  }

  /** Stops taking events. */
  close(): void {
    this.#unsubscribe();
  }
}
