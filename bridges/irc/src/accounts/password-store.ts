/**
 * IRC passwords at rest: one encrypted row per (Matrix user, network). The owner's user ID,
 * network and services account name are the associated data of the ciphertext, so editing any
 * of them in the database makes the row fail authentication. Plaintext never leaves this class
 * except as the return value of `get`, and nothing here logs.
 */
import type { StoreTables, UserId } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping';
import { AccountError } from './errors';
import { RowCache, rowKey } from './row-cache';
import { secretAad, type SecretBox } from './secret-box';

export interface StoredPassword {
  /** Services account to log in as; absent means "the nick at connect time". */
  account?: string;
  password: Buffer;
}

interface Row {
  user_id: string;
  network: string;
  account: string | null;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

const UPSERT = `INSERT INTO irc_stored_passwords (user_id, network, account, key_id, iv, ciphertext, tag, stored_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (user_id, network) DO UPDATE SET account = excluded.account, key_id = excluded.key_id,
    iv = excluded.iv, ciphertext = excluded.ciphertext, tag = excluded.tag, stored_at = excluded.stored_at`;

/** Reads are from memory (loaded by `load()`); writes resolve once stored (row-cache.ts). */
export class PasswordStore {
  private readonly rows: RowCache<Row>;

  constructor(tables: StoreTables, private readonly box: SecretBox, private readonly now: () => number = Date.now) {
    this.rows = new RowCache(tables);
  }

  /** Reads every stored password (still sealed) from the store. */
  load(): Promise<void> {
    return this.rows.load('SELECT user_id, network, account, key_id, iv, ciphertext, tag FROM irc_stored_passwords', (r) => rowKey(r.user_id, r.network));
  }

  /** Stores (or replaces) the password; any bytes round-trip. Resolves once stored. */
  put(userId: UserId, network: NetworkId, password: Uint8Array | string, account?: string): Promise<void> {
    const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
    if (bytes.length === 0) throw new AccountError('PASSWORD_INVALID', 'The password is empty.');
    const sealed = this.box.seal(bytes, secretAad(userId, network, account));
    const row: Row = { user_id: userId, network, account: account ?? null, key_id: sealed.keyId, iv: sealed.iv, ciphertext: sealed.ciphertext, tag: sealed.tag };
    return this.rows.put(rowKey(userId, network), row, (t) =>
      t.run(UPSERT, [userId, network, row.account, row.key_id, row.iv, row.ciphertext, row.tag, this.now()]));
  }

  /** Throws PASSWORD_KEY_CHANGED or PASSWORD_TAMPERED when the row cannot be trusted. */
  get(userId: UserId, network: NetworkId): StoredPassword | undefined {
    const row = this.rows.get(rowKey(userId, network));
    if (!row) return undefined;
    const account = row.account ?? undefined;
    const password = this.box.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag }, secretAad(userId, network, account));
    return account === undefined ? { password } : { account, password };
  }

  has(userId: UserId, network: NetworkId): boolean {
    return this.rows.get(rowKey(userId, network)) !== undefined;
  }

  /** Resolves with whether there was a password, once it is gone from the store. */
  async remove(userId: UserId, network: NetworkId): Promise<boolean> {
    const key = rowKey(userId, network);
    if (!this.rows.get(key)) return false;
    await this.rows.put(key, undefined, (t) => t.run('DELETE FROM irc_stored_passwords WHERE user_id = ? AND network = ?', [userId, network]));
    return true;
  }

  /** Networks the user has stored a password for. */
  networksOf(userId: UserId): NetworkId[] {
    return [...this.rows.values()].filter((r) => r.user_id === userId).map((r) => r.network as NetworkId).sort();
  }
}
