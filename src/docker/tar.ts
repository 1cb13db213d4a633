/** One entry to write into a tar archive. */
export interface TarEntry {
  /** Path inside the archive, relative (a leading "/" is dropped); any length. */
  path: string;
  /** @default {"file"} */
  type?: "file" | "directory" | "symlink" | "hardlink";
  /** File content; ignored for directories and symlinks. @default {empty} */
  data?: Uint8Array | string;
  /** Where a symlink points, or the archive path a hard link names; required for links. */
  linkTarget?: string;
  /** Permission bits. @default {0o644 for files, 0o755 for directories, 0o777 for symlinks} */
  mode?: number;
  /** @default {0} */
  uid?: number;
  /** @default {0} */
  gid?: number;
  /** Modification time in seconds since the epoch; fixed so archives are reproducible. @default {0} */
  mtime?: number;
}

/** Size of a tar block; headers and content are padded to it. */
export const BLOCK_SIZE = 512;

const encoder = new TextEncoder();
const TYPE_FLAGS = { file: "0", directory: "5", symlink: "2", hardlink: "1" } as const;
const DEFAULT_MODES = { file: 0o644, directory: 0o755, symlink: 0o777, hardlink: 0o644 } as const;
const MAX_OCTAL_11 = 0o77777777777;

/**
 * Writes a POSIX (ustar) tar archive in memory. Names that do not fit the ustar name/prefix
 * fields, and long symlink targets, get a PAX extended header, which GNU tar, bsdtar and the
 * Docker engine all read.
 */
export function createTar(entries: Iterable<TarEntry>): Uint8Array<ArrayBuffer> {
  const blocks: Uint8Array[] = [];
  for (const entry of entries) blocks.push(...entryBlocks(entry));
  blocks.push(new Uint8Array(BLOCK_SIZE * 2));
  const out = new Uint8Array(blocks.reduce((sum, block) => sum + block.length, 0));
  let offset = 0;
  for (const block of blocks) {
    out.set(block, offset);
    offset += block.length;
  }
  return out;
}

function entryBlocks(entry: TarEntry): Uint8Array[] {
  const type = entry.type ?? "file";
  let path = entry.path.replace(/^\/+/, "");
  if (type === "directory" && !path.endsWith("/")) path += "/";
  if (path === "" || path === "/") throw new RangeError(`Invalid tar entry path "${entry.path}"`);
  const data = type === "file" ? toBytes(entry.data ?? "") : new Uint8Array();
  const linkTarget = entry.linkTarget ?? "";
  if ((type === "symlink" || type === "hardlink") && linkTarget === "") {
    throw new RangeError(`Invalid tar entry "${entry.path}": a ${type} needs a linkTarget`);
  }
  if (data.length > MAX_OCTAL_11) {
    throw new RangeError(`Cannot write tar entry "${entry.path}": content over 8 GiB`);
  }

  const pax: Record<string, string> = {};
  const names = splitUstarName(encoder.encode(path));
  if (names === undefined) pax.path = path;
  const link = encoder.encode(linkTarget);
  if (link.length > 100) pax.linkpath = linkTarget;

  const blocks: Uint8Array[] = [];
  if (Object.keys(pax).length > 0) {
    const paxData = encodePaxRecords(pax);
    const paxName = `PaxHeaders/${basename(path)}`.slice(0, 100);
    blocks.push(header({ name: encoder.encode(paxName), size: paxData.length, typeflag: "x" }));
    blocks.push(...padded(paxData));
  }
  blocks.push(header({
    name: names?.name ?? encoder.encode(path).subarray(0, 100),
    prefix: names?.prefix,
    mode: entry.mode ?? DEFAULT_MODES[type],
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    size: data.length,
    mtime: entry.mtime ?? 0,
    typeflag: TYPE_FLAGS[type],
    linkname: link.subarray(0, 100),
  }));
  blocks.push(...padded(data));
  return blocks;
}

interface HeaderFields {
  name: Uint8Array;
  prefix?: Uint8Array | undefined;
  mode?: number;
  uid?: number;
  gid?: number;
  size: number;
  mtime?: number;
  typeflag: string;
  linkname?: Uint8Array;
}

function header(fields: HeaderFields): Uint8Array {
  const block = new Uint8Array(BLOCK_SIZE);
  block.set(fields.name, 0);
  writeOctal(block, 100, 8, fields.mode ?? 0o644);
  writeOctal(block, 108, 8, fields.uid ?? 0);
  writeOctal(block, 116, 8, fields.gid ?? 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime ?? 0);
  block[156] = fields.typeflag.charCodeAt(0);
  if (fields.linkname) block.set(fields.linkname, 157);
  block.set(encoder.encode("ustar\x0000"), 257);
  if (fields.prefix) block.set(fields.prefix, 345);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\x00 "), 148);
  return block;
}

function writeOctal(block: Uint8Array, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (!Number.isInteger(value) || value < 0 || digits.length > width - 1) {
    throw new RangeError(`Cannot write ${value} into a ${width}-byte tar header field`);
  }
  block.set(encoder.encode(digits.padStart(width - 1, "0") + "\x00"), offset);
}

/** Splits a path into ustar prefix (≤155 bytes) and name (≤100 bytes) at a "/", if possible. */
function splitUstarName(path: Uint8Array): { name: Uint8Array; prefix?: Uint8Array } | undefined {
  if (path.length <= 100) return { name: path };
  const slash = 0x2f;
  // The last byte may be the "/" of a directory: never split there.
  for (let i = path.length - 2; i > 0; i--) {
    if (path[i] !== slash) continue;
    if (i > 155) continue;
    if (path.length - i - 1 > 100) return undefined;
    return { prefix: path.subarray(0, i), name: path.subarray(i + 1) };
  }
  return undefined;
}

/** PAX records are `LEN key=value\n`, where LEN counts the whole record including itself. */
function encodePaxRecords(records: Record<string, string>): Uint8Array {
  let text = "";
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    const bodyLength = encoder.encode(body).length;
    let length = bodyLength + 1;
    while (String(length).length + bodyLength !== length) {
      length = String(length).length + bodyLength;
    }
    text += `${length}${body}`;
  }
  return encoder.encode(text);
}

function padded(data: Uint8Array): Uint8Array[] {
  if (data.length === 0) return [];
  const rest = data.length % BLOCK_SIZE;
  return rest === 0 ? [data] : [data, new Uint8Array(BLOCK_SIZE - rest)];
}

function basename(path: string): string {
  const parts = path.split("/").filter((part) => part !== "");
  return parts.at(-1) ?? "entry";
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}
