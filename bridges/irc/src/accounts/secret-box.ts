/**
 * Authenticated encryption of small secrets (IRC passwords) with AES-256-GCM from node:crypto.
 *
 * - A fresh random 12-byte IV per secret: GCM breaks completely if an IV repeats under one key.
 * - Associated data binds a ciphertext to its owner: a row copied to another user or network in
 *   the database fails authentication instead of handing one user's password to another.
 * - A key ID (a domain-separated hash of the key, not the key) is stored with each secret, so a
 *   replaced key file is reported as such rather than as tampering.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AccountError } from './errors';

export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

export interface SealedSecret {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export class SecretBox {
  readonly keyId: string;
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) {
      throw new AccountError('KEY_FILE_INVALID', `An AES-256-GCM key has ${KEY_BYTES} bytes, this one has ${key.length}.`);
    }
    this.key = Buffer.from(key);
    this.keyId = keyIdOf(this.key);
  }

  seal(plaintext: Uint8Array, aad: Uint8Array): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId: this.keyId, iv, ciphertext, tag: cipher.getAuthTag() };
  }

  /** Throws PASSWORD_KEY_CHANGED or PASSWORD_TAMPERED; never returns unauthenticated bytes. */
  open(sealed: SealedSecret, aad: Uint8Array): Buffer {
    if (sealed.keyId !== this.keyId) {
      throw new AccountError(
        'PASSWORD_KEY_CHANGED',
        'This password was stored with a different password key file than the one configured now. ' +
          'Restore the old key file, or store the password again with !storepass.',
      );
    }
    if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) {
      throw new AccountError('PASSWORD_TAMPERED', 'The stored password is corrupt (bad IV or tag length). Store it again with !storepass.');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch (cause) {
      throw new AccountError(
        'PASSWORD_TAMPERED',
        'The stored password failed its integrity check: it was changed or copied from another user in the database. Store it again with !storepass.',
        { cause },
      );
    }
  }
}

/**
 * Associated data for one secret. Each part is length-prefixed, so no two different tuples
 * encode to the same bytes ("a" + "b:c" vs "a:b" + "c").
 */
export function secretAad(...parts: ReadonlyArray<string | undefined>): Buffer {
  const chunks: Buffer[] = [Buffer.from('bridgekit-irc/secret/v1', 'utf8')];
  for (const part of parts) {
    const length = Buffer.alloc(5);
    if (part === undefined) {
      length.writeUInt8(0, 0); // absent differs from the empty string
      chunks.push(length);
      continue;
    }
    const bytes = Buffer.from(part, 'utf8');
    length.writeUInt8(1, 0);
    length.writeUInt32BE(bytes.length, 1);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks);
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('bridgekit-irc key id\0').update(key).digest('hex').slice(0, 16);
}
