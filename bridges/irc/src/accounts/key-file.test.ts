import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountError } from './errors';
import { loadPasswordKey } from './key-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bridgekit-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(fn: () => unknown): AccountError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AccountError) return error;
    throw error;
  }
  throw new Error('expected an AccountError');
}

function writeKey(path: string, content: string, mode: number): void {
  writeFileSync(path, content);
  chmodSync(path, mode);
}

const posix = process.platform !== 'win32';

describe('loadPasswordKey', () => {
  it('creates a missing key file (and its directory) with mode 0600 and 32 random bytes', () => {
    const path = join(dir, 'secrets', 'passkey');
    const first = loadPasswordKey(path);
    expect(first.created).toBe(true);
    expect(first.key).toHaveLength(32);
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').equals(first.key)).toBe(true);

    const again = loadPasswordKey(path);
    expect(again.created).toBe(false);
    expect(again.key.equals(first.key)).toBe(true);
  });

  it('reads an existing base64 key, with or without a trailing newline', () => {
    const key = randomBytes(32);
    const path = join(dir, 'k');
    writeKey(path, key.toString('base64'), 0o600);
    expect(loadPasswordKey(path).key.equals(key)).toBe(true);
    writeKey(path, `${key.toString('base64')}\n`, 0o400);
    expect(loadPasswordKey(path).key.equals(key)).toBe(true);
  });

  // POSIX modes: the bridge is deployed on Linux; on Windows the check is skipped by design.
  it.each([0o644, 0o640, 0o604, 0o660, 0o606, 0o620])('refuses a key file with mode %o, naming the fix', (mode) => {
    const path = join(dir, 'k');
    writeKey(path, randomBytes(32).toString('base64'), mode);
    const error = errorOf(() => loadPasswordKey(path));
    expect(error.code).toBe('KEY_FILE_INSECURE');
    expect(error.message).toContain(`chmod 600 ${path}`);
    expect(error.message).toContain(mode.toString(8));
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['raw binary', randomBytes(32).toString('latin1')],
    ['hex', randomBytes(32).toString('hex')],
    ['an empty file', ''],
  ])('refuses a key file holding %s', (_name, content) => {
    const path = join(dir, 'k');
    writeKey(path, content, 0o600);
    const error = errorOf(() => loadPasswordKey(path));
    expect(error.code).toBe('KEY_FILE_INVALID');
    expect(error.message).toContain('openssl rand -base64 32');
  });

  it('never puts key material in its error messages', () => {
    const path = join(dir, 'k');
    const short = randomBytes(20).toString('base64');
    writeKey(path, short, 0o600);
    expect(errorOf(() => loadPasswordKey(path)).message).not.toContain(short);
  });

  it('refuses a directory, and a missing file when creation is off', () => {
    const sub = join(dir, 'adir');
    mkdirSync(sub, { mode: 0o700 });
    expect(errorOf(() => loadPasswordKey(sub)).code).toBe('KEY_FILE_UNREADABLE');
    expect(errorOf(() => loadPasswordKey(join(dir, 'missing'), { createIfMissing: false })).code).toBe('KEY_FILE_UNREADABLE');
  });
});
