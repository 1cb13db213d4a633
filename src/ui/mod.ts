/** The control UI (DESIGN.md §6): server, access rules, event ring and stream, the page. */
export { type ControlUi, type ControlUiOptions, startControlUi } from "./server.ts";
export { createUiHandler, type UiMode, type UiResult, type UiSession } from "./handler.ts";
export { DEFAULT_LISTEN, parseListen } from "./listen.ts";
