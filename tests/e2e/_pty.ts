/**
 * A real pseudo terminal for e2e tests, through libc by Deno FFI (posix_openpt, ioctl,
 * tcgetattr, poll, read, write). The program runs on the slave side as its controlling
 * terminal; the test types on the master, resizes the window there (TIOCSWINSZ on a pty
 * sends SIGWINCH to the terminal's foreground group, as a terminal emulator's resize does)
 * and reads what the program printed.
 *
 * Deno.Command cannot hand a child an arbitrary fd, so the child opens the slave by its
 * path: `setsid` makes it a session leader without a terminal, and the first terminal a
 * session leader opens becomes its controlling terminal (setsid does not fork here: a Deno
 * child is no process group leader, so the child's pid is the shell's, and its process group
 * the session's). That shell stays the session leader, runs the program in its process
 * group, the terminal's foreground group (a shell without job control), prints the
 * program's status and then waits for one more line, so the test can read the terminal's
 * modes after the program exited while the session still exists (the kernel resets a pty's
 * modes when its session leader exits).
 */

/** Upper bound for a wait that should finish; only guards against a hang, never asserted. */
export const PTY_HANG_GUARD_MS = 120_000;

const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const TIOCSWINSZ = 0x5414;
const POLLIN = 0x1;

/** Local mode bits (termios c_lflag) a terminal in raw mode has off. */
export const LFLAG = { ISIG: 0x1, ICANON: 0x2, ECHO: 0x8, IEXTEN: 0x8000 } as const;

const libc = Deno.dlopen("libc.so.6", {
  posix_openpt: { parameters: ["i32"], result: "i32" },
  grantpt: { parameters: ["i32"], result: "i32" },
  unlockpt: { parameters: ["i32"], result: "i32" },
  ptsname_r: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  __errno_location: { parameters: [], result: "pointer" },
});

function errno(): number {
  const p = libc.symbols.__errno_location();
  return p ? new Deno.UnsafePointerView(p).getInt32() : 0;
}

function check(result: number | bigint, what: string): number {
  if (Number(result) < 0) throw new Error(`Cannot ${what}: errno ${errno()}`);
  return Number(result);
}

/** The termios flag words of a terminal. */
export interface TermModes {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
}

/** Window size in character cells. */
export interface WinSize {
  rows: number;
  columns: number;
}

/** Options of {@linkcode Pty.spawn}. */
export interface PtySpawnOptions {
  cwd?: string;
  /** Added to this process's environment. @default {} */
  env?: Record<string, string>;
  /** The window size at start. @default {{ rows: 24, columns: 80 }} */
  size?: WinSize;
}

/** A program running on a pseudo terminal that the test drives from the master side. */
export class Pty implements AsyncDisposable {
  #master: number;
  #slave: number;
  #child: Deno.ChildProcess;
  #output = "";
  #decoder = new TextDecoder();
  #closing = false;
  #pump: Promise<void>;
  #waiters = new Set<() => void>();
  /** The terminal's modes before the program started (the pty's defaults). */
  readonly initialModes: TermModes;

  private constructor(
    master: number,
    slave: number,
    child: Deno.ChildProcess,
    initialModes: TermModes,
  ) {
    this.#master = master;
    this.#slave = slave;
    this.#child = child;
    this.initialModes = initialModes;
    this.#pump = this.#readLoop();
  }

  /**
   * Starts `command` on a new pty (its stdin, stdout and stderr, and its controlling
   * terminal). The wrapper prints `pty-driver: exit STATUS` when the program ends and then
   * waits for a line ({@linkcode Pty.release}).
   */
  static spawn(command: string[], options: PtySpawnOptions = {}): Pty {
    const master = check(libc.symbols.posix_openpt(O_RDWR | O_NOCTTY), "open a pty (posix_openpt)");
    let slave = -1;
    try {
      check(libc.symbols.grantpt(master), "grantpt");
      check(libc.symbols.unlockpt(master), "unlockpt");
      const name = new Uint8Array(128);
      if (libc.symbols.ptsname_r(master, name, BigInt(name.length)) !== 0) {
        throw new Error("Cannot get the pty's slave name (ptsname_r)");
      }
      const path = new TextDecoder().decode(name.subarray(0, name.indexOf(0)));
      // Held by the driver so the pty outlives the program (no EIO on the master in between)
      // and its modes can be read after the program exited.
      slave = check(libc.symbols.open(cString(path), O_RDWR | O_NOCTTY), `open "${path}"`);
      setWinSize(master, options.size ?? { rows: 24, columns: 80 });
      const initialModes = readModes(slave);
      const wrapper = 'exec 0<>"$PTY_DRIVER_TTY" 1>&0 2>&0; "$@"; status=$?; ' +
        'printf "\\npty-driver: exit %d\\n" "$status"; read -r _; exit "$status"';
      const child = new Deno.Command("setsid", {
        args: ["--wait", "sh", "-c", wrapper, "sh", ...command],
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        env: { ...options.env, PTY_DRIVER_TTY: path },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      return new Pty(master, slave, child, initialModes);
    } catch (error) {
      if (slave >= 0) libc.symbols.close(slave);
      libc.symbols.close(master);
      throw error;
    }
  }

  /** Everything the program printed so far (the terminal's output, with its CR LF). */
  get output(): string {
    return this.#output;
  }

  /** The wrapper shell's status: the program's, once {@linkcode Pty.release} let it end. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  /** Types `data` (a keystroke, "\x03" for Ctrl-C, "\r" for Enter). */
  write(data: string | Uint8Array): void {
    let bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    while (bytes.length > 0) {
      const n = check(libc.symbols.write(this.#master, bytes, BigInt(bytes.length)), "write");
      bytes = bytes.subarray(n);
    }
  }

  /** Resizes the window; the kernel sends SIGWINCH to the terminal's foreground group. */
  resize(size: WinSize): void {
    setWinSize(this.#master, size);
  }

  /** The terminal's current modes (read on the slave). */
  modes(): TermModes {
    return readModes(this.#slave);
  }

  /** Resolves once the output matches `pattern`; throws with the output after the hang guard. */
  async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
    return await this.#until(() => pattern.exec(this.#output), `output matching ${pattern}`);
  }

  /** Resolves once `predicate` holds for the terminal's modes (hang-guarded, polled). */
  async waitForModes(predicate: (m: TermModes) => boolean, what: string): Promise<TermModes> {
    const deadline = Date.now() + PTY_HANG_GUARD_MS;
    for (;;) {
      const modes = this.modes();
      if (predicate(modes)) return modes;
      if (Date.now() > deadline) {
        throw new Error(`The terminal never reached ${what}; output so far:\n${this.#output}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Ends the terminal's session as a closing terminal window does: SIGHUP to the session
   * leader (the wrapper shell), which dies of it; the kernel then sends SIGHUP to the
   * terminal's foreground group, the program. Resolves once the wrapper is gone.
   */
  async hangUp(): Promise<void> {
    Deno.kill(this.#child.pid, "SIGHUP");
    await this.#guarded(this.#child.status, "the wrapper shell to die of SIGHUP");
  }

  /** Waits for the program's end (the wrapper's line), lets the wrapper exit: the status. */
  async release(): Promise<number> {
    const [, status] = await this.waitFor(/pty-driver: exit (\d+)/);
    this.write("\n");
    await this.#guarded(this.#child.status, "the wrapper shell to exit");
    return Number(status);
  }

  /** Stops the session if still running (SIGTERM to its process group, then SIGKILL). */
  async [Symbol.asyncDispose](): Promise<void> {
    const exited = await Promise.race([this.#child.status.then(() => true), tick(false)]);
    if (!exited) {
      try {
        Deno.kill(-this.#child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          Deno.kill(-this.#child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }, PTY_HANG_GUARD_MS);
      await this.#child.status;
      clearTimeout(timer);
    }
    this.#closing = true;
    await this.#pump;
    libc.symbols.close(this.#slave);
    libc.symbols.close(this.#master);
  }

  async #readLoop(): Promise<void> {
    const fds = new Uint8Array(8); // struct pollfd { int fd; short events, revents; }
    const view = new DataView(fds.buffer);
    const buffer = new Uint8Array(16 * 1024);
    while (!this.#closing) {
      view.setInt32(0, this.#master, true);
      view.setInt16(4, POLLIN, true);
      view.setInt16(6, 0, true);
      const ready = await libc.symbols.poll(fds, 1n, 50);
      if (ready <= 0 || (view.getInt16(6, true) & POLLIN) === 0) continue;
      const n = Number(libc.symbols.read(this.#master, buffer, BigInt(buffer.length)));
      if (n <= 0) continue;
      this.#output += this.#decoder.decode(buffer.subarray(0, n), { stream: true });
      for (const wake of this.#waiters) wake();
    }
  }

  async #until<T>(test: () => T | null, what: string): Promise<T> {
    const found = test();
    if (found) return found;
    let wake = () => {};
    const seen = new Promise<T>((resolve) => {
      wake = () => {
        const value = test();
        if (value) resolve(value);
      };
      this.#waiters.add(wake);
    });
    try {
      return await this.#guarded(seen, what);
    } finally {
      this.#waiters.delete(wake);
    }
  }

  async #guarded<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Gave up waiting for ${what}; output so far:\n${this.#output}`)),
        PTY_HANG_GUARD_MS,
      );
    });
    try {
      return await Promise.race([promise, guard]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function readModes(fd: number): TermModes {
  const termios = new Uint8Array(64); // glibc struct termios: 60 bytes
  check(libc.symbols.tcgetattr(fd, termios), "tcgetattr");
  const view = new DataView(termios.buffer);
  return {
    iflag: view.getUint32(0, true),
    oflag: view.getUint32(4, true),
    cflag: view.getUint32(8, true),
    lflag: view.getUint32(12, true),
  };
}

function setWinSize(fd: number, size: WinSize): void {
  const winsize = new Uint16Array([size.rows, size.columns, 0, 0]);
  check(libc.symbols.ioctl(fd, BigInt(TIOCSWINSZ), winsize), "set the window size (TIOCSWINSZ)");
}

function cString(text: string): Uint8Array {
  return new TextEncoder().encode(`${text}\0`);
}

function tick<T>(value: T): Promise<T> {
  return new Promise((r) => setTimeout(() => r(value), 0));
}
