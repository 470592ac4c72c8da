// Unit tests (in-process fakes) of ghosts banned from a room on Matrix but not on IRC: their
// lines are dropped, counted and logged once, never reported as errors; lifting the ban ends it.
import type { RoomId, UserId } from '@bridgekit/appservice';
import { alice, CHANNEL, ghostOf, startHarness, type Harness } from '../testing/harness';
import { GhostBans } from './bans';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const CAROL = ghostOf('carol');
/** Log lines before this index were written at start-up. */
let started = 0;

const metric = (name: string) => h.tb.bridge.metrics.registry.getSingleMetric(name)!;

async function dropped(): Promise<number> {
  const metric = await h.tb.bridge.metrics.registry.getSingleMetric('bridgekit_irc_banned_ghost_dropped_total')!.get();
  return metric.values.reduce((n, v) => n + v.value, 0);
}

function problems() {
  return h.tb.logLines().slice(started).filter((l) => l.level === 'error' || l.level === 'warn');
}

function banLogs() {
  return h.tb.logLines().filter((l) => l.message.startsWith('IRC user banned from a bridged room'));
}

/** A Matrix user bans `userId` on the homeserver (pushed to the bridge only where a test does so). */
function banOnHomeserver(roomId: RoomId, userId: UserId): void {
  const { model } = h.tb.homeserver;
  model.append(model.room(roomId), alice, 'm.room.member', { membership: 'ban' }, userId);
}

/** Carol has spoken once (her ghost is in the room); Alice has no ops on IRC. */
async function roomWithCarol(network: Record<string, unknown> = {}): Promise<RoomId> {
  h = await startHarness({ network });
  started = h.tb.logs.length;
  h.server.userJoins('carol', CHANNEL);
  const roomId = await h.portal();
  h.server.userSays('carol', CHANNEL, 'hello');
  await h.settle();
  return roomId;
}

function fromCarol(roomId: RoomId): unknown[] {
  return h.messagesIn(roomId).filter((e) => e.sender === CAROL).map((e) => e.content.body);
}

describe('an IRC user banned on Matrix only', () => {
  it('is not bridged into the room any more: dropped, counted, logged once; lifting the ban brings them back', async () => {
    const roomId = await roomWithCarol();
    // The push records the ban on the homeserver too.
    await h.matrixEvent(roomId, alice, { membership: 'ban' }, 'm.room.member', { stateKey: CAROL, unsigned: { prev_content: { membership: 'join' } } });
    for (const text of ['one', 'two', 'three']) h.server.userSays('carol', CHANNEL, text);
    await h.settle();
    expect(fromCarol(roomId)).toEqual(['hello']);
    expect(await dropped()).toBe(3);
    expect(banLogs()).toHaveLength(1);
    expect(banLogs()[0]!.level).toBe('info');
    expect((await metric('bridgekit_irc_ghost_bans_remembered').get()).values[0]!.value).toBe(1);
    expect(problems()).toEqual([]);
    await h.matrixEvent(roomId, alice, { membership: 'leave' }, 'm.room.member', { stateKey: CAROL, unsigned: { prev_content: { membership: 'ban' } } });
    h.server.userSays('carol', CHANNEL, 'am I back?');
    await h.settle();
    expect(fromCarol(roomId)).toEqual(['hello', 'am I back?']);
  });

  it('is recognised from the homeserver\'s refusal when the bridge missed the ban', async () => {
    const roomId = await roomWithCarol();
    banOnHomeserver(roomId, CAROL); // banned while the bridge was not listening
    for (const text of ['one', 'two']) h.server.userSays('carol', CHANNEL, text);
    await h.settle();
    expect(fromCarol(roomId)).toEqual(['hello']);
    expect(await dropped()).toBe(2);
    expect(banLogs()).toHaveLength(1);
    expect(problems()).toEqual([]);
    const handlerErrors = await metric('bridgekit_irc_handler_errors_total').get();
    expect(handlerErrors.values).toEqual([]);
  });

  it('does not get their ghost joined again by membership sync', async () => {
    const roomId = await roomWithCarol({ membership_sync: 'all' });
    await h.matrixEvent(roomId, alice, { membership: 'ban' }, 'm.room.member', { stateKey: CAROL, unsigned: { prev_content: { membership: 'join' } } });
    h.server.userParts('carol', CHANNEL);
    h.server.userJoins('carol', CHANNEL);
    await h.settle();
    expect(h.tb.homeserver.model.room(roomId).membership(CAROL)).toBe('ban');
    expect(h.tb.sent.memberships(roomId).filter((m) => m.userId === CAROL).map((m) => m.action)).toEqual(['join']);
    expect(problems()).toEqual([]);
  });

  it('still gets an error when a send is refused for another reason', async () => {
    const roomId = await roomWithCarol();
    h.tb.failNext(Infinity, { status: 403, errcode: 'M_FORBIDDEN', error: 'You do not have permission to send' }, { endpoint: 'send' });
    h.server.userSays('carol', CHANNEL, 'refused');
    await h.settle();
    expect(h.tb.logLines().filter((l) => l.level === 'error' && l.message.startsWith('Could not deliver a message to Matrix'))).toHaveLength(1);
    expect(h.store.journal.deadLetters()).toEqual([expect.objectContaining({ kind: 'outbox', roomId, error: expect.stringContaining('M_FORBIDDEN') })]);
    expect(await dropped()).toBe(0);
  });
});

describe('GhostBans', () => {
  it('remembers each ban once, forgets lifted ones, and stays within its bound (oldest first)', () => {
    const bans = new GhostBans(2);
    const room = '!r:hs.test' as RoomId;
    const g = (n: string) => `@_irc_net_${n}:hs.test` as UserId;
    expect(bans.add(room, g('a'))).toBe(true);
    expect(bans.add(room, g('a'))).toBe(false);
    bans.add(room, g('b'));
    bans.add(room, g('c'));
    expect([bans.has(room, g('a')), bans.has(room, g('b')), bans.has(room, g('c'))]).toEqual([false, true, true]);
    bans.lift(room, g('b'));
    expect(bans.has(room, g('b'))).toBe(false);
    expect(bans.size).toBe(1);
  });
});
