// Shared by tests only (jest globals): the same repository assertions on SQLite and PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../open';
import { openPostgresStore } from '../postgres/open';
import { usePostgresCluster } from '../postgres/testing/jest';
import type { BridgeStore } from '../types';
import { asyncJournal, type AsyncTransactionJournal } from '../../ingest/types';

export type Repositories = Omit<BridgeStore, 'db'>;
export interface OpenedForTest extends Repositories {
  journal: AsyncTransactionJournal;
  /** Raw SQL the two databases read alike, for a test to reach behind the interface. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** Opens this test's store (the same database each call within one test: a reopen). */
  open(opts?: { clock?: () => number }): Promise<OpenedForTest>;
}

/**
 * Both backends, each giving every test a fresh database. Call at the top of a test file (it
 * registers the PostgreSQL cluster's beforeAll/afterAll), then `describe.each(backends)`.
 */
export function storeBackends(): StoreBackend[] {
  const pg = usePostgresCluster();
  let dir = '';
  let pgUrl: Promise<string> | undefined;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bridgekit-store-')); pgUrl = undefined; });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return [
    {
      name: 'sqlite',
      async open(opts = {}) {
        const s = openStore(join(dir, 'bridge.db'), { clock: opts.clock });
        return { ...pick(s), journal: asyncJournal(s.journal), exec: async (sql) => { s.db.exec(sql); }, close: async () => s.close() };
      },
    },
    {
      name: 'postgres',
      async open(opts = {}) {
        pgUrl ??= pg.newDatabase();
        const s = await openPostgresStore(await pgUrl, { clock: opts.clock });
        return { ...pick(s), journal: s.journal, exec: async (sql) => { await s.pool.query(sql); }, close: () => s.close() };
      },
    },
  ];
}

function pick(s: Repositories): Repositories {
  return { rooms: s.rooms, users: s.users, messages: s.messages, kv: s.kv, ghosts: s.ghosts, portals: s.portals, tables: s.tables };
}
