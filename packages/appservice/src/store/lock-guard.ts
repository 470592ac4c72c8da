/**
 * What the bridge does when the PostgreSQL connection holding its store lock breaks (a database
 * restart, a killed backend): the lock went with the connection.
 *
 * While the store takes the lock again, pushes are refused (500: the homeserver keeps them and
 * retries). Taking it again is safe only when nobody held it in between, which the lock's record
 * proves (postgres/process-lock.ts); then pushes are taken again. Otherwise another process has
 * (or had) the store, and going on could bridge every message twice: the bridge stops and exits
 * non-zero, for the service manager to restart it; the start then takes the lock or names its holder.
 */
import { errorMessage } from '../errors/bridge-error';
import type { Logger } from '../log/types';

export class StoreLockGuard {
  private paused?: Error;
  private lostForGood?: Error;

  /** `fatal`: stop the bridge and exit non-zero (the CLI), once. */
  constructor(private readonly log: Logger, private readonly fatal: (err: Error) => void) {}

  /** Why pushes must be refused now, if they must. */
  get refusal(): Error | undefined {
    return this.lostForGood ?? this.paused;
  }

  lost(err: Error): void {
    if (this.lostForGood) return;
    this.paused = err;
    this.log.warn('Lost the PostgreSQL connection holding the store lock; refusing pushes until it is taken again', { error: errorMessage(err) });
  }

  regained(): void {
    if (this.lostForGood) return;
    this.paused = undefined;
    this.log.info('Took the store lock again; taking pushes again');
  }

  gone(err: Error): void {
    if (this.lostForGood) return;
    this.lostForGood = err;
    this.log.error('Lost the store lock for good: another bridge process could have taken the store. '
      + 'Refusing pushes and stopping with exit code 1; the service manager should restart the bridge', { error: errorMessage(err) });
    this.fatal(err);
  }
}
