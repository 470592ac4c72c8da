/**
 * Per-user client certificates for CertFP, one per (Matrix user, network): the certificate in
 * clear (it is public), its private key sealed like stored passwords (AES-256-GCM, the owner's
 * user ID and network as associated data, so a row moved to another user fails to open).
 * Created on first use and kept: the fingerprint a user added to their services account stays
 * valid until they ask for a new certificate.
 */
import type { StoreTables, UserId } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping';
import { createClientCertificate, type ClientCertificate } from './client-cert';
import { RowCache, rowKey } from './row-cache';
import { secretAad, type SecretBox } from './secret-box';

interface Row {
  user_id: string;
  network: string;
  cert_pem: string;
  fingerprint: string;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Distinguishes a sealed key from a sealed password of the same user and network. */
const KEY_PURPOSE = 'client-certificate-key';

/** Reads are from memory (loaded by `load()`); writes resolve once stored (row-cache.ts). */
export class ClientCertStore {
  private readonly rows: RowCache<Row>;

  constructor(tables: StoreTables, private readonly box: SecretBox, private readonly now: () => number = Date.now) {
    this.rows = new RowCache(tables);
  }

  load(): Promise<void> {
    return this.rows.load('SELECT user_id, network, cert_pem, fingerprint, key_id, iv, ciphertext, tag FROM irc_client_certs', (r) => rowKey(r.user_id, r.network));
  }

  /** The user's fingerprint on `network`, without opening the key; undefined when they have none. */
  fingerprintOf(userId: UserId, network: NetworkId): string | undefined {
    return this.rows.get(rowKey(userId, network))?.fingerprint;
  }

  /** The certificate with its key; throws PASSWORD_KEY_CHANGED / PASSWORD_TAMPERED like passwords. */
  get(userId: UserId, network: NetworkId): ClientCertificate | undefined {
    const row = this.rows.get(rowKey(userId, network));
    if (!row) return undefined;
    const key = this.box.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag }, secretAad(userId, network, KEY_PURPOSE));
    return { certPem: row.cert_pem, keyPem: key.toString('utf8'), fingerprint: row.fingerprint };
  }

  /** The user's certificate, made now if they have none (or `renew`); resolves once stored. */
  async getOrCreate(userId: UserId, network: NetworkId, options: { renew?: boolean } = {}): Promise<ClientCertificate> {
    const existing = options.renew ? undefined : this.get(userId, network);
    if (existing) return existing;
    const made = createClientCertificate({ commonName: `${userId} on ${network}` });
    const sealed = this.box.seal(Buffer.from(made.keyPem, 'utf8'), secretAad(userId, network, KEY_PURPOSE));
    const row: Row = { user_id: userId, network, cert_pem: made.certPem, fingerprint: made.fingerprint, key_id: sealed.keyId, iv: sealed.iv, ciphertext: sealed.ciphertext, tag: sealed.tag };
    await this.rows.put(rowKey(userId, network), row, (t) => t.run(`INSERT INTO irc_client_certs (user_id, network, cert_pem, fingerprint, key_id, iv, ciphertext, tag, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (user_id, network) DO UPDATE SET cert_pem = excluded.cert_pem, fingerprint = excluded.fingerprint,
        key_id = excluded.key_id, iv = excluded.iv, ciphertext = excluded.ciphertext, tag = excluded.tag, created_at = excluded.created_at`,
    [userId, network, row.cert_pem, row.fingerprint, row.key_id, row.iv, row.ciphertext, row.tag, this.now()]));
    return made;
  }

  /** Resolves with whether there was a certificate, once it is gone from the store. */
  async remove(userId: UserId, network: NetworkId): Promise<boolean> {
    const key = rowKey(userId, network);
    if (!this.rows.get(key)) return false;
    await this.rows.put(key, undefined, (t) => t.run('DELETE FROM irc_client_certs WHERE user_id = ? AND network = ?', [userId, network]));
    return true;
  }
}
