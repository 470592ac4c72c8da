// The IRC account tables on both stores the bridge runs on: SQLite and a throwaway PostgreSQL
// cluster, each with the connector's real migrations (scope "irc").
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asUserId, openStore, type StoreTables } from '@bridgekit/appservice';
import { openPostgresStore } from '../../../../packages/appservice/src/store/postgres/open';
import { usePostgresCluster } from '../../../../packages/appservice/src/store/postgres/testing/jest';
import type { IrcNick, NetworkId } from '../mapping';
import { ircMigrations } from '../store/migrations';
import { IrcAccounts } from './accounts';

const pg = usePostgresCluster();
const alice = asUserId('@alice:example.org');
const libera = 'libera' as NetworkId;
const nick = 'alice[m]' as IrcNick;
const migrations = [{ scope: 'irc', migrations: ircMigrations() }];

interface Opened { tables: StoreTables; close(): Promise<void> }

let dir = '';
let pgUrl: Promise<string> | undefined;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bridgekit-irc-accounts-')); pgUrl = undefined; });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const backends: Array<{ name: string; open(): Promise<Opened> }> = [
  {
    name: 'sqlite',
    async open() {
      const s = openStore(join(dir, 'bridge.db'), { extraMigrations: migrations });
      return { tables: s.tables, close: async () => s.close() };
    },
  },
  {
    name: 'postgres',
    async open() {
      pgUrl ??= pg.newDatabase();
      const s = await openPostgresStore(await pgUrl, { extraMigrations: migrations });
      return { tables: s.tables, close: () => s.close() };
    },
  },
];

describe.each(backends)('IRC accounts on $name', (backend) => {
  it('keeps settings, a stored password, features and a certificate across a reopen', async () => {
    const key = randomBytes(32);
    const usesTls = () => true;
    let store = await backend.open();
    const first = await new IrcAccounts(store.tables, key, { usesTls }).load();
    await first.settings.setNick(alice, libera, 'Alice');
    await first.settings.addAutoCommand(alice, libera, 'MODE Alice +R');
    await first.passwords.put(alice, libera, 'pass wörd:1', 'AliceAccount');
    await first.features.set(alice, 'autojoin', false);
    const cert = await first.certs.getOrCreate(alice, libera);
    await store.close();

    store = await backend.open();
    try {
      const again = await new IrcAccounts(store.tables, key, { usesTls }).load();
      expect(again.loginFor(alice, libera, nick)).toEqual({
        nick: 'Alice',
        sasl: { mechanism: 'PLAIN', account: 'AliceAccount', password: 'pass wörd:1', optional: true },
        withoutSasl: ['PRIVMSG NickServ :IDENTIFY AliceAccount pass wörd:1'],
        clientCert: { cert: cert.certPem, key: cert.keyPem },
        afterRegistration: ['MODE Alice +R'],
      });
      expect(again.features.isEnabled(alice, 'autojoin')).toBe(false);
      expect(await again.passwords.remove(alice, libera)).toBe(true);
      expect(await again.certs.remove(alice, libera)).toBe(true);
      await again.load();
      expect(again.passwords.has(alice, libera)).toBe(false);
      expect(again.certs.fingerprintOf(alice, libera)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('puts the previous value back when a write fails', async () => {
    const store = await backend.open();
    try {
      const accounts = await new IrcAccounts(store.tables, randomBytes(32)).load();
      await accounts.settings.setNick(alice, libera, 'Alice');
      const failing: StoreTables = { dialect: store.tables.dialect, all: (s, p) => store.tables.all(s, p), get: (s, p) => store.tables.get(s, p), run: () => Promise.reject(new Error('database unavailable')), isUniqueViolation: (err) => store.tables.isUniqueViolation(err) };
      const broken = await new IrcAccounts(failing, randomBytes(32)).load();
      await expect(broken.settings.setNick(alice, libera, 'Mallory')).rejects.toThrow('database unavailable');
      expect(broken.settings.get(alice, libera).nick).toBe('Alice');
    } finally {
      await store.close();
    }
  });
});
