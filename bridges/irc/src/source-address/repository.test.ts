// The source-address table on a real SQLite file: allocation order, persistence across a
// reopen (a restart), no two users on one address, a changed prefix or start, a full prefix.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type OpenedStore, type UserId } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping/ids';
import { ircMigrations } from '../store/migrations';
import { allocationSpace } from './allocator';
import { parseIpv6Prefix } from './ipv6-prefix';
import { SqliteSourceAddresses } from './repository';

const NET = 'libera' as NetworkId;
const user = (name: string) => `@${name}:example.org` as UserId;

let dir: string;
let store: OpenedStore | undefined;
const open = () => {
  store = openStore(join(dir, 'bridge.db'), { extraMigrations: [{ scope: 'irc', migrations: ircMigrations() }] });
  return new SqliteSourceAddresses(store.db);
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bridgekit-source-addresses-'));
});
afterEach(() => {
  if (store?.db.open) store.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteSourceAddresses', () => {
  const space = allocationSpace(parseIpv6Prefix('2001:db8:1::/64'));

  it('hands out the prefix\'s addresses in order from ::1, one per user, and keeps them across a reopen', async () => {
    const repo = open();
    const alice = await repo.allocate(NET, user('alice'), space, 1);
    const bob = await repo.allocate(NET, user('bob'), space, 2);
    expect([alice?.address, bob?.address]).toEqual(['2001:db8:1::1', '2001:db8:1::2']);
    expect(await repo.allocate(NET, user('alice'), space, 3)).toEqual(alice);
    store?.close();
    const reopened = open();
    expect(await reopened.get(NET, user('alice'))).toEqual({ address: '2001:db8:1::1', prefix: '2001:db8:1::/64' });
    expect((await reopened.allocate(NET, user('carol'), space, 4))?.address).toBe('2001:db8:1::3');
  });

  it('never gives two users one address, however many ask at once', async () => {
    const repo = open();
    const records = await Promise.all(Array.from({ length: 200 }, (_, i) => repo.allocate(NET, user(`u${i}`), space, i)));
    const addresses = records.map((r) => r?.address);
    expect(new Set(addresses).size).toBe(200);
    expect(addresses).not.toContain(undefined);
  });

  it('keeps networks apart: the same address may serve different users on different networks', async () => {
    const repo = open();
    expect((await repo.allocate(NET, user('alice'), space, 1))?.address).toBe('2001:db8:1::1');
    expect((await repo.allocate('oftc' as NetworkId, user('bob'), space, 1))?.address).toBe('2001:db8:1::1');
  });

  it('moves a user to the new prefix, and skips addresses another prefix\'s rows still hold', async () => {
    const repo = open();
    await repo.allocate(NET, user('alice'), space, 1); // 2001:db8:1::1
    const other = allocationSpace(parseIpv6Prefix('2001:db8:2::/64'));
    expect((await repo.allocate(NET, user('alice'), other, 2))?.address).toBe('2001:db8:2::1');
    // Nobody holds a row in the old prefix any more: its first address is free again.
    expect((await repo.allocate(NET, user('bob'), space, 3))?.address).toBe('2001:db8:1::1');
    // A wider prefix over the old one, starting where it started: bob's ::1 is skipped.
    const wider = allocationSpace(parseIpv6Prefix('2001:db8::/32'), '2001:db8:1::1');
    expect((await repo.allocate(NET, user('carol'), wider, 4))?.address).toBe('2001:db8:1::2');
  });

  it('answers undefined when the prefix is used up', async () => {
    const repo = open();
    const tiny = allocationSpace(parseIpv6Prefix('2001:db8:1::/120'), '2001:db8:1::fe');
    expect((await repo.allocate(NET, user('a'), tiny, 1))?.address).toBe('2001:db8:1::fe');
    expect((await repo.allocate(NET, user('b'), tiny, 1))?.address).toBe('2001:db8:1::ff');
    expect(await repo.allocate(NET, user('c'), tiny, 1)).toBeUndefined();
  });
});
