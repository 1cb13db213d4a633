/** An in-memory {@linkcode FsAdapter} for unit tests: files and directories in maps, no disk. */
import { dirname } from "node:path";
import type { FsAdapter } from "./adapter.ts";

/** Files (path → text) and directories (parents are implied), with the modes chmod set. */
export class MemoryFs implements FsAdapter {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>(["/"]);
  readonly modes = new Map<string, number>();

  /** Starts with `files`; their parent directories exist. */
  constructor(files: Record<string, string> = {}) {
    for (const [path, text] of Object.entries(files)) this.write(path, text);
  }

  /** Creates or replaces file `path` (and its parent directories). */
  write(path: string, text: string): void {
    this.#mkdirs(dirname(path));
    this.files.set(path, text);
  }

  readTextFile(path: string): Promise<string> {
    const text = this.files.get(path);
    if (text === undefined) return Promise.reject(new Deno.errors.NotFound(path));
    return Promise.resolve(text);
  }

  async *readDir(path: string): AsyncIterable<Deno.DirEntry> {
    if (!this.dirs.has(path)) throw new Deno.errors.NotFound(path);
    const entry = (name: string, isDirectory: boolean) => ({
      name,
      isDirectory,
      isFile: !isDirectory,
      isSymlink: false,
    });
    for (const dir of this.dirs) {
      if (dir !== "/" && dirname(dir) === path) yield entry(dir.slice(path.length + 1), true);
    }
    for (const file of this.files.keys()) {
      if (dirname(file) === path) yield entry(file.slice(path.length + 1), false);
    }
  }

  stat(path: string): Promise<{ isDirectory: boolean }> {
    if (this.dirs.has(path)) return Promise.resolve({ isDirectory: true });
    if (this.files.has(path)) return Promise.resolve({ isDirectory: false });
    return Promise.reject(new Deno.errors.NotFound(path));
  }

  mkdir(path: string, options: Deno.MkdirOptions = {}): Promise<void> {
    if (!options.recursive && !this.dirs.has(dirname(path))) {
      return Promise.reject(new Deno.errors.NotFound(dirname(path)));
    }
    this.#mkdirs(path);
    return Promise.resolve();
  }

  chmod(path: string, mode: number): Promise<void> {
    if (!this.dirs.has(path) && !this.files.has(path)) {
      return Promise.reject(new Deno.errors.NotFound(path));
    }
    this.modes.set(path, mode);
    return Promise.resolve();
  }

  remove(path: string, options: Deno.RemoveOptions = {}): Promise<void> {
    const inside = (p: string) => p.startsWith(`${path}/`);
    if (this.files.delete(path)) return Promise.resolve();
    if (!this.dirs.has(path)) return Promise.reject(new Deno.errors.NotFound(path));
    const children = [...this.dirs, ...this.files.keys()].some(inside);
    if (children && !options.recursive) {
      return Promise.reject(new Error(`Directory not empty: "${path}"`));
    }
    for (const dir of [...this.dirs]) if (dir === path || inside(dir)) this.dirs.delete(dir);
    for (const file of [...this.files.keys()]) if (inside(file)) this.files.delete(file);
    return Promise.resolve();
  }

  #mkdirs(path: string): void {
    for (let p = path; !this.dirs.has(p); p = dirname(p)) this.dirs.add(p);
  }
}
