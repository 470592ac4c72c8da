/**
 * The store misbehaves: the disk fills (the database on a small tmpfs), another process holds a
 * write lock on the SQLite file, the file is corrupted, a migration fails half-way. Expected: a
 * clear error, nothing written half-way, and while the bridge runs, the homeserver told to retry
 * (a 5xx) rather than 200, so nothing it pushed is lost once the store works again.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeBridgeConfig } from '../e2e/harness/bridge-config';
import { BRIDGE_COMMAND } from '../e2e/harness/bridge-process';
import { readE2eEnv } from '../e2e/harness/env';
import { uniqueNick } from '../e2e/harness/irc-client';
import { startIrcBridge, type BridgeUnderTest } from '../e2e/harness/irc-bridge';
import { senderUserId } from '../e2e/harness/namespaces';
import { REPO_ROOT } from '../e2e/harness/paths';
import { rememberSecret } from './harness/secrets';
import { heardIn, settle, sleep, startConversation, type Conversation } from './harness/scene';
import { report, tally } from './harness/tally';

const FILL_MS = Number(process.env.CHAOS_STORE_FAULT_SECONDS ?? 20) * 1_000;

/** Runs the bridge CLI until it exits (or `timeoutMs`), returning its exit code and everything it printed. */
function runOnce(configPath: string, timeoutMs = 30_000): { code: number | null; output: string } {
  const [script, ...args] = BRIDGE_COMMAND;
  const result = spawnSync(process.execPath, [join(REPO_ROOT, script as string), ...args, '--config', configPath], { encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Matrix says 10 tokens while `fault` holds, then the fault ends; counts what IRC heard. */
async function matrixTalksThrough(label: string, bridge: BridgeUnderTest, t: Conversation, fault: { start(): Promise<void>; end(): Promise<void> }): Promise<void> {
  const prefix = uniqueNick('st');
  const tokens = Array.from({ length: 10 }, (_, i) => i);
  await fault.start();
  for (const i of tokens) await t.alice.client.sendText(t.roomId, `${prefix}-${i}`);
  await sleep(FILL_MS);
  const aliveDuringFault = isAlive(bridge.process.pid);
  await fault.end();
  const heard = () => heardIn(t.irc, t.channel);
  // Synapse backs off after failed pushes (up to minutes); the quiet window covers a few of its retries.
  await settle(() => heard().length, { target: tokens.length + 1, quietMs: 120_000, timeoutMs: 600_000 });
  const result = tally(prefix, tokens, heard());
  const errors = bridge.logTail(2_000).split('\n').filter((l) => / ERROR /.test(l) && /SQLITE|database|disk|locked|persist/i.test(l));
  report(label, result, `bridge ${aliveDuringFault ? 'stayed up' : 'DIED'}; first store error logged: ${errors[0]?.replace(/^\S+ /, '').slice(0, 160) ?? '(none)'}`);
  expect(aliveDuringFault).toBe(true);
  expect({ lost: result.lost, duplicated: result.duplicated, outOfOrder: result.outOfOrder }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a full disk', () => {
  const env = readE2eEnv();
  const disk = join(env.runDir, `small-disk-${process.pid}`);
  let bridge: BridgeUnderTest | undefined;
  beforeAll(() => {
    mkdirSync(disk, { recursive: true });
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk], { encoding: 'utf8' });
    if (mounted.status !== 0) throw new Error(`cannot mount a tmpfs for the full-disk scenario (needs root): ${mounted.stderr}`);
  });
  afterAll(async () => {
    await bridge?.stop();
    spawnSync('umount', [disk]);
  });

  it('makes Synapse retry while the store cannot write, and delivers everything once there is room again', async () => {
    bridge = await startIrcBridge({ database: { path: join(disk, 'bridge.db') } });
    const t = await startConversation('df');
    const filler = join(disk, 'filler');
    await matrixTalksThrough('disk full under the store, then freed', bridge, t, {
      start: async () => {
        const fd = openSync(filler, 'w');
        const block = Buffer.alloc(64 * 1024, 1);
        try {
          for (;;) writeSync(fd, block);
        } catch {
          // ENOSPC: the disk is full
        } finally {
          closeSync(fd);
        }
      },
      end: async () => rmSync(filler),
    });
  });
});

describe('the database locked by another process', () => {
  let bridge: BridgeUnderTest | undefined;
  afterAll(async () => { await bridge?.stop(); });

  it('makes Synapse retry while another process holds the write lock, and delivers everything after', async () => {
    bridge = await startIrcBridge();
    const t = await startConversation('lk');
    // Also the scenario that stores an IRC password, so the log scan has one to look for.
    const password = `chaos-pw-${uniqueNick('')}`;
    rememberSecret('stored IRC password', password);
    const admin = await t.alice.client.createRoom({ invite: [senderUserId()], isDirect: true, preset: 'trusted_private_chat' });
    await t.alice.client.waitForEvent(admin, (e) => e.sender === senderUserId() && /admin room/i.test(String(e.content.body)), 60_000);
    await t.alice.client.sendText(admin, `!storepass ${password}`);
    await t.alice.client.waitForEvent(admin, (e) => e.sender === senderUserId() && /^Stored your password/.test(String(e.content.body)), 60_000);

    const dbPath = join(bridge.config.dir, 'bridge.db');
    let locker: ChildProcess | undefined;
    await matrixTalksThrough('SQLite file write-locked by another process, then released', bridge, t, {
      start: async () => {
        // python3's sqlite3: a second, unrelated process, as a backup tool or sqlite3 shell would be.
        locker = spawn('python3', ['-c', `import sqlite3,sys,time
c=sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN EXCLUSIVE')
print('locked', flush=True)
time.sleep(3600)`, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((resolve, reject) => {
          locker?.stdout?.once('data', () => resolve());
          locker?.once('exit', (code) => reject(new Error(`the locking process exited (${code})`)));
        });
      },
      end: async () => {
        locker?.kill('SIGKILL');
      },
    });
  });
});

describe('a corrupted database file', () => {
  it.each([
    ['its header overwritten', 0],
    ['a page in the middle overwritten', 8_192],
  ])('refuses to start with a clear error when the file has %s, touching nothing', async (_what, offset) => {
    const bridge = await startIrcBridge();
    await bridge.stop();
    const dbPath = join(bridge.config.dir, 'bridge.db');
    const fd = openSync(dbPath, 'r+');
    writeSync(fd, Buffer.alloc(4_096, 0xa5), 0, 4_096, offset);
    closeSync(fd);
    const run = runOnce(bridge.config.configPath);
    const firstError = run.output.split('\n').find((l) => /ERROR|Error|error/.test(l)) ?? '(no error line)';
    const stackTrace = /^\s+at \S/m.test(run.output);
    report(`database file corrupted (${_what})`, { sent: 0, arrived: 0, lost: 0, duplicated: 0 }, `exit ${run.code}${stackTrace ? ', WITH A STACK TRACE' : ''}: ${firstError.slice(0, 200)}`);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull(); // it ended by itself, not by the timeout
    expect(run.output).toMatch(/database|SQLITE_CORRUPT|SQLITE_NOTADB|malformed/i);
    expect(run.output).not.toMatch(/^\s+at \S/m); // one clear sentence, not a crash
  });
});

describe('a migration that fails half-way', () => {
  it('stops with a clear error and leaves none of the migration\'s tables behind', () => {
    const config = writeBridgeConfig(readE2eEnv());
    const dbPath = join(config.dir, 'bridge.db');
    // The core's first migration creates several tables, kv last; an unrelated kv already there
    // makes it fail after the others were created inside its transaction.
    const db = new Database(dbPath);
    db.exec('CREATE TABLE kv (something_else TEXT)');
    db.close();
    const run = runOnce(config.configPath);
    const after = new Database(dbPath, { readonly: true });
    const tables = (after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    const versions = after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'schema_migrations'").get() as { n: number };
    const applied = versions.n > 0 ? (after.prepare('SELECT scope, version FROM schema_migrations').all() as unknown[]) : [];
    after.close();
    const firstError = run.output.split('\n').find((l) => /migration/i.test(l)) ?? '(no line about the migration)';
    report('a migration failing half-way', { sent: 0, arrived: 0, lost: 0, duplicated: 0 }, `exit ${run.code}; tables after: ${tables.join(', ')}; ${firstError.slice(0, 200)}`);
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/Migration core #1 .*failed/);
    expect(tables.filter((t) => t !== 'kv' && t !== 'schema_migrations')).toEqual([]);
    expect(applied).toEqual([]);
  });
});
