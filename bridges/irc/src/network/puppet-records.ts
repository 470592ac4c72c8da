/**
 * Which Matrix users were connected to a network, and in which channels, kept in the store so
 * a restarted bridge brings them back (paced by the connect-rate gate) instead of leaving them
 * absent from IRC until they next speak. A user who disconnected on purpose (idle, !quit) has
 * no record: a restart does not resurrect them.
 */
import type { KeyValueRepository, UserId } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping/ids';

export interface PuppetRecord {
  userId: UserId;
  /** For the nick template, so the nick after a restart is the nick before it. */
  displayName?: string;
  channels: Array<{ channel: string; key?: string }>;
}

const PREFIX = 'irc.puppet/';

/** A write waiting for the next flush: the record, or undefined to remove it. */
interface PendingWrite {
  record: { displayName: string | undefined; channels: PuppetRecord['channels'] } | undefined;
}

export class PuppetRecords {
  /**
   * Writes gathered in this turn, last one per user. 200 users joining at once are 200 writes
   * in one transaction, flushed on the next turn, rather than 200 commits in their handlers.
   */
  private pending = new Map<UserId, PendingWrite>();
  private flushed: Promise<void> | undefined;
  private lastFlush: Promise<void> = Promise.resolve();

  constructor(private readonly kv: KeyValueRepository, private readonly network: NetworkId) {}

  /** Resolves once written (on the next turn, with the other writes of this one). */
  save(record: PuppetRecord): Promise<void> {
    return this.enqueue(record.userId, { record: { displayName: record.displayName, channels: record.channels } });
  }

  remove(userId: UserId): Promise<void> {
    return this.enqueue(userId, { record: undefined });
  }

  async all(): Promise<PuppetRecord[]> {
    await this.lastFlush;
    const prefix = `${PREFIX}${this.network}/`;
    const records: PuppetRecord[] = [];
    for (const key of await this.kv.keys(prefix)) {
      const value = await this.kv.get<{ displayName?: string; channels?: PuppetRecord['channels'] }>(key);
      if (!value || !Array.isArray(value.channels)) continue;
      records.push({ userId: key.slice(prefix.length) as UserId, ...(value.displayName ? { displayName: value.displayName } : {}), channels: value.channels });
    }
    return records;
  }

  private enqueue(userId: UserId, write: PendingWrite): Promise<void> {
    this.pending.set(userId, write);
    if (!this.flushed) {
      // After the previous flush has finished: on PostgreSQL two could otherwise commit out of order.
      const previous = this.lastFlush;
      this.flushed = new Promise<void>((resolve) => setImmediate(resolve)).then(() => previous).then(() => this.flush());
      this.lastFlush = this.flushed.catch(() => undefined);
    }
    return this.flushed;
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.flushed = undefined;
    const saves: Array<[string, unknown]> = [];
    const removals: string[] = [];
    for (const [userId, { record }] of batch) {
      if (record) saves.push([this.key(userId), record]);
      else removals.push(this.key(userId));
    }
    if (saves.length > 0) await this.kv.setMany(saves);
    for (const key of removals) await this.kv.delete(key);
  }

  private key(userId: UserId): string {
    return `${PREFIX}${this.network}/${userId}`;
  }
}
