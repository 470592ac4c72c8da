/**
 * Which IPv6 source address each Matrix user connects to a network from, kept in the store so
 * an address, once handed out, is the user's for good: across restarts, reconnects and reloads.
 * IRC operators ban and limit by address; a user whose address changed would escape a ban, and
 * one whose address another user inherited would carry someone else's.
 *
 * The repository is async and runs on the store's portable tables, so the same code serves
 * SQLite and PostgreSQL (the migration has a variant for each).
 */
import type { Migration, StoreTables, UserId } from '@bridgekit/appservice';
import { OrderedWrites } from '../store/ordered-writes';
import type { NetworkId } from '../mapping/ids';

type Step = Omit<Migration, 'version'>;

/** One user's address on one network. */
export interface SourceAddressRecord {
  address: string;
  /** The prefix (canonical text) the address was handed out from. */
  prefix: string;
}

/**
 * Where new addresses come from: index n is `start + n` while inside the prefix. A new user
 * gets the index after the highest one handed out in this prefix, skipping an address another
 * row still holds. An address freed below that index (its user moved to another prefix) is not
 * handed out again while the prefix has rows above it.
 */
export interface AllocationSpace {
  prefix: string;
  /** How an integer index becomes an address (the allocator knows the prefix's arithmetic). */
  addressAt(index: number): string | undefined;
}

export interface SourceAddressRepository {
  get(network: NetworkId, userId: UserId): Promise<SourceAddressRecord | undefined>;
  /**
   * Gives the user the next free address of `space` (replacing an address from another prefix)
   * and returns it; undefined when the space is used up. Atomic: two users never get one address.
   */
  allocate(network: NetworkId, userId: UserId, space: AllocationSpace, now: number): Promise<SourceAddressRecord | undefined>;
}

export const SOURCE_ADDRESS_STEP: Step = {
  description: 'irc: one IPv6 source address per Matrix user and network (irc.networks.*.ipv6)',
  up(db) {
    db.exec(`
      CREATE TABLE irc_source_addresses (
        network TEXT NOT NULL,
        user_id TEXT NOT NULL,
        prefix TEXT NOT NULL,
        seq INTEGER NOT NULL,
        address TEXT NOT NULL,
        allocated_at INTEGER NOT NULL,
        PRIMARY KEY (network, user_id),
        UNIQUE (network, address)
      );
      CREATE INDEX irc_source_addresses_seq ON irc_source_addresses (network, prefix, seq);
    `);
  },
  postgres: `
    CREATE TABLE irc_source_addresses (
      network TEXT NOT NULL, user_id TEXT NOT NULL, prefix TEXT NOT NULL, seq BIGINT NOT NULL,
      address TEXT NOT NULL, allocated_at BIGINT NOT NULL,
      PRIMARY KEY (network, user_id), UNIQUE (network, address)
    );
    CREATE INDEX irc_source_addresses_seq ON irc_source_addresses (network, prefix, seq);
  `,
};

export function sourceAddressMigrations(firstVersion: number): Migration[] {
  return [{ ...SOURCE_ADDRESS_STEP, version: firstVersion }];
}

/**
 * The repository on the store's portable tables (SQLite or PostgreSQL). Allocations run one at a
 * time in this process (one bridge per store), and the table's UNIQUE (network, address) is the
 * guarantee: an address another row took in between makes the insert fail, and the next is tried.
 */
export class StoreSourceAddresses implements SourceAddressRepository {
  private readonly allocations = new OrderedWrites(undefined, 'source address');

  constructor(private readonly tables: StoreTables) {}

  get(network: NetworkId, userId: UserId): Promise<SourceAddressRecord | undefined> {
    return this.tables.get<SourceAddressRecord>('SELECT address, prefix FROM irc_source_addresses WHERE network = ? AND user_id = ?', [network, userId]);
  }

  allocate(network: NetworkId, userId: UserId, space: AllocationSpace, now: number): Promise<SourceAddressRecord | undefined> {
    let result: SourceAddressRecord | undefined;
    return this.allocations.run(async () => { result = await this.allocateNow(network, userId, space, now); }).then(() => result);
  }

  private async allocateNow(network: NetworkId, userId: UserId, space: AllocationSpace, now: number): Promise<SourceAddressRecord | undefined> {
    const existing = await this.get(network, userId);
    if (existing?.prefix === space.prefix) return existing;
    // Past the highest index handed out in this prefix. An address may still be held by a row
    // written before `start` moved: skip it (at most one try per existing row).
    const max = await this.tables.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM irc_source_addresses WHERE network = ? AND prefix = ?', [network, space.prefix]);
    for (let seq = (max?.seq ?? -1) + 1; ; seq++) {
      const address = space.addressAt(seq);
      if (address === undefined) return undefined;
      try {
        await this.tables.run(`INSERT INTO irc_source_addresses (network, user_id, prefix, seq, address, allocated_at) VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (network, user_id) DO UPDATE SET prefix = excluded.prefix, seq = excluded.seq, address = excluded.address, allocated_at = excluded.allocated_at`,
        [network, userId, space.prefix, seq, address, now]);
        return { address, prefix: space.prefix };
      } catch (err) {
        if (!this.tables.isUniqueViolation(err)) throw err;
      }
    }
  }
}
