/**
 * The harness's handle on the bridge child: spawn, wait for ready, ask for stats over IPC, read
 * peak RSS from /proc (VmHWM, kept by the kernel, so no sampling is needed), stop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { procStatusBytes } from '../proc';
import { nowMs, withTimeout } from '../time';
import type { ChildCommand, ChildReply, ChildStats, Pauses, PuppetCounts, WatchedTimes } from './protocol';
import type { ProbeDump } from './probes';

export interface SpawnOptions {
  specPath: string;
  logFile: string;
  /** Extra node flags, e.g. --expose-gc or --cpu-prof. */
  nodeArgs?: string[];
  /** Working directory (where --cpu-prof writes its profile). */
  cwd?: string;
}

const READY_TIMEOUT_MS = 30_000;

export class BridgeProcess {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<number | null>;
  port = 0;
  /** Bridge.start() duration as measured inside the child. */
  startMs = 0;
  readyAt = 0;

  private constructor(private readonly child: ChildProcess, readonly spawnedAt: number) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('message', (message: ChildReply) => {
      if (message.type !== 'reply') return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`bridge child: ${message.error}`));
      else waiter?.resolve(message.result);
    });
  }

  static async spawn(options: SpawnOptions): Promise<BridgeProcess> {
    const log = openSync(options.logFile, 'a');
    const spawnedAt = nowMs();
    const child = fork(path.join(__dirname, 'child.js'), [options.specPath], {
      stdio: ['ignore', log, log, 'ipc'],
      execArgv: options.nodeArgs ?? [],
      cwd: options.cwd,
    });
    closeSync(log);
    const handle = new BridgeProcess(child, spawnedAt);
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: ChildReply) => {
        if (message.type !== 'ready') return;
        handle.port = message.port;
        handle.startMs = message.startMs;
        handle.readyAt = nowMs();
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`the bridge child exited (code ${code}) before it was ready; see ${options.logFile}`)));
    });
    await withTimeout(ready, READY_TIMEOUT_MS, 'the bridge child to start');
    return handle;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  request<T>(cmd: ChildCommand, timeoutMs = 60_000): Promise<T> {
    const id = ++this.nextId;
    const reply = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd });
    });
    return withTimeout(reply, timeoutMs, `the bridge child to answer "${cmd}"`);
  }

  stats(): Promise<ChildStats> {
    return this.request('stats');
  }

  gc(): Promise<ChildStats> {
    return this.request('gc');
  }

  puppets(): Promise<PuppetCounts> {
    return this.request('puppets');
  }

  /** Starts recording registration and self-JOIN times of the puppets that exist now; resolves with their number. */
  watch(): Promise<number> {
    return this.request('watch');
  }

  watched(): Promise<WatchedTimes> {
    return this.request('watched');
  }

  /** Sum of a metric's values in the bridge's Prometheus registry over series matching `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metrics = await this.request<Array<{ name: string; values: Array<{ value: number; labels: Record<string, string | number> }> }>>('metrics');
    const values = metrics.find((m) => m.name === name)?.values ?? [];
    return values.filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)).reduce((n, v) => n + v.value, 0);
  }

  /** A metric's series keyed by the value of one label (e.g. bridgekit_cache_size by `cache`). */
  async metricBy(name: string, label: string): Promise<Record<string, number>> {
    const metrics = await this.request<Array<{ name: string; values: Array<{ value: number; labels: Record<string, string | number> }> }>>('metrics');
    const out: Record<string, number> = {};
    for (const v of metrics.find((m) => m.name === name)?.values ?? []) out[String(v.labels[label])] = v.value;
    return out;
  }

  /** Event-loop delay and GC pauses since the last call. */
  pauses(): Promise<Pauses> {
    return this.request('pauses');
  }

  /** Writes a V8 heap snapshot in the child's working directory; resolves with its path. */
  heapSnapshot(): Promise<string> {
    return this.request('heap-snapshot', 300_000);
  }

  probes(): Promise<ProbeDump> {
    return this.request('probes');
  }

  /** Peak resident set size so far (kernel's high-water mark), in bytes. */
  peakRss(): number {
    return this.procStatus('VmHWM');
  }

  rss(): number {
    return this.procStatus('VmRSS');
  }

  /** Stops the bridge cleanly (bounded), then makes sure the process is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.request('stop', 20_000).catch(() => undefined);
    await withTimeout(this.exited, 10_000, 'the bridge child to exit').catch(() => this.child.kill('SIGKILL'));
    await this.exited;
  }

  private procStatus(field: string): number {
    return procStatusBytes(this.pid, field);
  }
}

/** CPU time (user + system) between two stats, in milliseconds. */
export function cpuMs(from: ChildStats, to: ChildStats): number {
  return (to.cpu.user - from.cpu.user + to.cpu.system - from.cpu.system) / 1000;
}
