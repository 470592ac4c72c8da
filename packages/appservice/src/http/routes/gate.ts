import type { NextFunction, Request, Response } from 'express';
import { sendError } from '../respond';

/**
 * Admits connector route requests until shutdown begins, and knows which are still running.
 * At shutdown the bridge closes the gate (new requests get 503 and their connection closed,
 * so a client retries elsewhere or later), waits a bounded time for the running ones, then
 * aborts their signals: a handler that waits on something slow (an operator's answer, a large
 * download) learns that nobody will read its reply.
 */
export class RouteGate {
  private closed = false;
  private readonly running = new Set<AbortController>();
  private idleWaiters: Array<() => void> = [];

  get inFlight(): number {
    return this.running.size;
  }

  /** Express middleware: 503 once closed; otherwise tracks the request until its response ends. */
  readonly admit = (_req: Request, res: Response, next: NextFunction): void => {
    if (this.closed) {
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', '5');
      sendError(res, 503, 'M_UNAVAILABLE', 'The bridge is shutting down; retry in a moment.');
      return;
    }
    const controller = new AbortController();
    this.running.add(controller);
    res.locals.signal = controller.signal;
    // 'close' fires when the response finished or the connection went away, whichever is first.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new Error('The caller went away'));
      this.running.delete(controller);
      if (this.running.size === 0) this.wakeIdle();
    });
    next();
  };

  close(): void {
    this.closed = true;
  }

  /** Resolves once no admitted request is running. */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Tells every running handler to give up (shutdown's grace period is over). */
  abortAll(reason: string): void {
    for (const controller of this.running) controller.abort(new Error(reason));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
