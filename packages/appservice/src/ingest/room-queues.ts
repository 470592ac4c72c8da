/**
 * One FIFO queue per room, rooms in parallel up to a limit. This is the single ordering point
 * of a room: Matrix events and network-side work of one room run one at a time, in the order
 * they were pushed; a job that asks to be retried stays at the head of its room (so nothing in
 * that room overtakes it) but gives its slot to other rooms while it waits.
 */

import { runInTurn } from './room-turn';

/** What a job reports when it ran: finished (either way), or "run me again in this many ms". */
export type StepResult = 'done' | { retryInMs: number };

export interface Job {
  run(): Promise<StepResult>;
  /** Called instead of `run` when the queues stop before the job started. */
  cancel?(): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Queue {
  key: string;
  jobs: Job[];
  state: 'waiting' | 'running' | 'backoff';
  backoffTimer?: unknown;
}

export interface RoomQueuesOptions {
  /** How many rooms run a job at the same time. */
  concurrency: number;
  timers?: Timers;
  /** Called whenever the number of queued jobs or busy rooms changes (for gauges). */
  onDepthChange?(depth: number, activeRooms: number): void;
  /** A job threw instead of reporting its outcome (a bug in the job); its room moves on. */
  onJobError?(key: string, err: unknown): void;
}

export class RoomQueues {
  private readonly queues = new Map<string, Queue>();
  /** Rooms with work, waiting for a slot, in the order they became ready. */
  private readonly ready: Queue[] = [];
  private running = 0;
  private depth = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private stopWaiters: Array<() => void> = [];
  private readonly timers: Timers;

  constructor(private readonly options: RoomQueuesOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, got ${options.concurrency}`);
    this.timers = options.timers ?? realTimers;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Jobs queued or running, over all rooms. */
  get size(): number {
    return this.depth;
  }

  /** A job runs or waits for a slot (rooms waiting out a retry delay do not count). */
  get busy(): boolean {
    return this.running > 0 || this.ready.length > 0;
  }

  push(key: string, job: Job): void {
    if (this.stopped) throw new Error('The room queues are stopped; no new work is accepted');
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { key, jobs: [], state: 'waiting' };
      this.queues.set(key, queue);
      this.ready.push(queue);
    }
    queue.jobs.push(job);
    this.depth++;
    this.reportDepth();
    this.pump();
  }

  /** Resolves once every queue is empty (jobs pushed meanwhile are waited for too). */
  idle(): Promise<void> {
    if (this.queues.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops starting jobs, cancels those not started (and pending retries), and resolves once the
   * running jobs have finished.
   */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.ready.length = 0;
      for (const queue of this.queues.values()) {
        if (queue.backoffTimer !== undefined) this.timers.clearTimeout(queue.backoffTimer);
        const notStarted = queue.state === 'running' ? queue.jobs.splice(1) : queue.jobs.splice(0);
        for (const job of notStarted) job.cancel?.();
        this.depth -= notStarted.length;
        if (queue.state !== 'running') this.queues.delete(queue.key);
      }
      this.reportDepth();
      this.settleWaiters();
    }
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.ready.length > 0) {
      const queue = this.ready.shift()!;
      queue.state = 'running';
      this.running++;
      void this.runHead(queue);
    }
  }

  private async runHead(queue: Queue): Promise<void> {
    const job = queue.jobs[0]!;
    let result: StepResult;
    // Never inside the caller's push: whoever queues work finishes what it is doing first (an
    // IRC listener that queues a task, then records more state the task should see).
    await undefined;
    try {
      if (this.stopped) {
        job.cancel?.();
        result = 'done';
      } else {
        // Marked as the room's turn, so asking for the same room's turn inside it is recognised (room-turn.ts).
        result = await runInTurn(queue.key, () => job.run());
      }
    } catch (err) {
      // Jobs report their own failures; a throw here is a bug in the job, not a reason to stall the room.
      this.options.onJobError?.(queue.key, err);
      result = 'done';
    }
    this.running--;
    if (this.stopped) {
      queue.jobs.length = 0;
      this.depth--;
      this.queues.delete(queue.key);
    } else if (result === 'done') {
      queue.jobs.shift();
      this.depth--;
      this.requeue(queue);
    } else {
      queue.state = 'backoff';
      queue.backoffTimer = this.timers.setTimeout(() => {
        queue.backoffTimer = undefined;
        if (this.stopped) return;
        queue.state = 'waiting';
        this.ready.push(queue);
        this.pump();
      }, Math.max(0, result.retryInMs));
    }
    this.reportDepth();
    this.pump();
    this.settleWaiters();
  }

  /** Back of the line when it has more work, so one busy room cannot starve the others. */
  private requeue(queue: Queue): void {
    if (queue.jobs.length > 0) {
      queue.state = 'waiting';
      this.ready.push(queue);
    } else {
      this.queues.delete(queue.key);
    }
  }

  private settleWaiters(): void {
    if (this.queues.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (this.stopped && this.running === 0 && this.stopWaiters.length > 0) {
      const waiters = this.stopWaiters;
      this.stopWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private reportDepth(): void {
    this.options.onDepthChange?.(this.depth, this.queues.size);
  }
}
