/**
 * The file-system calls of leash's host side behind one small interface (as fresh's
 * `FsAdapter`): {@linkcode denoFs} in production, an in-memory fake where a unit test needs one.
 */

/** The file-system operations sessions, the CA and `leash clean` use. */
export interface FsAdapter {
  readTextFile(path: string): Promise<string>;
  readDir(path: string): AsyncIterable<Deno.DirEntry>;
  stat(path: string): Promise<{ isDirectory: boolean }>;
  mkdir(path: string, options?: Deno.MkdirOptions): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  remove(path: string, options?: Deno.RemoveOptions): Promise<void>;
}

/** The real file system (`Deno.*`). */
export const denoFs: FsAdapter = {
  readTextFile: (path) => Deno.readTextFile(path),
  readDir: (path) => Deno.readDir(path),
  stat: (path) => Deno.stat(path),
  mkdir: (path, options) => Deno.mkdir(path, options),
  chmod: (path, mode) => Deno.chmod(path, mode),
  remove: (path, options) => Deno.remove(path, options),
};
