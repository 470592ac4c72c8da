// Unit tests of prefix modes → power levels and of editing m.room.power_levels for ghosts.
import type { RoomId, UserId } from '@bridgekit/appservice';
import { DEFAULT_ISUPPORT } from '../irc/isupport';
import { creatorsOutrankEveryone, levelForPrefixes, mergePending, PendingLevelUpdates, powerLevelOf, privilegedCreators, withGhostLevels, withTopicLevel } from './power-levels';

const LEVELS = { q: 75, a: 60, o: 50, h: 25, v: 1 };
const RICH = { prefix: [{ mode: 'q', symbol: '~' }, { mode: 'a', symbol: '&' }, { mode: 'o', symbol: '@' }, { mode: 'h', symbol: '%' }, { mode: 'v', symbol: '+' }] };
const BOT = '@ircbot:hs.test' as UserId;
const g = (n: string) => `@_irc_net_${n}:hs.test` as UserId;

describe('levelForPrefixes', () => {
  it.each([
    ['', RICH, 0],
    ['+', RICH, 1],
    ['%', RICH, 25],
    ['@+', RICH, 50],
    ['&@', RICH, 60],
    ['~', RICH, 75],
    ['%', DEFAULT_ISUPPORT, 0], // the server has no half-ops: '%' means nothing there
    ['@', DEFAULT_ISUPPORT, 50],
  ])('%j → %i', (symbols, isupport, level) => {
    expect(levelForPrefixes(symbols, isupport, LEVELS)).toBe(level);
  });

  it('gives nothing for modes the config leaves out', () => {
    expect(levelForPrefixes('+', RICH, { o: 50 })).toBe(0);
  });
});

describe('withGhostLevels', () => {
  const base = { users: { [BOT]: 100, '@admin:hs.test': 100, [g('old')]: 50 }, users_default: 0, kick: 50 };

  it('sets, changes and removes ghost entries, keeping everything else', () => {
    const next = withGhostLevels(base, BOT, new Map([[g('carol'), 50], [g('old'), 0], [g('dave'), 1]]));
    expect(next).toEqual({ users: { [BOT]: 100, '@admin:hs.test': 100, [g('carol')]: 50, [g('dave')]: 1 }, users_default: 0, kick: 50 });
    expect(base.users[g('old')]).toBe(50); // the input is not modified
  });

  it('returns undefined when nothing changes', () => {
    expect(withGhostLevels(base, BOT, new Map([[g('old'), 50], [g('nobody'), 0]]))).toBeUndefined();
  });

  it('stays below the bot and leaves alone what the bot may not change', () => {
    const plumbed = { users: { [BOT]: 50, [g('boss')]: 50 }, users_default: 0 };
    expect(withGhostLevels(plumbed, BOT, new Map([[g('carol'), 75], [g('boss'), 0]]))).toEqual({ users: { [BOT]: 50, [g('boss')]: 50, [g('carol')]: 49 }, users_default: 0 });
  });

  it('treats users_default as "no entry needed"', () => {
    const raised = { users: { [BOT]: 100 }, users_default: 1 };
    expect(withGhostLevels(raised, BOT, new Map([[g('carol'), 1]]))).toBeUndefined();
  });
});

describe('room version 12: creators outrank everyone', () => {
  const v12 = (sender: UserId | undefined, additional?: unknown) => ({ content: { room_version: '12', ...(additional !== undefined ? { additional_creators: additional } : {}) }, ...(sender ? { sender } : {}) });

  it.each([
    [undefined, false], ['1', false], ['11', false], ['12', true], ['13', true], ['org.matrix.hydra.11', true], ['org.example.custom', false], [12, false],
  ])('version %j → %s', (version, outrank) => {
    expect(creatorsOutrankEveryone(version)).toBe(outrank);
  });

  it('finds the creators: the sender and the additional creators, only from version 12 on', () => {
    expect(privilegedCreators(v12(BOT, ['@b:hs.test', 7]))).toEqual(new Set([BOT, '@b:hs.test']));
    expect(privilegedCreators(v12(undefined, ['@b:hs.test']))).toEqual(new Set(['@b:hs.test']));
    expect(privilegedCreators({ content: { room_version: '11', additional_creators: ['@b:hs.test'] }, sender: BOT })).toEqual(new Set());
    expect(privilegedCreators(undefined)).toEqual(new Set());
  });

  it('gives creators unlimited power, everyone else their entry or users_default', () => {
    const creators = privilegedCreators(v12(BOT));
    expect(powerLevelOf(BOT, { users: {}, users_default: 0 }, creators)).toBe(Infinity);
    expect(powerLevelOf(g('carol'), { users: { [g('carol')]: 50 } }, creators)).toBe(50);
    expect(powerLevelOf(g('dave'), { users_default: 5 }, creators)).toBe(5);
    expect(powerLevelOf(BOT, undefined)).toBe(0);
  });

  it('lets a creator bot set any ghost level, never writing a creator into users', () => {
    const creators = privilegedCreators(v12(BOT, [g('founder')]));
    const content = { users: { [g('old')]: 99 }, users_default: 0 };
    expect(withGhostLevels(content, BOT, new Map([[g('carol'), 50], [g('old'), 0], [g('founder'), 75]]), creators))
      .toEqual({ users: { [g('carol')]: 50 }, users_default: 0 });
  });

  it('writes nothing for a bot that is not a creator and has no entry', () => {
    const creators = privilegedCreators(v12('@admin:hs.test' as UserId));
    expect(withGhostLevels({ users: {}, users_default: 0 }, BOT, new Map([[g('carol'), 50]]), creators)).toBeUndefined();
  });
});

describe('PendingLevelUpdates', () => {
  it('schedules one write per room and collects what arrives before it runs', () => {
    const scheduled: RoomId[] = [];
    const pending = new PendingLevelUpdates((roomId) => scheduled.push(roomId));
    const room = '!r:hs.test' as RoomId;
    pending.request(room, g('a'));
    pending.request(room, g('b'));
    pending.request(room, 'all');
    expect(scheduled).toEqual([room]);
    expect(pending.take(room)).toEqual({ all: true, ghosts: new Set([g('a'), g('b')]) });
    expect(pending.take(room)).toBeUndefined();
    pending.request(room, g('c'));
    expect(scheduled).toEqual([room, room]);
  });

  it('carries the topic level with the room\'s next write; the later request wins', () => {
    const scheduled: RoomId[] = [];
    const pending = new PendingLevelUpdates((roomId) => scheduled.push(roomId));
    const room = '!r:hs.test' as RoomId;
    pending.requestTopicLevel(room, 50);
    pending.request(room, g('a'));
    pending.requestTopicLevel(room, 0);
    expect(scheduled).toEqual([room]);
    expect(pending.take(room)).toEqual({ all: false, ghosts: new Set([g('a')]), topicLevel: 0 });
    expect(mergePending({ all: false, ghosts: new Set(), topicLevel: 50 }, { all: false, ghosts: new Set() })).toEqual({ all: false, ghosts: new Set(), topicLevel: 50 });
    expect(mergePending({ all: false, ghosts: new Set(), topicLevel: 50 }, { all: false, ghosts: new Set(), topicLevel: 0 })?.topicLevel).toBe(0);
  });
});

describe('withTopicLevel', () => {
  it.each([
    ['an explicit level', { events: { 'm.room.topic': 50, 'm.room.name': 50 } }, 0, { events: { 'm.room.topic': 0, 'm.room.name': 50 } }],
    ['state_default when there is no entry', { state_default: 50 }, 50, undefined],
    ['state_default 50 when nothing is set', {}, 50, undefined],
    ['nothing to change', { events: { 'm.room.topic': 0 } }, 0, undefined],
    ['a new entry over state_default', { state_default: 50, users: { '@bot:hs': 100 } }, 0, { state_default: 50, users: { '@bot:hs': 100 }, events: { 'm.room.topic': 0 } }],
  ])('%s', (_what, content, level, expected) => {
    expect(withTopicLevel(content, level)).toEqual(expected);
  });
});
