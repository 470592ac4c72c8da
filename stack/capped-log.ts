/**
 * A log file that cannot fill the disk: the stack pipes each server's output through one of these
 * instead of letting the server append to a file. It keeps `keep` files of at most `maxBytes`
 * each: `<name>` is written, and when it is full it becomes `<name>.1`, `<name>.1` becomes
 * `<name>.2`, and the oldest is deleted. (An IRC server stuck printing "Write error" in a loop once
 * wrote 3.9 GB in ten minutes into an uncapped log.)
 *
 * Writes are synchronous: a stack's servers log a few lines a second, and nothing is lost when the
 * stack exits right after a server's last words.
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface CappedLogLimits {
  /** Largest size of one file; a line is cut only when it alone is longer than this. */
  maxBytes: number;
  /** How many files exist at most, the one being written included (at least 1). */
  keep: number;
}

/** What the stack keeps of each server's output: 5 files of 10 MB (at most 50 MB per server). */
export const STACK_LOG_LIMITS: CappedLogLimits = { maxBytes: 10 * 1024 * 1024, keep: 5 };

const NEWLINE = 0x0a;

/** `<name>.1`, `<name>.2`, …: the older files of `path`, newest first. */
export function olderLogPath(path: string, age: number): string {
  return `${path}.${age}`;
}

/**
 * Shifts `path` to `path.1` (and so on), deleting what would become file number `keep`. Leaves no
 * file at `path`. Called when a file is full, and at each stack start so every run begins a file.
 */
export function rotateLog(path: string, keep: number): void {
  if (keep <= 1) {
    rmSync(path, { force: true });
    return;
  }
  rmSync(olderLogPath(path, keep - 1), { force: true });
  for (let age = keep - 2; age >= 1; age--) {
    if (existsSync(olderLogPath(path, age))) renameSync(olderLogPath(path, age), olderLogPath(path, age + 1));
  }
  if (existsSync(path)) renameSync(path, olderLogPath(path, 1));
}

/** For the launchers' `openLog` option: each server's output through a capped log with the stack's limits. */
export function openCappedLog(path: string): CappedLogFile {
  return new CappedLogFile(path, STACK_LOG_LIMITS);
}

export class CappedLogFile {
  private fd: number | undefined;
  private size: number;

  constructor(
    readonly path: string,
    private readonly limits: CappedLogLimits = STACK_LOG_LIMITS,
  ) {
    if (!(limits.maxBytes >= 1) || !(limits.keep >= 1)) throw new Error(`CappedLogFile: maxBytes and keep must be at least 1 (got ${limits.maxBytes}, ${limits.keep})`);
    this.fd = openSync(path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  /** Appends `chunk`, starting a new file first whenever the current one has no room left. */
  write(chunk: Buffer | string): void {
    if (this.fd === undefined) return; // closed: a child's output racing its own exit
    let rest = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    while (rest.length > 0) {
      const room = this.limits.maxBytes - this.size;
      if (room <= 0) {
        this.startNewFile();
        continue;
      }
      const take = rest.length <= room ? rest.length : this.cutPoint(rest, room);
      this.append(rest.subarray(0, take));
      rest = rest.subarray(take);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * How much of `data` goes into the `room` left: up to its last whole line when one fits, so
   * files start at a line; all the room when the file is empty (a line longer than a file).
   */
  private cutPoint(data: Buffer, room: number): number {
    const lastNewline = data.lastIndexOf(NEWLINE, room - 1);
    if (lastNewline >= 0) return lastNewline + 1;
    return this.size === 0 ? room : 0;
  }

  private append(data: Buffer): void {
    if (data.length === 0) {
      // Nothing of the next line fits: it starts the next file.
      this.startNewFile();
      return;
    }
    let written = 0;
    while (written < data.length) written += writeSync(this.fd as number, data, written, data.length - written);
    this.size += data.length;
  }

  private startNewFile(): void {
    closeSync(this.fd as number);
    rotateLog(this.path, this.limits.keep);
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }
}
