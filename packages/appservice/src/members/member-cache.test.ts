// Unit tests of the member cache: fed by pushed member events, bounded, one state request per
// miss (then kept), a push during that request wins, metrics for hits, misses and size.
import { Counter, Gauge, Registry } from 'prom-client';
import type { MatrixEvent } from '../events';
import { asEventId, asRoomId, asUserId, type RoomId, type UserId } from '../ids';
import { MemberCache } from './member-cache';

const room = asRoomId('!r:hs.test');
const alice = asUserId('@alice:hs.test');
const bob = asUserId('@bob:hs.test');

function member(userId: string, content: Record<string, unknown>, roomId: RoomId = room, type = 'm.room.member'): MatrixEvent {
  return { eventId: asEventId('$m'), roomId, sender: asUserId(userId), type, stateKey: userId, content, originServerTs: 1 };
}

function setup(max = 100, state: Record<string, Record<string, unknown> | undefined> = {}) {
  const requests: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  const registry = new Registry();
  const lookups = new Counter({ name: 'lookups', help: 'x', labelNames: ['result'] as const, registers: [registry] });
  const size = new Gauge({ name: 'size', help: 'x', labelNames: ['cache'] as const, registers: [registry] });
  const cache = new MemberCache({
    max,
    fetchMember: async (roomId, userId) => {
      requests.push(`${roomId} ${userId}`);
      await gate;
      if (state[userId] === null) throw new Error('M_FORBIDDEN: not in room');
      return state[userId];
    },
    metrics: { lookups, size },
  });
  const value = async (metric: Counter<'result'> | Gauge<'cache'>, label: Record<string, string>) => (await metric.get()).values.find((v) => Object.entries(label).every(([k, l]) => v.labels[k as never] === l))?.value;
  return {
    cache, requests, state, lookups, size, value,
    hold: () => { let release!: () => void; gate = new Promise((r) => { release = r; }); return release; },
  };
}

describe('MemberCache', () => {
  it('answers from pushed member events without a request, and follows renames', async () => {
    const { cache, requests, value, lookups, size } = setup();
    cache.observe(member(alice, { membership: 'join', displayname: 'Alice' }));
    expect(await cache.displayName(room, alice)).toBe('Alice');
    cache.observe(member(alice, { membership: 'join', displayname: 'Alice B' }));
    expect(await cache.displayName(room, alice)).toBe('Alice B');
    cache.observe(member(alice, { membership: 'join', displayname: '  ' }));
    expect(await cache.displayName(room, alice)).toBeUndefined(); // a blank name is none
    expect(requests).toEqual([]);
    expect(await value(lookups, { result: 'hit' })).toBe(3);
    expect(await value(size, { cache: 'members' })).toBe(1);
  });

  it('ignores events that are no valid member events', async () => {
    const { cache } = setup();
    cache.observe(member(alice, { membership: 'join', displayname: 'X' }, room, 'm.room.topic'));
    cache.observe({ ...member(alice, { membership: 'join', displayname: 'X' }), stateKey: 'not-a-user' });
    expect(cache.size).toBe(0);
  });

  it('makes one state request on a miss and keeps its answer, a missing member included', async () => {
    const { cache, requests, value, lookups } = setup(100, { [bob]: { membership: 'join', displayname: 'Bob' } });
    expect(await cache.displayName(room, bob)).toBe('Bob');
    expect(await cache.displayName(room, bob)).toBe('Bob');
    expect(await cache.displayName(room, alice)).toBeUndefined(); // no member event (404)
    expect(await cache.displayName(room, alice)).toBeUndefined();
    expect(requests).toEqual([`${room} ${bob}`, `${room} ${alice}`]);
    expect(await value(lookups, { result: 'miss' })).toBe(2);
  });

  it('rejects when the state cannot be read, and caches nothing then', async () => {
    const { cache, requests, state } = setup(100, { [bob]: null as never });
    await expect(cache.displayName(room, bob)).rejects.toThrow('M_FORBIDDEN');
    state[bob] = { membership: 'join', displayname: 'Bob' };
    expect(await cache.displayName(room, bob)).toBe('Bob');
    expect(requests).toHaveLength(2);
  });

  it('keeps a push that arrives while the state request is out (it is newer)', async () => {
    const { cache, hold } = setup(100, { [alice]: { membership: 'join', displayname: 'Old' } });
    const release = hold();
    const pending = cache.displayName(room, alice);
    cache.observe(member(alice, { membership: 'join', displayname: 'New' }));
    release();
    expect(await pending).toBe('New');
    expect(await cache.displayName(room, alice)).toBe('New');
  });

  it('is bounded: the least recently used member goes first, and is fetched again when asked', async () => {
    const { cache, requests, state } = setup(2);
    state[alice] = { membership: 'join', displayname: 'Alice (state)' };
    cache.observe(member(alice, { membership: 'join', displayname: 'Alice' }));
    cache.observe(member(bob, { membership: 'join', displayname: 'Bob' }));
    cache.observe(member('@carol:hs.test', { membership: 'join', displayname: 'Carol' }));
    expect(cache.size).toBe(2);
    expect(await cache.displayName(room, bob)).toBe('Bob');
    expect(await cache.displayName(room, alice)).toBe('Alice (state)');
    expect(requests).toEqual([`${room} ${alice}`]);
  });

  it('keeps rooms apart', async () => {
    const { cache } = setup();
    const other = asRoomId('!other:hs.test');
    cache.observe(member(alice, { membership: 'join', displayname: 'Here' }));
    cache.observe(member(alice, { membership: 'join', displayname: 'There' }, other));
    expect(await cache.displayName(room, alice)).toBe('Here');
    expect(await cache.displayName(other, alice as UserId)).toBe('There');
  });
});
