import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asUserId, type Logger } from '@bridgekit/appservice';
import type { IrcNick, NetworkId } from '../mapping';
import { checkAccountName, checkIrcPassword, IrcAccounts, nickServIdentifyLine, openIrcAccounts } from './accounts';
import { AccountError } from './errors';
import { accountMigrations, ACCOUNT_MIGRATION_COUNT } from './migrations';
import { openTempStore, type TempStore } from './testing';

const alice = asUserId('@alice:example.org');
const libera = 'libera' as NetworkId;
const oftc = 'oftc' as NetworkId;
const nick = 'alice[m]' as IrcNick;

let temp: TempStore;
beforeEach(() => {
  temp = openTempStore();
});
afterEach(() => temp.close());

function accounts(): IrcAccounts {
  return new IrcAccounts(temp.store.tables, randomBytes(32), { authMethod: (n) => (n === oftc ? 'nickserv' : 'sasl') });
}

describe('accountMigrations', () => {
  it('numbers its steps from the version it is given', () => {
    expect(accountMigrations(7).map((m) => m.version)).toEqual(Array.from({ length: ACCOUNT_MIGRATION_COUNT }, (_, i) => 7 + i));
    expect(() => accountMigrations(0)).toThrow('next free migration version');
  });

  it('creates its tables under the connector scope after the connector own migrations', () => {
    const applied = temp.store.migrationsApplied.filter((m) => m.scope === 'irc');
    expect(applied.map((m) => m.version)).toEqual([1, 2, 3, 4]);
    const tables = temp.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'irc_%' ORDER BY name").all();
    expect(tables).toEqual(expect.arrayContaining([{ name: 'irc_stored_passwords' }, { name: 'irc_user_features' }, { name: 'irc_user_settings' }, { name: 'irc_client_certs' }]));
  });
});

describe('IrcAccounts.loginFor with a client certificate (CertFP)', () => {
  const key = randomBytes(32);
  const tlsAccounts = (auth: 'auto' | 'sasl' | 'nickserv' = 'auto') =>
    new IrcAccounts(temp.store.tables, key, { authMethod: () => auth, usesTls: (n) => n === libera });

  it('presents the certificate and logs in with optional SASL EXTERNAL when no password is stored', async () => {
    const a = tlsAccounts();
    const cert = await a.certs.getOrCreate(alice, libera);
    expect(a.loginFor(alice, libera, nick)).toEqual({
      clientCert: { cert: cert.certPem, key: cert.keyPem }, sasl: { mechanism: 'EXTERNAL', optional: true }, afterRegistration: [],
    });
    // Other instances on the same store: they read what the first one stored.
    expect((await tlsAccounts('sasl').load()).loginFor(alice, libera, nick).sasl).toEqual({ mechanism: 'EXTERNAL', optional: false });
    expect((await tlsAccounts('nickserv').load()).loginFor(alice, libera, nick).sasl).toBeUndefined();
  });

  it('lets a stored password decide the login, still presenting the certificate', async () => {
    const a = tlsAccounts();
    await a.certs.getOrCreate(alice, libera);
    await a.passwords.put(alice, libera, 'pw');
    const login = a.loginFor(alice, libera, nick);
    expect(login.sasl).toMatchObject({ mechanism: 'PLAIN', optional: true });
    expect(login.clientCert).toBeDefined();
  });

  it('never presents a certificate on a network without TLS', async () => {
    const a = tlsAccounts();
    await a.certs.getOrCreate(alice, oftc);
    expect(a.loginFor(alice, oftc, nick)).toEqual({ afterRegistration: [] });
  });

  it('keeps the certificate until renewed, seals its key, and binds the row to its owner', async () => {
    const a = tlsAccounts();
    const first = await a.certs.getOrCreate(alice, libera);
    expect((await a.certs.getOrCreate(alice, libera)).fingerprint).toBe(first.fingerprint);
    expect(a.certs.fingerprintOf(alice, libera)).toBe(first.fingerprint);
    const row = temp.store.db.prepare('SELECT * FROM irc_client_certs').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain('PRIVATE KEY');
    temp.store.db.prepare('UPDATE irc_client_certs SET user_id = ?').run('@mallory:example.org');
    await a.load(); // what the bridge reads at its next start
    expect(() => a.certs.get(asUserId('@mallory:example.org'), libera)).toThrow(AccountError);
    const loginProblem = a.loginFor(asUserId('@mallory:example.org'), libera, nick).passwordProblem;
    expect(loginProblem).toBeInstanceOf(AccountError);
    expect((await a.certs.getOrCreate(alice, libera, { renew: true })).fingerprint).not.toBe(first.fingerprint);
  });
});

describe('IrcAccounts.loginFor', () => {
  it('gives templates the say when nothing is stored', () => {
    expect(accounts().loginFor(alice, libera, nick)).toEqual({ afterRegistration: [] });
  });

  it('uses SASL PLAIN with the nick as account by default', async () => {
    const a = accounts();
    await a.passwords.put(alice, libera, 'pass word:with colon');
    expect(a.loginFor(alice, libera, nick)).toEqual({
      sasl: { mechanism: 'PLAIN', account: 'alice[m]', password: 'pass word:with colon' },
      afterRegistration: [],
    });
    expect(a.credentialsFor(alice, libera)).toEqual({ method: 'sasl', password: 'pass word:with colon' });
  });

  it('uses the stored account name when there is one', async () => {
    const a = accounts();
    await a.passwords.put(alice, libera, 'pw', 'AliceAccount');
    expect(a.loginFor(alice, libera, nick).sasl).toEqual({ mechanism: 'PLAIN', account: 'AliceAccount', password: 'pw' });
  });

  it('identifies to NickServ before the auto-commands on nickserv networks', async () => {
    const a = accounts();
    await a.settings.setNick(alice, oftc, 'Alice');
    await a.settings.setUsername(alice, oftc, 'alice');
    await a.settings.addAutoCommand(alice, oftc, 'MODE Alice +R');
    await a.passwords.put(alice, oftc, 'ünï cödé');
    expect(a.loginFor(alice, oftc, 'Alice' as IrcNick)).toEqual({
      nick: 'Alice',
      username: 'alice',
      afterRegistration: ['PRIVMSG NickServ :IDENTIFY ünï cödé', 'MODE Alice +R'],
    });
  });

  it('auto (the default): optional SASL, and NickServ IDENTIFY for servers without SASL', async () => {
    const a = new IrcAccounts(temp.store.tables, randomBytes(32));
    await a.passwords.put(alice, libera, 'pw');
    await a.settings.addAutoCommand(alice, libera, 'MODE alice[m] +R');
    expect(a.authMethodOf(libera)).toBe('auto');
    expect(a.loginFor(alice, libera, nick)).toEqual({
      sasl: { mechanism: 'PLAIN', account: 'alice[m]', password: 'pw', optional: true },
      withoutSasl: ['PRIVMSG NickServ :IDENTIFY pw'],
      afterRegistration: ['MODE alice[m] +R'],
    });
  });

  it('server-password: the password (account:password with an account) as PASS, nothing else', async () => {
    const a = new IrcAccounts(temp.store.tables, randomBytes(32), { authMethod: () => 'server-password' });
    await a.passwords.put(alice, libera, 'pw');
    await a.passwords.put(alice, oftc, 'p w', 'acct');
    expect(a.loginFor(alice, libera, nick)).toEqual({ serverPassword: 'pw', afterRegistration: [] });
    expect(a.loginFor(alice, oftc, nick)).toEqual({ serverPassword: 'acct:p w', afterRegistration: [] });
  });

  it('connects without the password and says why when the stored row cannot be trusted', async () => {
    const a = accounts();
    await a.passwords.put(alice, libera, 'pw');
    temp.store.db.prepare("UPDATE irc_stored_passwords SET account = 'someone-else'").run();
    await a.load(); // what the bridge reads at its next start
    const login = a.loginFor(alice, libera, nick);
    expect(login.sasl).toBeUndefined();
    expect(login.passwordProblem?.code).toBe('PASSWORD_TAMPERED');
    expect(() => a.credentialsFor(alice, libera)).toThrow(AccountError);
  });
});

describe('password and account checks', () => {
  it('builds NickServ IDENTIFY lines with and without an account', () => {
    expect(nickServIdentifyLine('NickServ', { password: 'a b' })).toBe('PRIVMSG NickServ :IDENTIFY a b');
    expect(nickServIdentifyLine('NS', { account: 'acct', password: 'p:w' })).toBe('PRIVMSG NS :IDENTIFY acct p:w');
  });

  it.each(['spaces are fine', 'colons:are:fine', 'ünïcödé 🔑'])('accepts %j', (pw) => {
    expect(() => checkIrcPassword(pw)).not.toThrow();
  });

  it.each([['', 'empty'], ['a\nb', 'line break'], ['a\rb', 'line break'], ['a\0b', 'NUL'], ['x'.repeat(401), 'longer than']])(
    'refuses %j',
    (pw, expected) => {
      expect(() => checkIrcPassword(pw)).toThrow(expected);
    },
  );

  it('checks services account names', () => {
    expect(() => checkAccountName('Alice_[m]')).not.toThrow();
    expect(() => checkAccountName('two words')).toThrow('without spaces');
    expect(() => checkAccountName('')).toThrow(AccountError);
  });
});

describe('openIrcAccounts', () => {
  it('creates the key file on first start, warns without key material, and reads it back after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridgekit-open-'));
    try {
      const lines: string[] = [];
      const log = fakeLogger(lines);
      const keyFile = join(dir, 'key');
      await (await openIrcAccounts(temp.store.tables, { keyFile, log })).passwords.put(alice, libera, 'pw');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('Created a new password key file');
      expect(lines[0]).not.toContain(readFileSync(keyFile, 'utf8').trim());
      await openIrcAccounts(temp.store.tables, { keyFile, log });
      expect(lines).toHaveLength(1);
      expect((await openIrcAccounts(temp.store.tables, { keyFile })).credentialsFor(alice, libera)?.password).toBe('pw');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function fakeLogger(lines: string[]): Logger {
  const log: Logger = {
    error: (m, meta) => lines.push(`${m} ${JSON.stringify(meta)}`),
    warn: (m, meta) => lines.push(`${m} ${JSON.stringify(meta)}`),
    info: (m, meta) => lines.push(`${m} ${JSON.stringify(meta)}`),
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

describe('password redaction', () => {
  it('hands each stored password to onPasswordRead when it is decrypted, for credentialsFor and loginFor', async () => {
    const read: string[] = [];
    const a = new IrcAccounts(temp.store.tables, randomBytes(32), { onPasswordRead: (p) => read.push(p) });
    await a.passwords.put(alice, libera, 'first-secret');
    a.credentialsFor(alice, libera);
    expect(read).toEqual(['first-secret']);
    await a.passwords.put(alice, oftc, 'second-secret');
    a.loginFor(alice, oftc, nick);
    expect(read).toEqual(['first-secret', 'second-secret']);
  });
});
