import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { MemoryJournal } from '../ingest/memory-journal';
import { openStore, type OpenedStore } from '../store/open';
import { HS_TOKEN, startApp, TXN, wireEvent, type RawRequest } from './testing/app-harness';

// A bounded property check: whatever a sender puts in the body, path or headers, the bridge
// answers below 500 (a 5xx makes a homeserver resend the same transaction forever). The only
// 500 allowed is a store that throws. Seeded, so a failure names a case that can be replayed.

const CASES = 500;

/** A small seeded PRNG (mulberry32): the same seed gives the same cases on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const SEGMENTS = ['%zz', '%', '%E0%A4%A', '%C0%AF', '%00', '%FF%FE', '%25', 'a%2Fb', '..', '@alice:hs.test', '!r:hs.test', '#a:hs.test', 'x'.repeat(300), '%F0%9F%98', ':', '~'];
const ROUTES = ['transactions', 'users', 'rooms', 'ping', 'thirdparty/protocol', 'thirdparty/user', 'thirdparty/location', 'nothing'];
const PREFIXES = ['/_matrix/app/v1/', '/_matrix/app/unstable/', '/', '/_matrix/app/v2/'];

function randomPath(r: Rng): string {
  const segments = Array.from({ length: r.int(3) }, () => r.pick(SEGMENTS));
  const query = r.int(4) === 0 ? `?access_token=${r.pick([HS_TOKEN, '%zz', 'wrong', ''])}` : '';
  return `${r.pick(PREFIXES)}${[r.pick(ROUTES), ...segments].join('/')}${query}`;
}

function randomJsonValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 4 : 7)) {
    case 0: return null;
    case 1: return r.int(2) === 0 ? r.next() * 1e6 : -r.int(10);
    case 2: return r.pick(['', 'x', '$e', '!r', '@u:hs.test', '\u0000', '\ud800', '__proto__']);
    case 3: return r.int(2) === 0;
    case 4: return Array.from({ length: r.int(4) }, () => randomJsonValue(r, depth + 1));
    default: return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(['events', 'ephemeral', 'content', 'type', '__proto__', 'a']), randomJsonValue(r, depth + 1)]));
  }
}

/** An event of the right shape with one field broken, or content nested to a random depth. */
function randomEvent(r: Rng, n: number): string {
  if (r.int(3) === 0) {
    const levels = r.pick([1, 50, 99, 100, 101, 1_000, 5_000, 15_000]);
    const [open, close] = r.int(2) === 0 ? ['[', ']'] : ['{"a":', '}'];
    const inner = open === '[' ? '' : '0';
    return JSON.stringify(wireEvent(n)).replace(`{"body":"m${n}"}`, `{"d":${open.repeat(levels)}${inner}${close.repeat(levels)}}`);
  }
  const field = r.pick(['event_id', 'room_id', 'sender', 'type', 'content', 'origin_server_ts', 'state_key', 'unsigned', 'redacts', 'none']);
  return JSON.stringify(wireEvent(n, field === 'none' ? {} : { [field]: randomJsonValue(r) }));
}

function randomBody(r: Rng): Buffer {
  switch (r.int(8)) {
    case 0: return Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256)));
    case 1: return Buffer.from(JSON.stringify({ events: [wireEvent(1)] }).slice(0, r.int(60)));
    case 2: return Buffer.from(JSON.stringify(randomJsonValue(r)));
    case 3: return Buffer.from('');
    default: return Buffer.from(`{"events":[${Array.from({ length: 1 + r.int(3) }, (_, i) => randomEvent(r, i)).join(',')}]}`);
  }
}

/** Sometimes compressed as the header says, sometimes not, sometimes cut short. */
function encode(r: Rng, body: Buffer): { encoding?: string; body: Buffer } {
  const encoding = r.pick([undefined, undefined, undefined, undefined, 'identity', 'gzip', 'deflate', 'br', 'GZIP', 'compress', 'gzip, deflate', 'zstd', 'x-zz']);
  const compress: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
  const fn = encoding ? compress[encoding.toLowerCase()] : undefined;
  if (!fn || r.int(3) === 0) return { encoding, body };
  const packed = fn(body);
  return { encoding, body: r.int(4) === 0 ? packed.subarray(0, r.int(packed.length)) : packed };
}

function randomRequest(r: Rng): RawRequest {
  const { encoding, body } = encode(r, randomBody(r));
  const headers: Record<string, string> = {
    'Content-Type': r.pick(['application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16le', 'application/json; charset=latin1', 'application/json; charset=bogus', 'text/plain', 'multipart/form-data; boundary=x']),
  };
  if (encoding) headers['Content-Encoding'] = encoding;
  const token = r.pick([HS_TOKEN, HS_TOKEN, HS_TOKEN, HS_TOKEN, HS_TOKEN, null, 'wrong', '']);
  // Half of the cases are pushes, so bodies and headers get past routing and auth to the parser and the store.
  if (r.int(2) === 0) return { method: 'PUT', path: `${TXN}/f${r.int(1e6)}`, headers, body, token };
  return { method: r.pick(['PUT', 'GET', 'POST', 'DELETE']), path: randomPath(r), headers, body, token };
}

let store: OpenedStore | undefined;
afterEach(() => { store?.close(); store = undefined; });

describe(`${CASES} random malformed requests (seeded)`, () => {
  it('never get a 5xx while the store works, and every error has a Matrix error body', async () => {
    store = openStore(':memory:');
    const { send, metric } = await startApp({ journal: store.journal });
    const r = prng(0x5eed);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < CASES; i++) {
      const req = randomRequest(r);
      const res = await send(req);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const errorBodyOk = res.status < 400 || typeof res.body?.errcode === 'string';
      if (res.status >= 500 || !errorBodyOk) {
        failures.push(`case ${i}: ${req.method} ${req.path} ${JSON.stringify(req.headers)} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
    // The generator must reach every side: accepted pushes (so the store saw them), skipped events, refusals.
    expect(statuses.get(200)).toBeGreaterThan(20);
    await expect(metric('bridgekit_appservice_skipped_events_total')).resolves.toBeGreaterThan(20);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(3);
  });

  it('answer 500 for a well-formed push when the store throws', async () => {
    const journal = new MemoryJournal();
    journal.failAccept = new Error('SQLITE_BUSY: database is locked');
    const { send } = await startApp({ journal });
    await expect(send({ method: 'PUT', path: `${TXN}/locked`, body: JSON.stringify({ events: [wireEvent(1)] }) })).resolves.toMatchObject({
      status: 500, body: { errcode: 'M_UNKNOWN' },
    });
  });
});
