/** Text helpers for messages: "did you mean" suggestions by edit distance. */
export * from "./suggest.ts";
