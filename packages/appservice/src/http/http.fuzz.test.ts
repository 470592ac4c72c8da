/**
 * The appservice HTTP layer under fast-check: random JSON shapes, deep nesting, huge numbers,
 * invalid UTF-8, wrong content types and encodings. A homeserver resends a transaction answered
 * with a 5xx forever, so the only 5xx allowed is a store that fails (fuzz.test.ts checks that
 * one); everything else is a 2xx or a 4xx with a Matrix error body. The transaction parser is
 * also checked on its own: it throws only its own BadJsonError, whatever the JSON.
 */
import fc from 'fast-check';
import { fuzzParams, fuzzTimeout } from '../../../../test/fuzz/runs';
import { openStore, type OpenedStore } from '../store/open';
import { HS_TOKEN, startApp, TXN, wireEvent, type RawRequest } from './testing/app-harness';
import { BadJsonError, parseTransaction } from './wire';

const hugeNumber = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '9007199254740993', '-0', '0.0000000000000000000000001', '1E+2');
const nested = fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":')).map(([n, open]) => `${open.repeat(n)}${open === '[' ? '' : '0'}${(open === '[' ? ']' : '}').repeat(n)}`);
/** A JSON text for one field's value: anything JSON can say, plus what JSON.stringify never writes. */
const jsonText = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: hugeNumber },
  { weight: 1, arbitrary: nested },
  { weight: 1, arbitrary: fc.constantFrom('"\\ud800"', '"\\u0000"', '"__proto__"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}') },
);
const FIELDS = ['event_id', 'room_id', 'sender', 'type', 'content', 'origin_server_ts', 'state_key', 'unsigned', 'redacts'];
/** An event of the right shape with some fields replaced by generated JSON. */
const eventText = fc.tuple(fc.nat(1e6), fc.dictionary(fc.constantFrom(...FIELDS), jsonText, { maxKeys: 3 })).map(([n, fields]) => {
  const base = JSON.stringify(wireEvent(n)).slice(0, -1);
  return `${base}${Object.entries(fields).map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join('')}}`;
});
const bodyBytes = fc.oneof(
  { weight: 4, arbitrary: fc.array(eventText, { maxLength: 4 }).map((events) => Buffer.from(`{"events":[${events.join(',')}]}`)) },
  { weight: 1, arbitrary: jsonText.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  // Valid JSON with invalid UTF-8 inside a string.
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => Buffer.concat([Buffer.from(`{"events":[${JSON.stringify(wireEvent(1)).replace('"m1"', '"')}`), Buffer.from(b.filter((x) => x !== 0x22 && x !== 0x5c)), Buffer.from('"}}]}')])) },
);
const contentType = fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'application/JSON', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/octet-stream', ';;;');
const request: fc.Arbitrary<RawRequest> = fc.record({
  method: fc.constantFrom('PUT', 'PUT', 'PUT', 'GET', 'POST', 'DELETE', 'PATCH'),
  path: fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((n) => `${TXN}/f${n}`) },
    { weight: 1, arbitrary: fc.constantFrom('/_matrix/app/v1/users/@a:hs.test', '/_matrix/app/v1/rooms/%23a:hs.test', '/_matrix/app/v1/ping', '/_matrix/app/v1/thirdparty/protocol/irc', `${TXN}/%zz`, `${TXN}/`, '/_matrix/app/v1/users/%E0%A4%A') },
  ),
  headers: contentType.map((ct): Record<string, string> => (ct === undefined ? {} : { 'Content-Type': ct })),
  body: bodyBytes,
  token: fc.constantFrom(HS_TOKEN, HS_TOKEN, HS_TOKEN, null, 'wrong'),
});

let store: OpenedStore | undefined;
afterEach(() => { store?.close(); store = undefined; });

describe('the appservice HTTP layer under generated requests', () => {
  it('never answers 5xx while the store works, and every error carries an errcode', async () => {
    store = openStore(':memory:');
    const { send } = await startApp({ journal: store.journal });
    const statuses = new Map<number, number>();
    await fc.assert(fc.asyncProperty(request, async (req) => {
      // startApp sets Content-Type to JSON unless told otherwise; '' here means "send none".
      const res = await send(req.headers?.['Content-Type'] === undefined ? { ...req, headers: { 'Content-Type': '' } } : req);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) expect(typeof res.body?.errcode).toBe('string');
    }), fuzzParams());
    // The generator must get past auth and parsing to the store, not only be refused.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
  }, fuzzTimeout(5));
});

describe('parseTransaction under generated JSON', () => {
  it('returns or throws BadJsonError, nothing else, and every event it keeps has the spec\'s shape', () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }),
      fc.array(eventText, { maxLength: 4 }).map((events) => JSON.parse(`{"events":[${events.join(',')}]}`) as unknown),
      fc.record({ events: fc.array(fc.jsonValue({ maxDepth: 3 })), ephemeral: fc.array(fc.jsonValue({ maxDepth: 3 })) }),
    );
    fc.assert(fc.property(body, (b) => {
      try {
        const txn = parseTransaction(b);
        for (const e of txn.events) {
          expect(typeof e.eventId).toBe('string');
          expect(typeof e.roomId).toBe('string');
          expect(typeof e.type).toBe('string');
          expect(typeof e.content).toBe('object');
          expect(Number.isFinite(e.originServerTs)).toBe(true);
        }
      } catch (error) {
        expect(error).toBeInstanceOf(BadJsonError);
      }
    }), fuzzParams());
  }, fuzzTimeout(1));
});
