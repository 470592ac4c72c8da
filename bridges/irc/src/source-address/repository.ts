/**
 * Which IPv6 source address each Matrix user connects to a network from, kept in the store so
 * an address, once handed out, is the user's for good: across restarts, reconnects and reloads.
 * IRC operators ban and limit by address; a user whose address changed would escape a ban, and
 * one whose address another user inherited would carry someone else's.
 *
 * The repository is async so another database can stand behind it. The SQLite one does its
 * allocation in one transaction; the SQL is plain enough for PostgreSQL (the migration has its
 * variant) with the table lock the core's PostgreSQL repositories take around read-then-write.
 */
import type { Database } from 'better-sqlite3';
import type { Migration, UserId } from '@bridgekit/appservice';
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

interface Row {
  address: string;
  prefix: string;
}

export class SqliteSourceAddresses implements SourceAddressRepository {
  private readonly select;
  private readonly maxSeq;
  private readonly taken;
  private readonly upsert;
  private readonly allocateTx;

  constructor(db: Database) {
    this.select = db.prepare<[string, string], Row>('SELECT address, prefix FROM irc_source_addresses WHERE network = ? AND user_id = ?');
    this.maxSeq = db.prepare<[string, string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM irc_source_addresses WHERE network = ? AND prefix = ?');
    this.taken = db.prepare<[string, string], { user_id: string }>('SELECT user_id FROM irc_source_addresses WHERE network = ? AND address = ?');
    this.upsert = db.prepare(`INSERT INTO irc_source_addresses (network, user_id, prefix, seq, address, allocated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (network, user_id) DO UPDATE SET prefix = excluded.prefix, seq = excluded.seq, address = excluded.address, allocated_at = excluded.allocated_at`);
    this.allocateTx = db.transaction((network: NetworkId, userId: UserId, space: AllocationSpace, now: number): SourceAddressRecord | undefined => {
      const existing = this.select.get(network, userId);
      if (existing?.prefix === space.prefix) return existing;
      // Past the highest index handed out in this prefix. An address may still be held by a
      // row written before `start` moved: skip it (at most one try per existing row).
      let seq = (this.maxSeq.get(network, space.prefix)?.seq ?? -1) + 1;
      for (;;) {
        const address = space.addressAt(seq);
        if (address === undefined) return undefined;
        if (!this.taken.get(network, address)) {
          this.upsert.run(network, userId, space.prefix, seq, address, now);
          return { address, prefix: space.prefix };
        }
        seq++;
      }
    });
  }

  async get(network: NetworkId, userId: UserId): Promise<SourceAddressRecord | undefined> {
    return this.select.get(network, userId);
  }

  async allocate(network: NetworkId, userId: UserId, space: AllocationSpace, now: number): Promise<SourceAddressRecord | undefined> {
    return this.allocateTx(network, userId, space, now);
  }
}
