import { deflateSync, gzipSync } from 'node:zlib';
import { MemoryJournal } from '../ingest/memory-journal';
import { openStore, type OpenedStore } from '../store/open';
import { MAX_EVENT_NESTING } from './nesting';
import { startApp, TXN, wireEvent, type RawRequest } from './testing/app-harness';

// A homeserver resends a transaction answered 5xx forever, holding up every later one: a request
// that can never succeed must get a 4xx, and only a store that cannot write may give a 500.

let store: OpenedStore | undefined;
afterEach(() => { store?.close(); store = undefined; });
/** The real SQLite journal: deep events overflowed in its JSON.stringify. */
const sqliteJournal = () => (store = openStore(':memory:')).journal;

const txnBody = (events: unknown[]) => JSON.stringify({ events });
/** `levels` arrays inside each other, as event content: `{"deep": [[[...]]]}`. */
const nestedContent = (levels: number) => `{"deep":${'['.repeat(levels)}${']'.repeat(levels)}}`;
const eventWithContent = (n: number, contentJson: string) => JSON.stringify(wireEvent(n)).replace(`{"body":"m${n}"}`, contentJson);

describe('compressed bodies', () => {
  const put = (encoding: string, body: Buffer): RawRequest => ({ method: 'PUT', path: `${TXN}/z1`, headers: { 'Content-Encoding': encoding }, body });
  const good = txnBody([wireEvent(1)]);

  it('accepts a body that really is gzip or deflate', async () => {
    const { send, handled, ingestor } = await startApp();
    await expect(send(put('gzip', gzipSync(good)))).resolves.toEqual({ status: 200, body: {} });
    await expect(send({ ...put('deflate', deflateSync(txnBody([wireEvent(2)]))), path: `${TXN}/z2` })).resolves.toEqual({ status: 200, body: {} });
    await ingestor.drain();
    expect(handled).toHaveLength(2);
  });

  it.each([
    ['gzip', 'not gzip at all', Buffer.from('{"events": []}')],
    ['gzip', 'cut short', gzipSync(good).subarray(0, 20)],
    ['deflate', 'not deflate at all', Buffer.from('{"events": []}')],
    ['deflate', 'cut short', deflateSync(good).subarray(0, 10)],
    ['br', 'not brotli', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x01])],
  ])('answers 400 M_NOT_JSON for a %s body that is %s', async (encoding, _what, body) => {
    const { send, handled, lines } = await startApp();
    await expect(send(put(encoding, body))).resolves.toEqual({
      status: 400, body: { errcode: 'M_NOT_JSON', error: `The request body does not decompress as its Content-Encoding (${encoding}) says` },
    });
    expect(handled).toEqual([]);
    expect(lines.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it('answers 415 for a Content-Encoding the bridge does not know', async () => {
    const { send } = await startApp();
    await expect(send(put('compress', Buffer.from(good)))).resolves.toMatchObject({ status: 415, body: { errcode: 'M_UNKNOWN' } });
    await expect(send(put('gzip, deflate', Buffer.from(good)))).resolves.toMatchObject({ status: 415 });
  });

  it('answers 415 for a charset the bridge cannot decode', async () => {
    const { send } = await startApp();
    await expect(send({ method: 'PUT', path: `${TXN}/c1`, headers: { 'Content-Type': 'application/json; charset=klingon' }, body: good }))
      .resolves.toMatchObject({ status: 415, body: { errcode: 'M_UNKNOWN' } });
  });
});

describe('paths with bad percent-escapes', () => {
  it.each([
    '/_matrix/app/v1/users/%zz',
    '/users/%zz',
    '/_matrix/app/v1/rooms/%E0%A4%A',
    '/_matrix/app/v1/transactions/%E0%A4%A',
    '/_matrix/app/v1/thirdparty/protocol/%',
  ])('answers 400 M_INVALID_PARAM for %s', async (path) => {
    const { send, lines } = await startApp();
    const method = path.includes('/transactions/') ? 'PUT' : 'GET';
    await expect(send({ method, path, body: method === 'PUT' ? txnBody([]) : undefined })).resolves.toEqual({
      status: 400, body: { errcode: 'M_INVALID_PARAM', error: 'The request path has a malformed percent-escape' },
    });
    expect(lines.some((l) => l.startsWith('warn Rejected a malformed request'))).toBe(true);
  });
});

describe('deeply nested events', () => {
  it('skips and counts an event nested 10,000 levels deep, handles the good one beside it, answers 200', async () => {
    const { send, handled, ingestor, metric, lines } = await startApp({ journal: sqliteJournal() });
    const body = `{"events":[${JSON.stringify(wireEvent(1))},${eventWithContent(2, nestedContent(10_000))}]}`;
    await expect(send({ method: 'PUT', path: `${TXN}/deep1`, body })).resolves.toEqual({ status: 200, body: {} });
    await ingestor.drain();
    expect(handled.map((h) => (h.event as { eventId: string }).eventId)).toEqual(['$e1']);
    await expect(metric('bridgekit_appservice_skipped_events_total')).resolves.toBe(1);
    expect(lines.filter((l) => l.startsWith('warn Skipped a malformed event'))).toEqual([
      expect.stringContaining(`events[1]: nests objects or arrays deeper than ${MAX_EVENT_NESTING} levels`),
    ]);
  });

  it('skips deep objects as well as arrays, and deep ephemeral events', async () => {
    const { send, handled, ingestor, metric } = await startApp({ journal: sqliteJournal() });
    const deepObject = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const typing = (content: string) => `{"type":"m.typing","room_id":"!room:hs.test","content":${content}}`;
    const body = `{"events":[${eventWithContent(1, deepObject)}],"ephemeral":[${typing(nestedContent(5_000))},${typing('{"user_ids":[]}')}]}`;
    await expect(send({ method: 'PUT', path: `${TXN}/deep2`, body })).resolves.toEqual({ status: 200, body: {} });
    await ingestor.drain();
    expect(handled.map((h) => h.kind)).toEqual(['ephemeral']);
    await expect(metric('bridgekit_appservice_skipped_events_total')).resolves.toBe(2);
  });

  it('persists and handles an event nested 50 levels deep, content intact', async () => {
    const journal = sqliteJournal();
    const { send, handled, ingestor } = await startApp({ journal });
    const content = nestedContent(50);
    await expect(send({ method: 'PUT', path: `${TXN}/deep3`, body: `{"events":[${eventWithContent(1, content)}]}` })).resolves.toEqual({ status: 200, body: {} });
    await ingestor.drain();
    expect(handled.map((h) => h.event.content)).toEqual([JSON.parse(content)]);
  });

  it('keeps the limit exact: the deepest allowed event is stored, one level more is skipped', async () => {
    const { send, handled, ingestor } = await startApp({ journal: sqliteJournal() });
    // The event is level 1, its content level 2, the array inside content level 3.
    const atLimit = eventWithContent(1, nestedContent(MAX_EVENT_NESTING - 2));
    const overLimit = eventWithContent(2, nestedContent(MAX_EVENT_NESTING - 1));
    await send({ method: 'PUT', path: `${TXN}/deep4`, body: `{"events":[${atLimit},${overLimit}]}` });
    await ingestor.drain();
    expect(handled.map((h) => (h.event as { eventId: string }).eventId)).toEqual(['$e1']);
  });
});

describe('a store that cannot write', () => {
  it('still answers 500, so the homeserver retries', async () => {
    const journal = new MemoryJournal();
    journal.failAccept = new Error('SQLITE_FULL: database or disk is full');
    const { send } = await startApp({ journal });
    await expect(send({ method: 'PUT', path: `${TXN}/full`, body: txnBody([wireEvent(1)]) })).resolves.toMatchObject({ status: 500 });
  });
});
