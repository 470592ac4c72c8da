/**
 * Store writes made behind an in-memory change. IRC listeners decide synchronously, in line
 * order, from state kept in memory (portals, ghost bindings, channel flags); the store follows
 * in the same order. `run` is for callers that can wait (the promise settles when the write
 * did); `behind` for a listener that cannot: a failure is logged, since the change then lives
 * only until the next restart.
 */
import type { Logger } from '@bridgekit/appservice';

export class OrderedWrites {
  private tail: Promise<unknown> = Promise.resolve();

  /** `what`: the records written, for the log line of a failure (e.g. "ghost binding"). */
  constructor(private readonly log: Logger | undefined, private readonly what: string) {}

  run(write: () => Promise<unknown>): Promise<void> {
    const done = this.tail.catch(() => undefined).then(write);
    this.tail = done;
    return done.then(() => undefined);
  }

  behind(write: () => Promise<unknown>): void {
    this.run(write).catch((error: Error) => {
      this.log?.error(`A ${this.what} change did not reach the store; it is lost at the next restart`, { error: error.message });
    });
  }

  /** Resolves once every write queued so far has settled (shutdown, tests). */
  async flushed(): Promise<void> {
    await this.tail.catch(() => undefined);
  }
}
