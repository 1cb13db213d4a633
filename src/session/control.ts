/**
 * The running session's operations for the control UI (DESIGN.md §6): what it is, and the
 * mode and policy changes, applied to every layer that can take them. Landlock cannot: its
 * ruleset is fixed when the command starts, and the answers say so.
 */
import type { HostMessage, ManagerMessageType, WaitOptions } from "../control/mod.ts";
import type { DropCounter, EventSink } from "../events/mod.ts";
import { encodeKernelMaps } from "../native/mod.ts";
import { compilePolicy, type PolicyDiagnostic, PolicyError, type PolicyIr } from "../policy/mod.ts";
import type { Egress } from "../proxy/mod.ts";
import { encodeBase64 } from "../boot/mod.ts";
import type { SessionLayer } from "./posture.ts";

/** A session mode. */
export type SessionMode = "record" | "shadow" | "enforce";

/** Whether one layer took a change. */
export interface LayerOutcome {
  layer: string;
  applied: boolean;
  /** Why not, or what it means. */
  detail?: string;
}

/** What a mode switch or policy update did. */
export interface ChangeResult {
  ok: boolean;
  /** Why nothing changed (ok: false). */
  error?: string;
  /** Located compile errors and warnings (policy). */
  diagnostics?: PolicyDiagnostic[];
  layers?: LayerOutcome[];
  mode?: SessionMode;
  rules?: number;
  [field: string]: unknown;
}

/** The session's fixed facts. */
export interface SessionFacts {
  id: string;
  image: string;
  command: string[];
  /** Log paths: the session's logs dir and the files in it. */
  logs: { dir: string; events: string; target: string; manager: string };
}

/**
 * The part of the control channel a runtime change needs: send, and wait for the answer's
 * type (a `ControlChannel`, or a fake in tests); the answer's fields are not read.
 */
export interface ManagerRequester {
  request(
    message: HostMessage,
    answers: readonly ManagerMessageType[],
    options?: WaitOptions,
  ): Promise<unknown>;
}

/** What the session hands over once the manager is active. */
export interface ActiveLayers {
  channel: ManagerRequester;
  /** Manager layers that attached ("ok"). */
  attached: string[];
  posture: SessionLayer[];
}

/** How long a manager has to answer a change. */
const MANAGER_ANSWER_MS = 10_000;

const LANDLOCK_FIXED =
  "fixed when the command started: Landlock rulesets cannot change after exec; it keeps the start policy";

/**
 * The session's live state for the UI: the proxy from the start, the manager and posture
 * from activation. Changes run one at a time.
 */
export class SessionControl {
  #facts: SessionFacts;
  #events: EventSink;
  #mode: SessionMode;
  #policy: { text: string; label: string; ir: PolicyIr };
  #egress: Pick<Egress, "setMode" | "updatePolicy"> | undefined;
  #active: ActiveLayers | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #edits = 0;
  #drops: DropCounter | undefined;

  constructor(
    facts: SessionFacts,
    options: {
      events: EventSink;
      mode: SessionMode;
      policy: { text: string; label: string; ir: PolicyIr };
    },
  ) {
    this.#facts = facts;
    this.#events = options.events;
    this.#mode = options.mode;
    this.#policy = options.policy;
  }

  /** The proxy is up. */
  attachEgress(egress: Pick<Egress, "setMode" | "updatePolicy">): void {
    this.#egress = egress;
  }

  /** Where the session counts its event losses (shown with the session's facts). */
  attachDrops(drops: DropCounter): void {
    this.#drops = drops;
  }

  /** The manager answered `active`; the posture is known. */
  attachManager(active: ActiveLayers): void {
    this.#active = active;
  }

  /** The mode now (what a late activation must use). */
  get mode(): SessionMode {
    return this.#mode;
  }

  /** Id, image, command, mode, posture, policy, logs, event losses per stage. */
  info(): Record<string, unknown> {
    return {
      ...this.#facts,
      mode: this.#mode,
      drops: this.#drops?.snapshot() ?? null,
      posture: this.#active?.posture ?? null,
      policy: {
        label: this.#policy.label,
        text: this.#policy.text,
        source: this.#policy.ir.source,
      },
    };
  }

  /** Compiles `text` without applying anything. */
  validatePolicy(text: string): ChangeResult {
    const compiled = compile(text);
    if (!compiled.ok) return compiled;
    return { ok: true, rules: compiled.ir.rules.length, diagnostics: compiled.warnings };
  }

  /** Switches the mode: the manager first (its kernel layers), then the proxy. */
  setMode(mode: SessionMode): Promise<ChangeResult> {
    return this.#serial(async () => {
      const ready = this.#notReady();
      if (ready) return ready;
      const layers = await this.#apply(
        { type: "mode.set", mode },
        "mode.updated",
        (why) => ({ ok: false, error: `the manager refused mode ${mode}: ${why}` }),
        (egress) => egress.setMode(mode),
      );
      if (!Array.isArray(layers)) return layers;
      const previous = this.#mode;
      this.#mode = mode;
      this.#events.emit({
        event: "policy.mode",
        mode,
        previous,
        ...outcomes(layers),
        message: `mode ${previous} -> ${mode} (control UI)`,
      });
      return { ok: true, mode, layers };
    });
  }

  /**
   * Compiles `text` and applies it: the manager's maps first (atomic there: on error the old
   * policy stays, and then nothing changes here either), then the proxy.
   */
  updatePolicy(text: string): Promise<ChangeResult> {
    return this.#serial(async () => {
      const ready = this.#notReady();
      if (ready) return ready;
      const compiled = compile(text);
      if (!compiled.ok) return compiled;
      const { ir, warnings } = compiled;
      const layers = await this.#apply(
        { type: "policy.update", maps: encodeBase64(encodeKernelMaps(ir)) },
        "policy.updated",
        (why) => ({
          ok: false,
          error: `the manager refused the policy (nothing changed): ${why}`,
          diagnostics: warnings,
        }),
        (egress) => egress.updatePolicy(ir),
      );
      if (!Array.isArray(layers)) return layers;
      this.#edits++;
      const label = `edit ${this.#edits} from the control UI`;
      this.#policy = { text, label, ir };
      this.#events.emit({
        event: "policy.update",
        rules: ir.rules.length,
        label,
        ...outcomes(layers),
        message: `policy updated from the control UI (${ir.rules.length} rules)`,
      });
      return { ok: true, rules: ir.rules.length, layers, diagnostics: warnings };
    });
  }

  /**
   * Sends `request` to the manager when it attached kernel layers and waits for `answer`, then
   * applies the change to the proxy. Resolves to each layer's outcome (Landlock's included),
   * or to `refused(why)` when the manager said no: then the proxy was left alone.
   */
  async #apply(
    request: HostMessage,
    answer: ManagerMessageType,
    refused: (why: string) => ChangeResult,
    proxy: (egress: Pick<Egress, "setMode" | "updatePolicy">) => void,
  ): Promise<LayerOutcome[] | ChangeResult> {
    const layers: LayerOutcome[] = [];
    const kernel = this.#active!.attached;
    if (kernel.length > 0) {
      try {
        await this.#active!.channel.request(request, [answer], { timeoutMs: MANAGER_ANSWER_MS });
      } catch (error) {
        return refused(message(error));
      }
      for (const layer of kernel) layers.push({ layer, applied: true });
    }
    proxy(this.#egress!);
    layers.push({ layer: "proxy", applied: true });
    layers.push(...this.#landlock());
    return layers;
  }

  #landlock(): LayerOutcome[] {
    const landlock = this.#active?.posture.find((l) => l.name === "landlock");
    if (!landlock || landlock.status === "off") return [];
    return [{ layer: "landlock", applied: false, detail: LANDLOCK_FIXED }];
  }

  #notReady(): ChangeResult | undefined {
    if (this.#egress && this.#active) return undefined;
    return { ok: false, error: "the session is still starting: try again when the command runs" };
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }
}

/** Compiles a policy from the UI: the IR and warnings, or the located errors as a result. */
function compile(
  text: string,
): { ok: true; ir: PolicyIr; warnings: PolicyDiagnostic[] } | ChangeResult & { ok: false } {
  try {
    return { ok: true, ...compilePolicy(text, { file: "control-ui.cedar" }) };
  } catch (error) {
    if (error instanceof PolicyError) {
      return { ok: false, error: error.message, diagnostics: error.diagnostics };
    }
    throw error;
  }
}

/** The `applied` and `not_applied` layer lists of a change's event. */
function outcomes(layers: readonly LayerOutcome[]): { applied: string[]; not_applied: string[] } {
  return {
    applied: layers.filter((l) => l.applied).map((l) => l.layer),
    not_applied: layers.filter((l) => !l.applied).map((l) => l.layer),
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
