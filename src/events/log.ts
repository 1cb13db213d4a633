import type { EventFacts, EventSink, LeashEvent } from "./event.ts";
import { Redactor } from "./redact.ts";

/** A consumer of the live stream (the UI's WebSocket); `false` from `push` means it is full. */
export interface EventSubscriber {
  push(event: LeashEvent): boolean;
}

/** Options for {@linkcode EventLog}. */
export interface EventLogOptions {
  /** Appends one NDJSON line (e.g. to `logs/events.ndjson`). @default none */
  write?: (line: string) => void;
  /** Masks secret values before anything leaves. @default an empty Redactor */
  redactor?: Redactor;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/**
 * The session's event log: stamps time, seq and session, masks secrets, writes NDJSON and
 * fans out to live subscribers. A subscriber that cannot keep up loses events, and the loss
 * is counted per subscriber and in total (never silent).
 */
export class EventLog implements EventSink {
  readonly session: string;
  #seq = 0;
  #write: ((line: string) => void) | undefined;
  #redactor: Redactor;
  #now: () => Date;
  #subscribers = new Map<EventSubscriber, { lost: number }>();
  #lost = 0;

  constructor(session: string, options: EventLogOptions = {}) {
    this.session = session;
    this.#write = options.write;
    this.#redactor = options.redactor ?? new Redactor();
    this.#now = options.now ?? (() => new Date());
  }

  /** Stamps, masks, records and broadcasts one event; returns it. */
  emit(facts: EventFacts): LeashEvent {
    const masked = this.#redactor.value(facts);
    const event: LeashEvent = {
      time: this.#now().toISOString(),
      seq: ++this.#seq,
      session: this.session,
      ...masked,
    };
    this.#write?.(JSON.stringify(event) + "\n");
    for (const [subscriber, stats] of this.#subscribers) {
      if (!subscriber.push(event)) {
        stats.lost++;
        this.#lost++;
      }
    }
    return event;
  }

  /** Adds a live subscriber; returns a function that removes it. */
  subscribe(subscriber: EventSubscriber): () => void {
    this.#subscribers.set(subscriber, { lost: 0 });
    return () => this.#subscribers.delete(subscriber);
  }

  /** Events a subscriber (or, without one, all subscribers) could not take. */
  lost(subscriber?: EventSubscriber): number {
    if (!subscriber) return this.#lost;
    return this.#subscribers.get(subscriber)?.lost ?? 0;
  }

  /** The last sequence number used. */
  get seq(): number {
    return this.#seq;
  }
}
