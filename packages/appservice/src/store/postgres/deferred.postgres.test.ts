import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { MatrixEvent } from '../../events/matrix-event';
import { asEventId, asRoomId, asUserId } from '../../ids';
import type { OutboxEntry } from '../../ingest/types';
import { openPostgresStore } from './open';
import { usePostgresCluster } from './testing/jest';

const pg = usePostgresCluster();
const roomId = asRoomId('!r:hs.test');
const line = (n: number): OutboxEntry => ({ roomKey: roomId, outboxKind: 'line', txnId: `t${n}`, payload: { n } });

/** What another connection (or the bridge after a crash) finds committed. */
async function committed(url: string, sql: string): Promise<number> {
  const reader = new Client({ connectionString: url });
  await reader.connect();
  try {
    return Number((await reader.query<{ n: string }>(sql)).rows[0]!.n);
  } finally {
    await reader.end();
  }
}

/** Groups commit only when flushed (or read): what is queued stays queued while a test looks. */
const held = { groupWrites: { maxDelayMs: 60_000 } };

describe('grouped writes on PostgreSQL', () => {
  it('shows a message link, a completed item and an echo-only transaction to reads before their commit, and commits them together', async () => {
    const url = await pg.newDatabase();
    const store = await openPostgresStore(url, held);
    const [seq] = await store.journal.appendOutbox([line(1)]);
    const done = store.journal.complete(seq!, true);
    const linked = store.messages.put({ roomId, eventId: asEventId('$e1'), network: 'irc', remoteId: 'm1', sender: 'nick', excerpt: 'hi' });
    await store.journal.recordEchoOnly('41');
    // Queued, not committed: another connection sees none of them yet.
    expect(await committed(url, 'SELECT count(*) AS n FROM message_links')).toBe(0);
    expect(await committed(url, "SELECT count(*) AS n FROM event_queue WHERE state = 'done'")).toBe(0);
    expect(await committed(url, "SELECT count(*) AS n FROM transactions WHERE txn_id = '41'")).toBe(0);
    // The store's own reads see them (they commit what is queued first).
    await expect(store.messages.eventIdOf('irc', 'm1')).resolves.toBe('$e1');
    await expect(store.journal.pending()).resolves.toEqual([]);
    await expect(store.journal.lastTransactionId()).resolves.toBe('41');
    await expect(Promise.all([done, linked])).resolves.toEqual([undefined, undefined]);
    expect(await committed(url, "SELECT count(*) AS n FROM event_queue WHERE state = 'done'")).toBe(1);
    // Left queued at close: committed by the close.
    const late = store.messages.put({ roomId, eventId: asEventId('$e2'), network: 'irc', remoteId: 'm2' });
    await store.close();
    await expect(late).resolves.toBeUndefined();
    expect(await committed(url, 'SELECT count(*) AS n FROM message_links')).toBe(2);
    await expect(store.journal.complete(seq!, true)).rejects.toThrow(/closed/);
  });

  it('commits a Matrix event marked done at once, with what was queued before it', async () => {
    const url = await pg.newDatabase();
    const store = await openPostgresStore(url, held);
    const event: MatrixEvent = { eventId: asEventId('$m1'), roomId, type: 'm.room.message', sender: asUserId('@alice:hs.test'), content: { body: 'hi' }, originServerTs: 1 };
    const { queued } = await store.journal.accept('7', [event], []);
    const [outboxSeq] = await store.journal.appendOutbox([line(1)]);
    void store.journal.complete(outboxSeq!, true);
    expect(await committed(url, "SELECT count(*) AS n FROM event_queue WHERE state = 'done'")).toBe(0);
    await store.journal.complete(queued[0]!.seq);
    expect(await committed(url, "SELECT count(*) AS n FROM event_queue WHERE state = 'done'")).toBe(2);
    await store.close();
  });

  it('tells each caller of its own failure and commits the rest of the group', async () => {
    const url = await pg.newDatabase();
    const store = await openPostgresStore(url);
    const [a, b] = await store.journal.appendOutbox([line(1), line(2)]);
    const results = await Promise.allSettled([
      store.journal.complete(a!, true),
      store.journal.complete(9_999, true),
      // PostgreSQL's text refuses a NUL: this link alone breaks the statement.
      store.messages.put({ roomId, eventId: asEventId('$bad'), network: 'irc', remoteId: 'nul', excerpt: 'a\u0000b' }),
      store.messages.put({ roomId, eventId: asEventId('$good'), network: 'irc', remoteId: 'ok' }),
      store.journal.complete(b!, true),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_NOT_FOUND' });
    expect(await committed(url, "SELECT count(*) AS n FROM event_queue WHERE state = 'done'")).toBe(2);
    expect(await committed(url, "SELECT count(*) AS n FROM message_links WHERE remote_id = 'ok'")).toBe(1);
    await store.close();
  });

  it('keeps message links in call order within a group, the later of two with one key winning', async () => {
    const url = await pg.newDatabase();
    const store = await openPostgresStore(url);
    const eventId = asEventId('$split');
    await Promise.all([
      store.messages.put({ roomId, eventId, network: 'irc', sender: 'first' }),
      store.messages.put({ roomId, eventId, network: 'irc', remoteId: 'r1', sender: 'a' }),
      store.messages.put({ roomId, eventId, network: 'irc', remoteId: 'r2', sender: 'b' }),
      store.messages.put({ roomId, eventId, network: 'irc', remoteId: 'r1', sender: 'c' }),
      store.messages.put({ roomId, eventId, network: 'irc', sender: 'again' }),
    ]);
    const links = await store.messages.linksOf(eventId, 'irc');
    expect(links.map((l) => [l.remoteId ?? null, l.sender])).toEqual([[null, 'again'], ['r1', 'c'], ['r2', 'b']]);
    await expect(store.messages.remoteIdOf(eventId, 'irc')).resolves.toBe('r1');
    await store.close();
  });

  it('prepares a group\'s statement once per shape and connection, then reuses it', async () => {
    const url = await pg.newDatabase();
    // One connection: the prepared statements seen are the ones the groups used.
    const store = await openPostgresStore(url, { poolSize: 1 });
    const prepared = async () => (await store.pool.query<{ name: string }>(
      "SELECT name FROM pg_prepared_statements WHERE name LIKE 'bridgekit_group_%' ORDER BY name")).rows.map((r) => r.name);
    const seqs = await store.journal.appendOutbox([line(1), line(2), line(3)]);
    await Promise.all([store.journal.complete(seqs[0]!, true), store.messages.put({ roomId, eventId: asEventId('$a'), network: 'irc' })]);
    const first = await prepared();
    expect(first).toHaveLength(1);
    await Promise.all([store.journal.complete(seqs[1]!, true), store.messages.put({ roomId, eventId: asEventId('$b'), network: 'irc' })]);
    await expect(prepared()).resolves.toEqual(first);
    await store.journal.complete(seqs[2]!, true); // another shape: done-marks only
    await expect(prepared()).resolves.toHaveLength(2);
    await expect(store.journal.pending()).resolves.toEqual([]);
    await store.close();
  });

  it('journals a burst of outbox entries in one statement, in order', async () => {
    const url = await pg.newDatabase();
    const store = await openPostgresStore(url);
    const entries = Array.from({ length: 50 }, (_, i) => line(i));
    const seqs = await store.journal.appendOutbox(entries);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const pending = await store.journal.pending();
    expect(pending.map((p) => p.seq)).toEqual(seqs);
    expect(pending.map((p) => (p.kind === 'outbox' ? p.txnId : ''))).toEqual(entries.map((e) => e.txnId));
    await store.close();
  });
});

describe('a bridge process killed with grouped writes queued', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'pg-kill-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs `body` in a new Node process on this store (TypeScript sources compiled as they load)
   * and kills it with SIGKILL once it prints "ready": it never gets to commit what it queued.
   */
  async function runAndKill(url: string, body: string): Promise<void> {
    const script = join(dir, 'child.js');
    writeFileSync(script, `
      const ts = require(${JSON.stringify(require.resolve('typescript'))});
      const fs = require('node:fs');
      require.extensions['.ts'] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'),
        { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, file);
      const { openPostgresStore } = require(${JSON.stringify(join(__dirname, 'open.ts'))});
      (async () => {
        const store = await openPostgresStore(${JSON.stringify(url)});
        ${body}
        fs.writeSync(1, 'ready\\n');
        for (;;) {} // the timer that would commit the group never runs: the kill comes first
      })().catch((err) => { fs.writeSync(2, String(err && err.stack)); process.exit(3); });`);
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
      child.on('exit', (code) => reject(new Error(`the child exited (${code}) before it was ready: ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  }

  it('loses only the last group: every journaled line is still there, undelivered ones pending under their txnId', async () => {
    const url = await pg.newDatabase();
    await runAndKill(url, `
      const seqs = await store.journal.appendOutbox(Array.from({ length: 6 }, (_, i) => ({ roomKey: '!r:hs.test', outboxKind: 'line', txnId: 'k' + i, payload: { i } })));
      await store.journal.complete(seqs[0], true);   // resolved: its group committed
      await store.journal.recordEchoOnly('40');
      await store.journal.lastTransactionId();      // commits the queued echo-only ID
      const { queued } = await store.journal.accept('41', [{ eventId: '$m', roomId: '!r:hs.test', type: 'm.room.message', sender: '@a:hs.test', content: { body: 'x' }, originServerTs: 1 }], []);
      await store.journal.complete(queued[0].seq);   // not repeatable: durable on return
      store.journal.complete(seqs[1], true);         // queued, never committed
      store.journal.complete(seqs[2], true);
      store.messages.put({ roomId: '!r:hs.test', eventId: '$e', network: 'irc', remoteId: 'lost' });
      store.journal.recordEchoOnly('42');`);
    const store = await openPostgresStore(url);
    try {
      const pending = await store.journal.pending();
      // Journaled before the kill, so still there: the five not committed as done, in order, to be resent under their txnIds.
      expect(pending.map((p) => (p.kind === 'outbox' ? p.txnId : p.kind))).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
      expect(await committed(url, "SELECT count(*) AS n FROM event_queue WHERE state = 'done'")).toBe(2);
      // The Matrix event marked done without being marked written is not run again.
      expect(pending.some((p) => p.kind === 'room')).toBe(false);
      await expect(store.messages.eventIdOf('irc', 'lost')).resolves.toBeUndefined();
      await expect(store.journal.lastTransactionId()).resolves.toBe('41');
    } finally {
      await store.close();
    }
  });
});
