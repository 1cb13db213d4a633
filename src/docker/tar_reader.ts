import { BLOCK_SIZE } from "./tar.ts";

/** One entry read from a tar archive. */
export interface TarReadEntry {
  /** Path as stored (directories keep their trailing "/"). */
  path: string;
  /** What the entry is; `other` covers devices, FIFOs and vendor types. */
  type: "file" | "directory" | "symlink" | "hardlink" | "other";
  /** The header's type flag as stored ("6": FIFO, "3"/"4": devices, ...). */
  typeflag: string;
  /** File content (empty for non-files). */
  data: Uint8Array;
  /** Target of a symlink or hard link; "" otherwise. */
  linkTarget: string;
  /** Permission bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in seconds since the epoch. */
  mtime: number;
}

const decoder = new TextDecoder();
const TYPES: Record<string, TarReadEntry["type"]> = {
  "0": "file",
  "\x00": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "5": "directory",
};

/**
 * Reads a whole tar archive held in memory: ustar, PAX extended headers (path, linkpath,
 * size) and GNU long names. Throws `SyntaxError` on a corrupt header (bad checksum, truncation).
 */
export function readTar(archive: Uint8Array): TarReadEntry[] {
  const entries: TarReadEntry[] = [];
  let offset = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (offset + BLOCK_SIZE <= archive.length) {
    const block = archive.subarray(offset, offset + BLOCK_SIZE);
    if (block.every((byte) => byte === 0)) break;
    verifyChecksum(block, offset);
    const typeflag = String.fromCharCode(block[156]!);
    const size = pax.size !== undefined ? Number(pax.size) : readNumber(block, 124, 12);
    const dataStart = offset + BLOCK_SIZE;
    const dataEnd = dataStart + size;
    if (dataEnd > archive.length) {
      throw new SyntaxError(`Cannot read tar archive: entry at byte ${offset} is truncated`);
    }
    const data = archive.slice(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;

    if (typeflag === "x") {
      pax = { ...pax, ...parsePaxRecords(data) };
      continue;
    }
    if (typeflag === "g") continue;
    if (typeflag === "L") {
      longName = cString(data);
      continue;
    }
    if (typeflag === "K") {
      longLink = cString(data);
      continue;
    }
    const name = cString(block.subarray(0, 100));
    const isUstar = cString(block.subarray(257, 263)) === "ustar";
    const prefix = isUstar ? cString(block.subarray(345, 500)) : "";
    entries.push({
      path: pax.path ?? longName ?? (prefix ? `${prefix}/${name}` : name),
      type: TYPES[typeflag] ?? "other",
      typeflag,
      data,
      linkTarget: pax.linkpath ?? longLink ?? cString(block.subarray(157, 257)),
      mode: readNumber(block, 100, 8),
      uid: readNumber(block, 108, 8),
      gid: readNumber(block, 116, 8),
      mtime: pax.mtime !== undefined ? Math.floor(Number(pax.mtime)) : readNumber(block, 136, 12),
    });
    pax = {};
    longName = undefined;
    longLink = undefined;
  }
  return entries;
}

function verifyChecksum(block: Uint8Array, offset: number): void {
  const stored = readNumber(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  if (sum !== stored) {
    throw new SyntaxError(
      `Cannot read tar archive: bad header checksum at byte ${offset} (stored ${stored}, computed ${sum})`,
    );
  }
}

/** Reads an octal field, or a GNU base-256 one (high bit set on the first byte). */
function readNumber(block: Uint8Array, offset: number, width: number): number {
  const field = block.subarray(offset, offset + width);
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = cString(field).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function parsePaxRecords(data: Uint8Array): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = parseInt(decoder.decode(data.subarray(offset, space)), 10);
    if (!(length > 0)) throw new SyntaxError("Cannot read tar archive: malformed PAX record");
    const record = decoder.decode(data.subarray(space + 1, offset + length - 1));
    const equals = record.indexOf("=");
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}
