/**
 * A hold on a fake's model requests: the session stays alive (the agent waiting for its
 * model) while a test looks at the running containers, then the request is answered.
 */
import type { RecordedRequest } from "./record.ts";
import type { FakeHandler } from "./server.ts";

/** A handler whose model requests wait for {@linkcode HeldHandler.release}. */
export interface HeldHandler {
  handler: FakeHandler;
  /** Resolves when a model request is being held. */
  holding: Promise<void>;
  /** Lets every held (and later) model request through. */
  release(): void;
}

/** Wraps `handler`: requests for which `isModel` holds wait until released. */
export function holdModelRequests(
  handler: FakeHandler,
  isModel: (request: RecordedRequest) => boolean,
): HeldHandler {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let held!: () => void;
  const holding = new Promise<void>((resolve) => held = resolve);
  return {
    handler: async (request) => {
      if (isModel(request)) {
        held();
        await released;
      }
      return await handler(request);
    },
    holding,
    release,
  };
}
