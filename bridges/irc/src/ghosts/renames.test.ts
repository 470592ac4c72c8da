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
  renames = new GhostRenames(store, new GhostUserIds({ prefix: '_irc_', server: 'hs.test' }));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GhostRenames', () => {
  it('keeps the ghost a person had across nick changes, and back', () => {
    expect(renames.userIdFor(net, nick('carol'))).toBe(ghost('carol'));
    expect(renames.rename(net, nick('carol'), nick('Carol_away'))).toBe(ghost('carol'));
    expect(renames.userIdFor(net, nick('carol_AWAY'))).toBe(ghost('carol'));
    expect(renames.nickOf(net, asUserId(ghost('carol')))).toBe('Carol_away');
    expect(renames.rename(net, nick('Carol_away'), nick('caz'))).toBe(ghost('carol'));
    expect(renames.userIdFor(net, nick('Carol_away'))).toBe(ghost('_carol__away'));
    expect(renames.rename(net, nick('caz'), nick('carol'))).toBe(ghost('carol'));
    expect(store.users.list('net')).toEqual([]);
    expect(renames.nickOf(net, asUserId(ghost('carol')))).toBe('carol');
  });

  it('hands the nick\'s own ghost back when someone else arrives with that nick', () => {
    renames.rename(net, nick('carol'), nick('caz'));
    expect(renames.claim(net, nick('caz'))).toBeUndefined(); // the renamed person themselves
    expect(renames.claim(net, nick('carol'))).toBe(ghost('carol'));
    expect(renames.userIdFor(net, nick('carol'))).toBe(ghost('carol'));
    expect(renames.userIdFor(net, nick('caz'))).toBe(ghost('caz'));
    expect(renames.claim(net, nick('dave'))).toBeUndefined();
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

  it('never mistakes a Matrix user\'s stored identity for a rename', () => {
    store.users.set(asUserId('@alice:hs.test'), { network: 'net', remoteId: 'ghost caz', data: { nick: 'caz' } });
    expect(renames.userIdFor(net, nick('caz'))).toBe(ghost('caz'));
  });
});
