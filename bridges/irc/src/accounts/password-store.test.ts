import { randomBytes } from 'node:crypto';
import { asUserId, openStore } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping';
import { AccountError } from './errors';
import { PasswordStore } from './password-store';
import { SecretBox } from './secret-box';
import { ircMigrationsForTest, openTempStore, type TempStore } from './testing';

const alice = asUserId('@alice:example.org');
const bob = asUserId('@bob:example.org');
const libera = 'libera' as NetworkId;
const oftc = 'oftc' as NetworkId;

let temp: TempStore;
let key: Buffer;
let passwords: PasswordStore;
beforeEach(() => {
  temp = openTempStore();
  key = randomBytes(32);
  passwords = new PasswordStore(temp.store.tables, new SecretBox(key), () => 1000);
});
afterEach(() => temp.close());

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof AccountError ? error.code : String(error);
  }
  return undefined;
}

describe('PasswordStore', () => {
  it.each([
    'hunter2',
    'with spaces in it',
    'colon:separated:password',
    'ünïcödé 密码 🔑',
    ' leading and trailing ',
  ])('round-trips %j through SQLite', async (password) => {
    await passwords.put(alice, libera, password);
    expect(passwords.get(alice, libera)?.password.toString('utf8')).toBe(password);
    await passwords.load();
    expect(passwords.get(alice, libera)?.password.toString('utf8')).toBe(password);
  });

  it('round-trips arbitrary bytes and keeps the account name', async () => {
    for (let i = 0; i < 50; i++) {
      const bytes = randomBytes(1 + (i % 40));
      await passwords.put(alice, libera, bytes, 'alice_account');
      const got = passwords.get(alice, libera);
      expect(got?.password.equals(bytes)).toBe(true);
      expect(got?.account).toBe('alice_account');
    }
  });

  it('stores ciphertext only', async () => {
    await passwords.put(alice, libera, 'plaintext-marker-123');
    const row = temp.store.db.prepare('SELECT * FROM irc_stored_passwords').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain('plaintext-marker');
    expect(Buffer.from(row.ciphertext as Buffer).includes(Buffer.from('plaintext-marker'))).toBe(false);
  });

  it('replaces, removes and lists per user and network', async () => {
    await passwords.put(alice, libera, 'one');
    await passwords.put(alice, libera, 'two');
    await passwords.put(alice, oftc, 'three', 'acct');
    expect(passwords.get(alice, libera)).toEqual({ password: Buffer.from('two') });
    expect(passwords.networksOf(alice)).toEqual(['libera', 'oftc']);
    expect(passwords.has(bob, libera)).toBe(false);
    expect(passwords.get(bob, libera)).toBeUndefined();
    expect(await passwords.remove(alice, libera)).toBe(true);
    expect(await passwords.remove(alice, libera)).toBe(false);
    expect(passwords.networksOf(alice)).toEqual(['oftc']);
  });

  it('refuses an empty password', async () => {
    expect(codeOf(() => passwords.put(alice, libera, ''))).toBe('PASSWORD_INVALID');
  });

  it('detects a row moved to another user, network or account in the database', async () => {
    await passwords.put(alice, libera, 'alice-secret', 'alice');
    const db = temp.store.db;
    // Each change is read as the bridge's next start would (reads are from memory).
    db.prepare("UPDATE irc_stored_passwords SET user_id = ? WHERE user_id = ?").run(bob, alice);
    await passwords.load();
    expect(codeOf(() => passwords.get(bob, libera))).toBe('PASSWORD_TAMPERED');
    db.prepare("UPDATE irc_stored_passwords SET user_id = ?, network = 'oftc'").run(alice);
    await passwords.load();
    expect(codeOf(() => passwords.get(alice, oftc))).toBe('PASSWORD_TAMPERED');
    db.prepare("UPDATE irc_stored_passwords SET network = 'libera', account = 'mallory'").run();
    await passwords.load();
    expect(codeOf(() => passwords.get(alice, libera))).toBe('PASSWORD_TAMPERED');
    db.prepare("UPDATE irc_stored_passwords SET account = 'alice'").run();
    await passwords.load();
    expect(passwords.get(alice, libera)?.password.toString()).toBe('alice-secret');
  });

  it('survives a restart with the same key and reports a replaced key', async () => {
    await passwords.put(alice, libera, 'persisted pass:word');
    temp.store.close();
    const reopened = openStore(temp.path, { extraMigrations: [{ scope: 'irc', migrations: ircMigrationsForTest() }] });
    try {
      const sameKey = new PasswordStore(reopened.tables, new SecretBox(key));
      await sameKey.load();
      expect(sameKey.get(alice, libera)?.password.toString()).toBe('persisted pass:word');
      const otherKey = new PasswordStore(reopened.tables, new SecretBox(randomBytes(32)));
      await otherKey.load();
      expect(codeOf(() => otherKey.get(alice, libera))).toBe('PASSWORD_KEY_CHANGED');
    } finally {
      reopened.close();
    }
  });
});
