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

export class PuppetRecords {
  constructor(private readonly kv: KeyValueRepository, private readonly network: NetworkId) {}

  async save(record: PuppetRecord): Promise<void> {
    await this.kv.set(this.key(record.userId), { displayName: record.displayName, channels: record.channels });
  }

  async remove(userId: UserId): Promise<void> {
    await this.kv.delete(this.key(userId));
  }

  async all(): Promise<PuppetRecord[]> {
    const prefix = `${PREFIX}${this.network}/`;
    const records: PuppetRecord[] = [];
    for (const key of await this.kv.keys(prefix)) {
      const value = await this.kv.get<{ displayName?: string; channels?: PuppetRecord['channels'] }>(key);
      if (!value || !Array.isArray(value.channels)) continue;
      records.push({ userId: key.slice(prefix.length) as UserId, ...(value.displayName ? { displayName: value.displayName } : {}), channels: value.channels });
    }
    return records;
  }

  private key(userId: UserId): string {
    return `${PREFIX}${this.network}/${userId}`;
  }
}
