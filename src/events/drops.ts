/**
 * Event losses at every stage between the kernel and the reader (issue 9, class 6), counted
 * so that no loss is silent: the kernel's ring buffer, the manager's output queue, the
 * relay's coalesced error reports, the host's event writer, the UI's live clients, and the
 * events log's rotation.
 */

/** Losses so far, per stage; all counts are totals since the session started. */
export interface DropCounts {
  /** Events the eBPF programs could not put in the ring buffer. */
  kernel: number;
  /** Events the manager dropped because the host did not read control.sock fast enough. */
  manager: number;
  /** relay.error reports the manager coalesced into this count instead of sending. */
  relay_errors: number;
  /** Events the host could not write to events.ndjson (write errors). */
  writer: number;
  /** Events a live UI client could not take (it fell behind). */
  ui: number;
  /** Events removed from disk when the events log rotated its oldest file away. */
  rotated: number;
}

/** The stages whose losses mean events were lost (relay_errors are reports, not events). */
const EVENT_STAGES = ["kernel", "manager", "writer", "ui", "rotated"] as const;

/** A session's drop counters; the UI and `leash run`'s summary read them. */
export class DropCounter {
  #counts: DropCounts = { kernel: 0, manager: 0, relay_errors: 0, writer: 0, ui: 0, rotated: 0 };
  #ui: () => number = () => 0;

  /** Where the UI's count comes from (the event log's per-subscriber losses). */
  set uiSource(source: () => number) {
    this.#ui = source;
  }

  /** Sets the manager's cumulative counts (its `drops` message); true when any grew. */
  setManager(kernel: number, manager: number, relayErrors: number): boolean {
    const c = this.#counts;
    const changed = kernel !== c.kernel || manager !== c.manager || relayErrors !== c.relay_errors;
    c.kernel = Math.max(c.kernel, kernel);
    c.manager = Math.max(c.manager, manager);
    c.relay_errors = Math.max(c.relay_errors, relayErrors);
    return changed;
  }

  /** Counts events the writer could not write. */
  addWriter(n: number): void {
    this.#counts.writer += n;
  }

  /** Counts events rotation removed from disk. */
  addRotated(n: number): void {
    this.#counts.rotated += n;
  }

  /** The counts now. */
  snapshot(): DropCounts {
    return { ...this.#counts, ui: this.#ui() };
  }

  /** Events lost at any stage. */
  lostEvents(): number {
    const s = this.snapshot();
    return EVENT_STAGES.reduce((n, stage) => n + s[stage], 0);
  }
}

/** One line for logs and the summary: `kernel ring buffer 0, manager queue 165000, ...`. */
export function formatDrops(d: DropCounts): string {
  return `kernel ring buffer ${d.kernel}, manager queue ${d.manager}, event writer ${d.writer}, ` +
    `UI clients ${d.ui}, rotated away ${d.rotated}; relay errors coalesced ${d.relay_errors}`;
}
