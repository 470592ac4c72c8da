// Unit tier with real files: `backup` copies the store of a running bridge (its lock held, rows
// still in the WAL) into one checked file, and refuses what it cannot do with a sentence.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, type BridgeApp } from '../cli';
import type { Connector } from '../connector';
import { openStore } from '../store/open';

const connector: Connector = { name: 'test', start: async () => undefined, stop: async () => undefined, onMatrixEvent: async () => undefined };
const app: BridgeApp = {
  name: 'test', command: 'bridgekit-test', createConnector: () => connector,
  registrationDefaults: () => ({ senderLocalpart: 'testbot', userPrefix: '_t_' }),
};

describe('the backup command', () => {
  let dir: string;
  let lines: string[];
  const cli = (...argv: string[]) => runCli(app, argv, (l) => void lines.push(l), { script: join(dir, 'main.js'), cwd: dir });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bridgekit-backup-'));
    lines = [];
    writeFileSync(join(dir, 'config.yaml'), 'homeserver: { url: "http://127.0.0.1:9", domain: example.org }\ndatabase: { path: bridge.db }\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies the store of a running bridge, writes in its WAL included, into one checked file', async () => {
    const running = openStore(join(dir, 'bridge.db'));
    running.db.pragma('wal_autocheckpoint = 0');
    for (let i = 0; i < 20; i++) running.sync.kv.set(`key${i}`, i);
    const target = join(dir, 'copy.bak');
    await expect(cli('backup', '-c', join(dir, 'config.yaml'), '--to', target)).resolves.toBe(0);
    running.close();
    expect(lines[0]).toMatch(new RegExp(`^Backed up ${join(dir, 'bridge.db')} to ${target} \\(\\d+ bytes, checked\\)\\.$`));
    expect(lines[1]).toMatch(/To restore it: stop the bridge, delete .*bridge\.db-wal and .*bridge\.db-shm if present/);
    const copy = new Database(target, { readonly: true });
    expect((copy.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n).toBe(20);
    copy.close();
  });

  it('names a default file beside the database, and refuses to overwrite a file', async () => {
    openStore(join(dir, 'bridge.db')).close();
    await expect(cli('backup', '-c', join(dir, 'config.yaml'))).resolves.toBe(0);
    expect(lines[0]).toMatch(/to .*bridge\.db\.backup-\d{8}T\d{6}Z\.bak/);
    writeFileSync(join(dir, 'taken.bak'), 'not a database');
    lines = [];
    await expect(cli('backup', '-c', join(dir, 'config.yaml'), '--to', join(dir, 'taken.bak'))).resolves.toBe(1);
    expect(lines).toEqual([expect.stringMatching(/taken\.bak: that file exists already/)]);
  });

  it('says so when there is no database yet', async () => {
    await expect(cli('backup', '-c', join(dir, 'config.yaml'))).resolves.toBe(2);
    expect(lines).toEqual([`There is no database at ${join(dir, 'bridge.db')} to back up (database.path in ${join(dir, 'config.yaml')}).`]);
  });
});
