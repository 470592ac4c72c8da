// Test helper (not exported): a real SQLite store in a temp dir with the account tables after
// two stand-in connector migrations, the way the IRC connector will combine them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Migration, type OpenedStore } from '@bridgekit/appservice';
import { accountMigrations, ACCOUNT_MIGRATION_COUNT, clientCertMigrations } from './migrations';

const CONNECTOR_OWN: Migration[] = [
  { version: 1, description: 'stand-in connector table', up: (db) => db.exec('CREATE TABLE irc_standin_a (x INTEGER)') },
  { version: 2, description: 'another stand-in table', up: (db) => db.exec('CREATE TABLE irc_standin_b (x INTEGER)') },
];

export function ircMigrationsForTest(): Migration[] {
  return [...CONNECTOR_OWN, ...accountMigrations(CONNECTOR_OWN.length + 1), ...clientCertMigrations(CONNECTOR_OWN.length + 1 + ACCOUNT_MIGRATION_COUNT)];
}

export interface TempStore {
  store: OpenedStore;
  dir: string;
  path: string;
  close(): void;
}

export function openTempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'bridgekit-accounts-'));
  const path = join(dir, 'bridge.db');
  const store = openStore(path, { extraMigrations: [{ scope: 'irc', migrations: ircMigrationsForTest() }] });
  return {
    store,
    dir,
    path,
    close: () => {
      if (store.db.open) store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
