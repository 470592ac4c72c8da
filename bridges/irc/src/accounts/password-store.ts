/**
 * IRC passwords at rest: one encrypted row per (Matrix user, network). The owner's user ID,
 * network and services account name are the associated data of the ciphertext, so editing any
 * of them in the database makes the row fail authentication. Plaintext never leaves this class
 * except as the return value of `get`, and nothing here logs.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { UserId } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping';
import { AccountError } from './errors';
import { secretAad, type SecretBox } from './secret-box';

export interface StoredPassword {
  /** Services account to log in as; absent means "the nick at connect time". */
  account?: string;
  password: Buffer;
}

interface Row {
  account: string | null;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export class PasswordStore {
  private readonly upsert: Statement<[string, string, string | null, string, Buffer, Buffer, Buffer, number]>;
  private readonly select: Statement<[string, string], Row>;
  private readonly deleteRow: Statement<[string, string]>;
  private readonly networks: Statement<[string], { network: string }>;

  constructor(db: Database, private readonly box: SecretBox, private readonly now: () => number = Date.now) {
    this.upsert = db.prepare(`INSERT INTO irc_stored_passwords (user_id, network, account, key_id, iv, ciphertext, tag, stored_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (user_id, network) DO UPDATE SET account = excluded.account, key_id = excluded.key_id,
        iv = excluded.iv, ciphertext = excluded.ciphertext, tag = excluded.tag, stored_at = excluded.stored_at`);
    this.select = db.prepare('SELECT account, key_id, iv, ciphertext, tag FROM irc_stored_passwords WHERE user_id = ? AND network = ?');
    this.deleteRow = db.prepare('DELETE FROM irc_stored_passwords WHERE user_id = ? AND network = ?');
    this.networks = db.prepare('SELECT network FROM irc_stored_passwords WHERE user_id = ? ORDER BY network');
  }

  /** Stores (or replaces) the password; any bytes round-trip. */
  put(userId: UserId, network: NetworkId, password: Uint8Array | string, account?: string): void {
    const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
    if (bytes.length === 0) throw new AccountError('PASSWORD_INVALID', 'The password is empty.');
    const sealed = this.box.seal(bytes, secretAad(userId, network, account));
    this.upsert.run(userId, network, account ?? null, sealed.keyId, sealed.iv, sealed.ciphertext, sealed.tag, this.now());
  }

  /** Throws PASSWORD_KEY_CHANGED or PASSWORD_TAMPERED when the row cannot be trusted. */
  get(userId: UserId, network: NetworkId): StoredPassword | undefined {
    const row = this.select.get(userId, network);
    if (!row) return undefined;
    const account = row.account ?? undefined;
    const password = this.box.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag }, secretAad(userId, network, account));
    return account === undefined ? { password } : { account, password };
  }

  has(userId: UserId, network: NetworkId): boolean {
    return this.select.get(userId, network) !== undefined;
  }

  remove(userId: UserId, network: NetworkId): boolean {
    return this.deleteRow.run(userId, network).changes > 0;
  }

  /** Networks the user has stored a password for. */
  networksOf(userId: UserId): NetworkId[] {
    return this.networks.all(userId).map((r) => r.network as NetworkId);
  }
}
