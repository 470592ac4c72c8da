// Events a handler marked "written to the network" (BridgeContext.writtenMarker) are never run
// again: not after a crash and restart (on the real SQLite journal), not by a retry.
import { join } from 'node:path';
import type { MatrixEvent } from '../events';
import { asEventId, asRoomId, asUserId } from '../ids';
import { openStore } from '../store/open';
import { useTempDir } from '../store/testing/fixtures';
import { Ingestor } from './ingestor';
import { MemoryJournal } from './memory-journal';
import { flush, ManualTimers, memoryLogger } from './testing/helpers';
import type { QueuedItem, TransactionJournal } from './types';
import { currentWrittenMarker } from './written-mark';

const room = asRoomId('!room:example.org');
const ev = (id: string): MatrixEvent => ({
  eventId: asEventId(`$${id}`), roomId: room, sender: asUserId('@alice:example.org'), type: 'm.room.message', content: { body: id }, originServerTs: 1,
});
const bodyOf = (item: QueuedItem) => String(item.event.content.body);

function ingestor(journal: TransactionJournal, handle: (item: QueuedItem) => Promise<void>, lines: string[] = []) {
  return new Ingestor({
    journal, handle, isEcho: () => false, roomConcurrency: 2, maxAttempts: 5, retryDelay: () => 0, slowHandlerMs: 60_000,
    timers: new ManualTimers(), log: memoryLogger(lines),
  });
}

describe('events marked written to the network', () => {
  const dir = useTempDir();

  it('are not run again after the bridge died between the write and the end of the handler', async () => {
    let store = openStore(join(dir(), 'bridge.db'));
    const said: string[] = [];
    // The first life: "b" is written, then the process dies before its handler returns.
    const first = ingestor(store.journal, async (item) => {
      const mark = currentWrittenMarker();
      if (bodyOf(item) === 'b') {
        mark();
        said.push('b');
        return new Promise<void>(() => undefined);
      }
      said.push(bodyOf(item));
    });
    first.acceptTransaction('t1', [ev('a'), ev('b'), ev('c')], []);
    first.resume();
    await flush();
    expect(said).toEqual(['a', 'b']);
    store.close();

    store = openStore(join(dir(), 'bridge.db'));
    expect(store.journal.pending().map((p) => [p.kind === 'room' && bodyOf(p), p.kind === 'room' && p.written === true])).toEqual([['b', true], ['c', false]]);
    const lines: string[] = [];
    const second = ingestor(store.journal, async (item) => { said.push(bodyOf(item)); }, lines);
    expect(second.resume()).toBe(1);
    await second.drain();
    expect(said).toEqual(['a', 'b', 'c']);
    expect(store.journal.pending()).toEqual([]);
    expect(lines.filter((l) => l.includes('Not running an event again'))).toHaveLength(1);
    await second.stop();
    store.close();
  });

  it('are not retried after a failure that came after the mark', async () => {
    const journal = new MemoryJournal();
    let runs = 0;
    const ingest = ingestor(journal, async () => {
      runs++;
      currentWrittenMarker()();
      throw new Error('the reply lookup failed after the line went out');
    });
    ingest.acceptTransaction('t1', [ev('a')], []);
    ingest.resume();
    await ingest.drain();
    expect(runs).toBe(1);
    expect(journal.deadLetters()).toEqual([expect.objectContaining({ eventId: '$a', attempts: 1 })]);
  });

  it('outside a journaled handler the marker does nothing', () => {
    expect(() => currentWrittenMarker()()).not.toThrow();
  });
});
