/**
 * Prints the raw BTF (the kernel's .BTF section) embedded in an uncompressed kernel image
 * (an arm64 `Image`, Debian's vmlinuz-*-arm64) to stdout, for `bpftool btf dump file`: the
 * image is not ELF, so the section is found by its header (magic 0xeB9F, version 1, the type
 * section at offset 0 followed by the string section). Exactly one candidate must match.
 *
 * Usage: deno run --allow-read scripts/lib/btf_from_image.ts IMAGE > vmlinux.btf
 */

/** Offsets and length of every well-formed BTF blob in `image`. */
export function findBtf(image: Uint8Array): { offset: number; length: number }[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const found: { offset: number; length: number }[] = [];
  for (let i = 0; i + 24 <= image.length; i++) {
    if (image[i] !== 0x9f || image[i + 1] !== 0xeb || image[i + 2] !== 1 || image[i + 3] !== 0) {
      continue;
    }
    const hdrLen = view.getUint32(i + 4, true);
    const typeOff = view.getUint32(i + 8, true);
    const typeLen = view.getUint32(i + 12, true);
    const strOff = view.getUint32(i + 16, true);
    const strLen = view.getUint32(i + 20, true);
    const length = hdrLen + strOff + strLen;
    if (hdrLen !== 24 || typeOff !== 0 || strOff !== typeLen || typeLen === 0 || strLen === 0) {
      continue;
    }
    if (i + length > image.length || image[i + hdrLen + strOff] !== 0) continue;
    found.push({ offset: i, length });
  }
  return found;
}

/** Writes one line to stderr (scripts print their own errors; library code never does). */
async function fail(line: string, code: number): Promise<never> {
  await Deno.stderr.write(new TextEncoder().encode(`${line}\n`));
  Deno.exit(code);
}

if (import.meta.main) {
  const path = Deno.args[0] ?? await fail("usage: btf_from_image.ts IMAGE", 2);
  const image = await Deno.readFile(path);
  const found = findBtf(image);
  if (found.length !== 1) {
    await fail(
      `error: Cannot find the BTF in "${path}": ${found.length} candidates (need an uncompressed kernel image built with CONFIG_DEBUG_INFO_BTF)`,
      1,
    );
  }
  const { offset, length } = found[0]!;
  let rest = image.subarray(offset, offset + length);
  while (rest.length > 0) rest = rest.subarray(await Deno.stdout.write(rest));
}
