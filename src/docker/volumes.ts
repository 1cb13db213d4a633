import { type EngineApi, pathPart } from "./_api.ts";

/** One volume as the engine lists it. */
export interface VolumeSummary {
  Name: string;
  Labels?: Record<string, string> | null;
}

/** Volumes: `/volumes/...` (a session's files on an engine that cannot see the host's). */
export class Volumes {
  #api: EngineApi;

  constructor(api: EngineApi) {
    this.#api = api;
  }

  /** Creates a named local volume with labels; resolves to its name. */
  async create(name: string, labels: Record<string, string> = {}): Promise<string> {
    const created = await this.#api.json<{ Name: string }>("POST", "/volumes/create", {
      body: { Name: name, Driver: "local", Labels: labels },
    });
    return created.Name;
  }

  /** Volumes carrying every `label` (`key` or `key=value`). */
  async list(label: string[] = []): Promise<VolumeSummary[]> {
    const answer = await this.#api.json<{ Volumes: VolumeSummary[] | null }>("GET", "/volumes", {
      query: { filters: label.length > 0 ? { label } : undefined },
    });
    return answer.Volumes ?? [];
  }

  /** Removes a volume (`force`: also when the engine thinks it is in use). */
  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.#api.send("DELETE", `/volumes/${pathPart(name)}`, {
      query: { force: options.force },
    });
  }
}
