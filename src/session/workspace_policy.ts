/** The built-in policy's workspace is wherever the session mounts the user's directory. */

/** Cedar string literal of `text`. */
function cedarString(text: string): string {
  return JSON.stringify(text);
}

/**
 * Appends a read-write permit for `cwd` (mounted at the same path in the target) to the
 * built-in policy, whose own workspace rule names `/workspace/`.
 */
export function withWorkspace(policy: string, cwd: string): string {
  const dir = cwd.endsWith("/") ? cwd : `${cwd}/`;
  return `${policy}
// Added by leash run: the current directory, mounted at the same path.
@id("session-workspace-rw")
permit (principal, action == Action::"FileOpen", resource in Dir::${cedarString(dir)});
`;
}
