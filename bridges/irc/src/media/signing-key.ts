/**
 * The media proxy's HMAC key: 32 random bytes, base64, in a file only the bridge's user can
 * read. Created on first start (exclusively, so two starting bridges cannot disagree); anyone
 * holding it can mint links to any file on the homeserver.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const SIGNING_KEY_BYTES = 32;

export function loadSigningKey(path: string): { key: Buffer; created: boolean } {
  let created = false;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${randomBytes(SIGNING_KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new Error(`Cannot create the media signing key ${path}: ${(error as Error).message}. Check irc.media.signing_key_file and that its directory is writable.`);
    }
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length < 16) {
    throw new Error(`The media signing key ${path} must hold at least 16 random bytes, base64-encoded. Generate one with: openssl rand -base64 32 > ${path}`);
  }
  return { key, created };
}
