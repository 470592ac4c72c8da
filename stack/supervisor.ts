/**
 * The three servers of the stack as child processes: recorded in the data folder as they start,
 * watched for an unexpected exit, and stopped in reverse start order (bridge, then Synapse, then
 * the IRC server), so the bridge can still reach both while it shuts down.
 */
import type { ChildProcess } from 'node:child_process';
import { tailFile } from '../test/e2e/harness/processes';
import { removeRunningRecord, writeRunningRecord, type RunningProcess } from './state';
import type { Progress } from './progress';

interface Supervised extends RunningProcess {
  child: ChildProcess;
  /** Resolves once the process has exited and its piped output is all in its log. */
  closed: Promise<void>;
}

export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  logPath: string;
  logTail: string;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves true when the process had to be killed. */
async function stopChild({ child, closed: done }: Supervised, graceMs: number): Promise<boolean> {
  if (exited(child)) {
    await done;
    return false;
  }
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs)));
  const killed = await Promise.race([done.then(() => false), timedOut]);
  clearTimeout(timer);
  if (killed) {
    child.kill('SIGKILL');
    await done;
  }
  return killed;
}

export class Supervisor {
  private readonly running: Supervised[] = [];
  private stopping = false;
  /** Off while starting: the launchers notice a server that dies before it is ready themselves. */
  private watching = false;

  constructor(
    private readonly dataDir: string,
    /** Called once when a server dies while the stack is up (not while stopping). */
    private readonly onUnexpectedExit: (exit: UnexpectedExit) => void,
  ) {}

  adopt(name: string, child: ChildProcess, logPath: string): void {
    if (this.stopping) {
      // Spawned by a start-up step that an interruption has already abandoned.
      child.kill('SIGTERM');
      return;
    }
    const pid = child.pid as number;
    // 'close' rather than 'exit': the output is piped through the stack (capped-log.ts), and the
    // last lines, which say why a server stopped, reach its log only after it exited.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    this.running.push({ name, pid, logPath, child, closed });
    writeRunningRecord(this.dataDir, { launcherPid: process.pid, processes: this.running.map(({ name: n, pid: p, logPath: l }) => ({ name: n, pid: p, logPath: l })) });
    child.once('close', (code, signal) => {
      if (this.stopping || !this.watching) return;
      this.onUnexpectedExit({ name, code, signal, logPath, logTail: tailFile(logPath, 30) });
    });
  }

  /** From now on a server that exits is reported (everything is up). */
  watch(): void {
    this.watching = true;
  }

  /** Last resort when stopping hangs: SIGKILL everything, keep the record for the next start's cleanup. */
  killAll(): void {
    this.stopping = true;
    for (const { child } of this.running) if (!exited(child)) child.kill('SIGKILL');
  }

  /** Stops everything still running, newest first, and forgets the record. */
  async stopAll(progress: Progress, graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const proc of [...this.running].reverse()) {
      if (exited(proc.child)) continue;
      await progress.step(`Stopping ${proc.name}`, () => stopChild(proc, graceMs), (killed) => (killed ? `killed (it ignored SIGTERM for ${graceMs / 1000} s)` : 'stopped'));
    }
    // Nothing started means the record, if any, is another stack's (one refused to start next to it).
    if (this.running.length > 0) removeRunningRecord(this.dataDir);
  }
}
