// A push whose transaction ID skips ahead is refused (503, not stored) until the homeserver
// resends the missing one, within bounds. Through the real HTTP route and Ingestor.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { recordingLogger, startApp, TXN, wireEvent } from '../http/testing/app-harness';
import { openStore, type OpenedStore } from '../store/open';
import { Ingestor } from './ingestor';
import { MemoryJournal } from './memory-journal';
import { createIngestMetrics } from './metrics';
import { GAP_COOLDOWN_MS, GAP_HOLD_MS, RECOVERY_WINDOW_MS } from './txn-gaps';
import type { TransactionJournal } from './types';

const opened: OpenedStore[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The appservice app over an Ingestor whose clock the test moves; `push(txnId, n)` sends event $e<n>. */
async function gapBridge(journal: TransactionJournal = new MemoryJournal()) {
  const clock = { now: 1_000_000 };
  const lines: string[] = [];
  const log = recordingLogger(lines);
  const handled: string[] = [];
  const registry = new Registry();
  const ingestor = new Ingestor({
    journal, handle: async (item) => { handled.push(item.kind === 'room' ? item.event.eventId : 'ephemeral'); },
    isEcho: () => false, roomConcurrency: 1, maxAttempts: 1, retryDelay: () => 0, slowHandlerMs: 60_000,
    now: () => clock.now, log, metrics: createIngestMetrics(registry),
  });
  ingestor.resume();
  const { send } = await startApp({ journal, overrides: { ingest: ingestor, log } });
  const push = async (txnId: string, n: number) => {
    const res = await send({ method: 'PUT', path: `${TXN}/${txnId}`, body: JSON.stringify({ events: [wireEvent(n)] }) });
    await ingestor.drain();
    return res;
  };
  const gaps = async (outcome: string) => {
    const found = (await registry.getMetricsAsJSON()).find((m) => m.name === 'bridgekit_ingest_transaction_gaps_total');
    return found?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  };
  return { push, handled, lines, clock, gaps, ingestor };
}

const ok = { status: 200, body: {} };

describe('transaction ID gaps', () => {
  it('answers a push past a gap with 503 M_UNKNOWN, stores nothing of it, and tells the admin once', async () => {
    const { push, handled, lines, gaps } = await gapBridge();
    await expect(push('66', 66)).resolves.toEqual(ok);
    const refused = await push('68', 68);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ errcode: 'M_UNKNOWN', error: expect.stringContaining('67') });
    // A later push of the same gap (sent before the homeserver marked the bridge down) waits too.
    expect((await push('69', 69)).status).toBe(503);
    expect(handled).toEqual(['$e66']);
    expect(lines.filter((l) => l.startsWith('warn '))).toEqual([expect.stringMatching(/^warn Transaction 68 arrived before 67.*"expected":"67","received":"68"/)]);
    expect(await gaps('refused')).toBe(2);
  });

  it('handles the missing transaction, then the refused ones, in order when the homeserver resends them', async () => {
    const { push, handled, lines, gaps, clock } = await gapBridge();
    await push('66', 66);
    expect((await push('68', 68)).status).toBe(503);
    clock.now += 2_000;
    for (const n of [67, 68, 69]) await expect(push(String(n), n)).resolves.toEqual(ok);
    expect(handled).toEqual(['$e66', '$e67', '$e68', '$e69']);
    expect(lines).toContainEqual(expect.stringMatching(/^info Transaction ID gap filled.*"expected":"67","received":"68","afterMs":2000/));
    expect(await gaps('healed')).toBe(1);
    // The next gap is refused again: a filled gap does not stop the check.
    expect((await push('71', 71)).status).toBe(503);
  });

  it('accepts a gap that is never filled once the refused transaction comes again, then stops holding gaps for a while', async () => {
    const { push, handled, lines, gaps, clock, ingestor } = await gapBridge();
    await push('10', 10);
    expect((await push('12', 12)).status).toBe(503);
    // Another appservice took 11: the homeserver's oldest stored transaction for this one is 12.
    await expect(push('12', 12)).resolves.toEqual(ok);
    expect(lines).toContainEqual(expect.stringMatching(/^warn Transaction 11 never came; accepting 12 with the gap/));
    await expect(push('14', 14)).resolves.toEqual(ok);
    clock.now += GAP_COOLDOWN_MS;
    ingestor.homeserverRecovering(); // a recovery again, past the cooldown
    expect((await push('16', 16)).status).toBe(503);
    expect(handled).toEqual(['$e10', '$e12', '$e14']);
    expect(await gaps('accepted')).toBe(2);
  });

  it('takes gaps without holding once the homeserver is past its recovery: other appservices use IDs of the same counter', async () => {
    const { push, handled, lines, gaps, clock } = await gapBridge();
    await push('10', 10);
    clock.now += RECOVERY_WINDOW_MS;
    await expect(push('12', 12)).resolves.toEqual(ok);
    await expect(push('15', 15)).resolves.toEqual(ok);
    expect(handled).toEqual(['$e10', '$e12', '$e15']);
    expect(lines.filter((l) => l.startsWith('warn '))).toEqual([]);
    expect(await gaps('refused')).toBe(0);
  });

  it('holds gaps again after a push the bridge could not store (answered 500: the homeserver recovers)', async () => {
    const journal = new FailingOnce();
    const { push, handled, clock } = await gapBridge(journal);
    await push('10', 10);
    clock.now += RECOVERY_WINDOW_MS;
    journal.failNext = true;
    expect((await push('11', 11)).status).toBe(500);
    expect((await push('13', 13)).status).toBe(503);
    await expect(push('11', 11)).resolves.toEqual(ok);
    await expect(push('12', 12)).resolves.toEqual(ok);
    await expect(push('13', 13)).resolves.toEqual(ok);
    expect(handled).toEqual(['$e10', '$e11', '$e12', '$e13']);
  });

  it(`holds one gap for at most ${GAP_HOLD_MS / 1000} s`, async () => {
    const { push, handled, clock } = await gapBridge();
    await push('1', 1);
    expect((await push('3', 3)).status).toBe(503);
    clock.now += GAP_HOLD_MS - 1;
    expect((await push('4', 4)).status).toBe(503);
    clock.now += 1;
    await expect(push('4', 4)).resolves.toEqual(ok);
    expect(handled).toEqual(['$e1', '$e4']);
  });

  it('accepts a lower ID (a homeserver restarted with no stored transaction counts from 1) and checks gaps from there', async () => {
    const { push, handled } = await gapBridge();
    await push('457', 457);
    await push('458', 458);
    await expect(push('1', 1)).resolves.toEqual(ok);
    await expect(push('2', 2)).resolves.toEqual(ok);
    expect((await push('4', 4)).status).toBe(503);
    expect(handled).toEqual(['$e457', '$e458', '$e1', '$e2']);
  });

  it('answers a resent transaction 200 without handling it again', async () => {
    const { push, handled } = await gapBridge();
    await push('5', 5);
    await push('6', 6);
    await expect(push('6', 6)).resolves.toEqual(ok);
    await expect(push('7', 7)).resolves.toEqual(ok);
    expect(handled).toEqual(['$e5', '$e6', '$e7']);
  });

  it('never holds transaction IDs that are not decimal numbers', async () => {
    const { push, handled, gaps } = await gapBridge();
    for (const [id, n] of [['kit.1', 1], ['kit.9', 2], ['7a', 3], ['-4', 4]] as const) await expect(push(id, n)).resolves.toEqual(ok);
    expect(handled).toEqual(['$e1', '$e2', '$e3', '$e4']);
    expect(await gaps('refused')).toBe(0);
  });

  it('sees a gap right after a bridge restart, from the last ID the store recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'txn-gaps-'));
    dirs.push(dir);
    const path = join(dir, 'bridge.db');
    const first = openStore(path);
    const before = await gapBridge(first.journal);
    await push2(before.push, ['40', '41']);
    expect(before.handled).toEqual(['$e40', '$e41']);
    await before.ingestor.stop();
    first.close();

    const second = openStore(path);
    opened.push(second);
    const after = await gapBridge(second.journal);
    expect((await after.push('43', 43)).status).toBe(503);
    await expect(after.push('42', 42)).resolves.toEqual(ok);
    await expect(after.push('43', 43)).resolves.toEqual(ok);
    expect(after.handled).toEqual(['$e42', '$e43']);
  });
});

/** A journal whose next accept throws, as a store that is away would. */
class FailingOnce extends MemoryJournal {
  failNext = false;
  override accept(...args: Parameters<MemoryJournal['accept']>): ReturnType<MemoryJournal['accept']> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk I/O error');
    }
    return super.accept(...args);
  }
}

async function push2(push: (txnId: string, n: number) => Promise<unknown>, ids: string[]): Promise<void> {
  for (const id of ids) await push(id, Number(id));
}
