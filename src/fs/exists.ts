/**
 * Whether `path` can be stat'ed. Any error (missing, no permission, a loop of links) counts
 * as absent: for probes that only ask whether something is there to use.
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
