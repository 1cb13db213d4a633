/** Source text bookkeeping: statement boundaries and offsets as line/column. */

/** One policy statement's span in the source text. */
export interface Statement {
  /** Offset of the statement's first character (its first annotation, if any). */
  start: number;
  /** Offset just past its terminating ";". */
  end: number;
  text: string;
}

/** Maps character offsets of `text` to 1-based line and column. */
export class SourceMap {
  #lineStarts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.#lineStarts.push(i + 1);
    }
  }

  /** Line and column (1-based) of `offset`. */
  locate(offset: number): { line: number; col: number } {
    const starts = this.#lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (starts[lo] ?? 0) + 1 };
  }
}

/**
 * Splits Cedar source into statements at top-level ";" (skipping strings and `//` comments).
 * Only meaningful for text Cedar has already parsed successfully.
 */
export function splitStatements(text: string): Statement[] {
  const result: Statement[] = [];
  let start = -1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl + 1;
      continue;
    }
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (start < 0) start = i;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (c === ";") {
      result.push({ start, end: i + 1, text: text.slice(start, i + 1) });
      start = -1;
    }
    i++;
  }
  return result;
}

/** Offset of the first occurrence of `needle` in `statement` (absolute), or its start. */
export function findIn(statement: Statement, needle: string, from = 0): number {
  const at = statement.text.indexOf(needle, from);
  return statement.start + (at < 0 ? 0 : at);
}
