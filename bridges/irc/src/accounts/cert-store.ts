/**
 * Per-user client certificates for CertFP, one per (Matrix user, network): the certificate in
 * clear (it is public), its private key sealed like stored passwords (AES-256-GCM, the owner's
 * user ID and network as associated data, so a row moved to another user fails to open).
 * Created on first use and kept: the fingerprint a user added to their services account stays
 * valid until they ask for a new certificate.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { UserId } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping';
import { createClientCertificate, type ClientCertificate } from './client-cert';
import { secretAad, type SecretBox } from './secret-box';

interface Row {
  cert_pem: string;
  fingerprint: string;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Distinguishes a sealed key from a sealed password of the same user and network. */
const KEY_PURPOSE = 'client-certificate-key';

export class ClientCertStore {
  private readonly insert: Statement<[string, string, string, string, string, Buffer, Buffer, Buffer, number]>;
  private readonly select: Statement<[string, string], Row>;
  private readonly deleteRow: Statement<[string, string]>;

  constructor(db: Database, private readonly box: SecretBox, private readonly now: () => number = Date.now) {
    this.insert = db.prepare(`INSERT INTO irc_client_certs (user_id, network, cert_pem, fingerprint, key_id, iv, ciphertext, tag, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (user_id, network) DO UPDATE SET cert_pem = excluded.cert_pem, fingerprint = excluded.fingerprint,
        key_id = excluded.key_id, iv = excluded.iv, ciphertext = excluded.ciphertext, tag = excluded.tag, created_at = excluded.created_at`);
    this.select = db.prepare('SELECT cert_pem, fingerprint, key_id, iv, ciphertext, tag FROM irc_client_certs WHERE user_id = ? AND network = ?');
    this.deleteRow = db.prepare('DELETE FROM irc_client_certs WHERE user_id = ? AND network = ?');
  }

  /** The user's fingerprint on `network`, without opening the key; undefined when they have none. */
  fingerprintOf(userId: UserId, network: NetworkId): string | undefined {
    return this.select.get(userId, network)?.fingerprint;
  }

  /** The certificate with its key; throws PASSWORD_KEY_CHANGED / PASSWORD_TAMPERED like passwords. */
  get(userId: UserId, network: NetworkId): ClientCertificate | undefined {
    const row = this.select.get(userId, network);
    if (!row) return undefined;
    const key = this.box.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag }, secretAad(userId, network, KEY_PURPOSE));
    return { certPem: row.cert_pem, keyPem: key.toString('utf8'), fingerprint: row.fingerprint };
  }

  /** The user's certificate, made now if they have none (or `renew`). */
  getOrCreate(userId: UserId, network: NetworkId, options: { renew?: boolean } = {}): ClientCertificate {
    const existing = options.renew ? undefined : this.get(userId, network);
    if (existing) return existing;
    const made = createClientCertificate({ commonName: `${userId} on ${network}` });
    const sealed = this.box.seal(Buffer.from(made.keyPem, 'utf8'), secretAad(userId, network, KEY_PURPOSE));
    this.insert.run(userId, network, made.certPem, made.fingerprint, sealed.keyId, sealed.iv, sealed.ciphertext, sealed.tag, this.now());
    return made;
  }

  remove(userId: UserId, network: NetworkId): boolean {
    return this.deleteRow.run(userId, network).changes > 0;
  }
}
