// Unit tests of nick → ghost after renames, on a real SQLite store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asUserId, openStore, type OpenedStore } from '@bridgekit/appservice';
import { casefold } from '../mapping/casefold';
import { GhostUserIds } from '../mapping/ghost-ids';
import type { IrcNick, NetworkId } from '../mapping/ids';
import { GhostRenames } from './renames';

const nick = (n: string) => n as IrcNick;
const net = { id: 'net' as NetworkId, fold: (n: string) => casefold(n, 'rfc1459') };
const other = { id: 'other' as NetworkId, fold: net.fold };
const ghost = (n: string, network = 'net') => `@_irc_${network}_${n}:hs.test`;

let dir: string;
let store: OpenedStore;
let renames: GhostRenames;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bridgekit-renames-'));
  store = openStore(join(dir, 'bridge.db'));
  renames = new GhostRenames(store.ghosts, new GhostUserIds({ prefix: '_irc_', server: 'hs.test' }));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GhostRenames: one person, one ghost', () => {
  it('keeps the ghost a person had across nick changes, and back', async () => {
    expect(renames.userIdFor(net, nick('carol'))).toBe(ghost('carol'));
    expect(store.sync.ghosts.list('net')).toEqual([]); // a nick's own ghost needs no record
    expect(renames.rename(net, nick('carol'), nick('Carol_away'))).toBe(ghost('carol'));
    expect(renames.userIdFor(net, nick('carol_AWAY'))).toBe(ghost('carol'));
    expect(renames.nickOf(net, asUserId(ghost('carol')))).toBe('Carol_away');
    expect(renames.rename(net, nick('Carol_away'), nick('caz'))).toBe(ghost('carol'));
    expect(renames.userIdFor(net, nick('Carol_away'))).toBe(ghost('_carol__away'));
    expect(renames.rename(net, nick('caz'), nick('carol'))).toBe(ghost('carol'));
    expect(renames.nickOf(net, asUserId(ghost('carol')))).toBe('carol');
    renames.release(net, nick('carol'));
    await renames.flushed();
    expect(store.sync.ghosts.list('net')).toEqual([]);
  });

  it('gives whoever takes a freed nick another ghost, never the one its renamed holder still has', () => {
    renames.rename(net, nick('alice'), nick('alice2'));
    const newAlice = renames.userIdFor(net, nick('alice'));
    expect(newAlice).toBe(ghost('alice_2'));
    expect(renames.userIdFor(net, nick('alice2'))).toBe(ghost('alice'));
    // Asked again and again (every message), each keeps theirs: nothing flips.
    expect(renames.userIdFor(net, nick('ALICE'))).toBe(newAlice);
    expect(renames.nickOf(net, asUserId(ghost('alice')))).toBe('alice2');
    expect(renames.nickOf(net, newAlice)).toBe('alice');
    // A third person, while both are around, gets a third ghost.
    renames.rename(net, nick('alice'), nick('alice_again'));
    expect(renames.userIdFor(net, nick('alice'))).toBe(ghost('alice_3'));
    expect(renames.userIdFor(net, nick('alice_again'))).toBe(newAlice);
  });

  it('lets the new holder keep their ghost after the first one is gone, and frees it when they go', async () => {
    renames.rename(net, nick('alice'), nick('alice2'));
    const newAlice = renames.userIdFor(net, nick('alice'));
    renames.release(net, nick('alice2')); // the first alice quits
    expect(renames.userIdFor(net, nick('alice'))).toBe(newAlice);
    expect(renames.nickOf(net, asUserId(ghost('alice')))).toBeUndefined(); // speaks for nobody: alice is someone else
    renames.release(net, nick('alice'));
    expect(renames.nickOf(net, newAlice)).toBeUndefined();
    expect(renames.userIdFor(net, nick('alice'))).toBe(ghost('alice'));
    await renames.flushed();
    expect(store.sync.ghosts.list('net')).toEqual([]);
  });

  it('changes nothing when the same NICK is heard again by another connection', async () => {
    renames.rename(net, nick('alice'), nick('alice2'));
    expect(renames.rename(net, nick('alice'), nick('alice2'))).toBe(ghost('alice'));
    expect(renames.userIdFor(net, nick('alice2'))).toBe(ghost('alice'));
    renames.rename(net, nick('alice2'), nick('alice')); // back to the own ghost
    expect(renames.rename(net, nick('alice2'), nick('alice'))).toBe(ghost('alice'));
    expect(renames.userIdFor(net, nick('alice'))).toBe(ghost('alice'));
    await renames.flushed();
    expect(store.sync.ghosts.list('net').map((u) => u.userId)).toEqual([ghost('alice')]);
  });

  it('drops a stale binding of the nick someone renames to: the nick is theirs now', () => {
    renames.rename(net, nick('bob'), nick('robert')); // bob left unseen (e.g. while the bridge was down)
    renames.rename(net, nick('carol'), nick('robert'));
    expect(renames.userIdFor(net, nick('robert'))).toBe(ghost('carol'));
    expect(renames.nickOf(net, asUserId(ghost('bob')))).toBe('bob');
  });

  it('keeps a binding a private chat holds until the chat is gone too', () => {
    const chats = new Set(['alice2']);
    const kept = new GhostRenames(store.ghosts, new GhostUserIds({ prefix: '_irc_', server: 'hs.test' }), (_n, who) => chats.has(who));
    kept.rename(net, nick('alice'), nick('alice2'));
    kept.release(net, nick('alice2')); // parted the last channel, still in the DM
    expect(kept.userIdFor(net, nick('alice'))).toBe(ghost('alice_2'));
    chats.clear();
    kept.release(net, nick('alice2'));
    expect(kept.nickOf(net, asUserId(ghost('alice')))).toBeUndefined();
  });

  it('keeps people apart across a restart (the bindings are in the store)', async () => {
    renames.rename(net, nick('alice'), nick('alice2'));
    renames.userIdFor(net, nick('alice'));
    await renames.flushed();
    store.close();
    store = openStore(join(dir, 'bridge.db'));
    const after = new GhostRenames(store.ghosts, new GhostUserIds({ prefix: '_irc_', server: 'hs.test' }));
    await expect(after.load(['net' as NetworkId])).resolves.toBe(2);
    expect(after.userIdFor(net, nick('alice2'))).toBe(ghost('alice'));
    expect(after.userIdFor(net, nick('alice'))).toBe(ghost('alice_2'));
  });

  it('forgets a rename when the person is gone, and keeps networks apart', () => {
    renames.rename(net, nick('carol'), nick('caz'));
    renames.rename(other, nick('carol'), nick('caz'));
    renames.release(net, nick('CAZ'));
    expect(renames.userIdFor(net, nick('caz'))).toBe(ghost('caz'));
    expect(renames.userIdFor(other, nick('caz'))).toBe(ghost('carol', 'other'));
    expect(renames.nickOf(net, asUserId(ghost('carol', 'other')))).toBeUndefined();
    expect(renames.nickOf(net, asUserId('@alice:hs.test'))).toBeUndefined();
  });

  it('never mistakes a link of a user outside its ghosts for a rename', async () => {
    await store.ghosts.link(asUserId('@alice:hs.test'), { network: 'net', remoteId: 'caz', metadata: { nick: 'caz' } });
    const after = new GhostRenames(store.ghosts, new GhostUserIds({ prefix: '_irc_', server: 'hs.test' }));
    await after.load(['net' as NetworkId]);
    expect(after.userIdFor(net, nick('caz'))).toBe(ghost('caz'));
  });

  it('writes each change to the store behind the change in memory, in order', async () => {
    renames.rename(net, nick('carol'), nick('caz'));
    renames.rename(net, nick('caz'), nick('cc'));
    renames.release(net, nick('cc'));
    renames.rename(net, nick('dave'), nick('dd'));
    await renames.flushed();
    expect(store.sync.ghosts.list('net').map((l) => [l.userId, l.remoteId, l.metadata])).toEqual([
      [ghost('dave'), 'dd', { nick: 'dd', from: 'dave' }],
    ]);
  });
});
