import { type EngineApi, pathPart } from "./_api.ts";
import type { NetworkCreateConfig, NetworkCreateResult, NetworkInspect } from "./types.ts";

/** Networks: `/networks/...`. */
export class Networks {
  #api: EngineApi;

  constructor(api: EngineApi) {
    this.#api = api;
  }

  /** Creates a network; resolves to its id. */
  async create(config: NetworkCreateConfig): Promise<NetworkCreateResult> {
    return await this.#api.json<NetworkCreateResult>("POST", "/networks/create", {
      body: { CheckDuplicate: true, ...config },
    });
  }

  /** Every network the engine has (`GET /networks`). */
  async list(): Promise<NetworkInspect[]> {
    return await this.#api.json<NetworkInspect[]>("GET", "/networks");
  }

  /** The engine's view of a network; `DockerApiError` 404 when absent. */
  async inspect(id: string): Promise<NetworkInspect> {
    return await this.#api.json<NetworkInspect>("GET", `/networks/${pathPart(id)}`);
  }

  /** Removes a network. */
  async remove(id: string): Promise<void> {
    await this.#api.send("DELETE", `/networks/${pathPart(id)}`);
  }
}
