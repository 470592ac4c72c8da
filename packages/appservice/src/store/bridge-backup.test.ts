// The bridge itself backs its store up before migrating it: a database one core migration behind
// is copied (and the copy's path logged) when the bridge starts; a backup that cannot be written
// stops the start with the database left at its version. Real files, the whole core in-process.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { Bridge } from '../bridge';
import { parseConfig } from '../config/load';
import type { Connector } from '../connector';
import { generateRegistration } from '../registration/generate';
import { TestClock } from '../testing/clock';
import { CORE_MIGRATIONS } from './core-migrations';
import { runMigrations } from './migrate';

const registration = generateRegistration({ id: 'test', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });
const connector: Connector = { name: 'net', async start() {}, async stop() {}, async onMatrixEvent() {} };
const CORE = CORE_MIGRATIONS.length;

describe('the bridge starting on a store one migration behind', () => {
  let dir: string;
  let bridge: Bridge | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-backup-test-'));
    // What the previous release left: every core migration but the last, and some data.
    const db = new Database(join(dir, 'bridge.db'));
    db.pragma('journal_mode = WAL');
    runMigrations(db, [{ scope: 'core', migrations: CORE_MIGRATIONS.slice(0, -1) }]);
    db.prepare('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)').run('kept', '"yes"', 1);
    db.close();
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function newBridge(clock: TestClock, logs: string[]): Bridge {
    const config = parseConfig('homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\ndatabase: { path: bridge.db, backups_kept: 2 }\nlogging: { format: json }\n', dir);
    config.appservice.port = 0;
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    return new Bridge({ config, registration, connector, logStream, clock });
  }

  it('backs the store up, logs where, then migrates', async () => {
    const logs: string[] = [];
    bridge = newBridge(new TestClock(Date.UTC(2026, 11, 7, 15, 17)), logs);
    await bridge.start();
    const name = `bridge.db.pre-v${CORE - 1}-to-v${CORE}-20261207T151700Z.bak`;
    expect(readdirSync(dir).filter((f) => f.endsWith('.bak'))).toEqual([name]);
    expect(logs.join('')).toContain(JSON.stringify(join(dir, name)));
    const copy = new Database(join(dir, name), { readonly: true });
    expect(copy.prepare("SELECT max(version) AS v FROM schema_migrations WHERE scope = 'core'").get()).toEqual({ v: CORE - 1 });
    expect(copy.prepare('SELECT value FROM kv WHERE key = ?').get('kept')).toEqual({ value: '"yes"' });
    copy.close();
  });

  it('does not start, and migrates nothing, when the backup cannot be written', async () => {
    mkdirSync(join(dir, `bridge.db.pre-v${CORE - 1}-to-v${CORE}-20261207T151700Z.bak.partial`));
    const logs: string[] = [];
    const failing = newBridge(new TestClock(Date.UTC(2026, 11, 7, 15, 17)), logs);
    await expect(failing.start()).rejects.toMatchObject({ code: 'STORE_BACKUP_FAILED' });
    await failing.stop();
    expect(logs.join('')).toMatch(/the backup taken first failed, so nothing was migrated/);
    const db = new Database(join(dir, 'bridge.db'), { readonly: true });
    expect(db.prepare("SELECT max(version) AS v FROM schema_migrations WHERE scope = 'core'").get()).toEqual({ v: CORE - 1 });
    db.close();
    expect(existsSync(join(dir, `bridge.db.pre-v${CORE - 1}-to-v${CORE}-20261207T151700Z.bak`))).toBe(false);
  });
});
