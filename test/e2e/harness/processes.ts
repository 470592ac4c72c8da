/**
 * Child processes of the run (IRC server, Synapse, bridges): spawned with their output in a log
 * file, stopped by PID with SIGTERM then SIGKILL, and recorded so a later run can clean up after
 * one that crashed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { delay } from './wait';

/** Takes a child's output when the child must not append to its log file itself. */
export interface LogSink {
  write(chunk: Buffer): void;
  close(): void;
}

export interface SpawnLoggedOptions {
  cwd: string;
  logPath: string;
  /**
   * Pipes stdout and stderr into `openLog(logPath)` instead of handing the child the file (the
   * local stack caps its logs this way). Closed once the child's output has ended.
   */
  openLog?: (logPath: string) => LogSink;
  env?: NodeJS.ProcessEnv;
  /**
   * In a process group of its own, so a terminal's Ctrl-C (sent to the whole foreground group)
   * reaches only the parent, which then stops its children in order (the local stack does this).
   */
  detached?: boolean;
}

/** Spawns with stdout and stderr appended to `logPath` (or to `openLog`'s sink), no stdin. */
export function spawnLogged(command: string, args: readonly string[], options: SpawnLoggedOptions): ChildProcess {
  if (options.openLog) return spawnPiped(command, args, options, options.openLog(options.logPath));
  const fd = openSync(options.logPath, 'a');
  try {
    return spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: options.detached ?? false,
    });
  } finally {
    // The child has its own copy of the descriptor now.
    closeSync(fd);
  }
}

function spawnPiped(command: string, args: readonly string[], options: SpawnLoggedOptions, sink: LogSink): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  child.stdout?.on('data', (chunk: Buffer) => sink.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => sink.write(chunk));
  // 'close' comes after both pipes are drained; 'error' alone when the program could not start.
  child.once('close', () => sink.close());
  child.once('error', () => {
    if (child.pid === undefined) sink.close();
  });
  return child;
}

/** Resolves once a freshly spawned child is running, rejects if it could not be started at all. */
export function whenSpawned(child: ChildProcess, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid as number));
    child.once('error', (err) => reject(new Error(`could not start ${name}: ${err.message}`)));
  });
}

/** Alive and not a zombie (a reparented zombie still answers kill(pid, 0)). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs: trust kill(pid, 0)
  }
}

/** The command line of a running process, or undefined when it cannot be read. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves true when the process had to be killed. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<boolean> {
  if (!isAlive(pid)) return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return false;
    await delay(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited between the last check and the kill
  }
  return true;
}

/** The last `count` lines of a log file, for error messages. */
export function tailFile(path: string, count = 50): string {
  if (!existsSync(path)) return `(no log at ${path})`;
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}

/** Tracks whether a child has exited, for readiness waits that must fail fast. */
export function exitWatcher(child: ChildProcess, name: string, logPath: string): () => Error | undefined {
  let exited: Error | undefined;
  // 'close', not 'exit': with piped output (SpawnLoggedOptions.openLog) the last lines, which say
  // why it stopped, are in the log only once its output has ended.
  child.once('close', (code, signal) => {
    exited = new Error(
      `${name} exited during startup (${signal ? `signal ${signal}` : `exit code ${code}`}); last lines of ${logPath}:\n` +
        tailFile(logPath),
    );
  });
  return () => exited;
}
