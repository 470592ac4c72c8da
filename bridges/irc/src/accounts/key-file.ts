/**
 * The password key file: 32 random bytes, base64-encoded, readable only by the bridge's user.
 * The admin controls it (back it up, rotate it, keep it off shared volumes); the bridge creates
 * one on first start so a fresh install works without a manual step, and refuses to start with
 * a key anyone else could read, because that key decrypts every stored IRC password.
 */
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { AccountError } from './errors';
import { KEY_BYTES } from './secret-box';

export interface LoadedKey {
  key: Buffer;
  /** True when this call generated the file. */
  created: boolean;
}

export interface LoadKeyOptions {
  /** Create a new random key when the file does not exist (default true). */
  createIfMissing?: boolean;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function loadPasswordKey(path: string, options: LoadKeyOptions = {}): LoadedKey {
  const createIfMissing = options.createIfMissing ?? true;
  let created = false;
  if (createIfMissing && !exists(path)) created = createKeyFile(path);
  checkPermissions(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (cause) {
    throw new AccountError('KEY_FILE_UNREADABLE', `Cannot read the password key file ${path}: ${(cause as Error).message}. Check irc.password_key_file and that the bridge's user owns the file.`, { cause });
  }
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
    throw new AccountError(
      'KEY_FILE_INVALID',
      `The password key file ${path} must hold exactly ${KEY_BYTES} random bytes, base64-encoded (44 characters); it does not. ` +
        `Generate one with: openssl rand -base64 ${KEY_BYTES} > ${path} && chmod 600 ${path}. ` +
        'Replacing the key makes every stored password unreadable: users must !storepass again.',
    );
  }
  return { key, created };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new AccountError('KEY_FILE_UNREADABLE', `Cannot access the password key file ${path}: ${(err as Error).message}.`, { cause: err });
  }
}

/** Exclusive create, so two bridges starting at once cannot each write a different key. */
function createKeyFile(path: string): boolean {
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AccountError('KEY_FILE_UNREADABLE', `Cannot create the password key file ${path}: ${(err as Error).message}. Check that its directory is writable by the bridge.`, { cause: err });
  }
  try {
    fchmodSync(fd, 0o600); // the umask may have taken bits away, never added them; make it exact
    writeSync(fd, `${randomBytes(KEY_BYTES).toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function checkPermissions(path: string): void {
  let stats;
  try {
    stats = statSync(path);
  } catch (cause) {
    throw new AccountError('KEY_FILE_UNREADABLE', `The password key file ${path} does not exist. Create it (openssl rand -base64 ${KEY_BYTES} > ${path}; chmod 600 ${path}) or let the bridge create it.`, { cause });
  }
  if (!stats.isFile()) {
    throw new AccountError('KEY_FILE_UNREADABLE', `The password key file ${path} is not a regular file. Point irc.password_key_file at a file.`);
  }
  // POSIX permission bits mean nothing on Windows; there the file's ACL is the admin's job.
  if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(3, '0');
    throw new AccountError(
      'KEY_FILE_INSECURE',
      `The password key file ${path} has mode ${mode}: other users could read the key that decrypts every stored IRC password. ` +
        `Run: chmod 600 ${path}`,
    );
  }
}
