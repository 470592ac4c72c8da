// The source-address table on a real SQLite file and a throwaway PostgreSQL cluster: allocation order, persistence across a
// reopen (a restart), no two users on one address, a changed prefix or start, a full prefix.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type UserId } from '@bridgekit/appservice';
import { openPostgresStore } from '../../../../packages/appservice/src/store/postgres/open';
import { usePostgresCluster } from '../../../../packages/appservice/src/store/postgres/testing/jest';
import type { NetworkId } from '../mapping/ids';
import { ircMigrations } from '../store/migrations';
import { allocationSpace } from './allocator';
import { parseIpv6Prefix } from './ipv6-prefix';
import { StoreSourceAddresses } from './repository';

const NET = 'libera' as NetworkId;
const user = (name: string) => `@${name}:example.org` as UserId;

const pg = usePostgresCluster();
const migrations = [{ scope: 'irc', migrations: ircMigrations() }];
let dir: string;
let pgUrl: Promise<string> | undefined;
let close: (() => Promise<void>) | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bridgekit-source-addresses-'));
  pgUrl = undefined;
});
afterEach(async () => {
  await close?.();
  close = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Each opens this test's store (the same database on a second call: a restart). */
const backends = [
  {
    name: 'sqlite',
    async open(): Promise<StoreSourceAddresses> {
      await close?.();
      const store = openStore(join(dir, 'bridge.db'), { extraMigrations: migrations });
      close = async () => store.close();
      return new StoreSourceAddresses(store.tables);
    },
  },
  {
    name: 'postgres',
    async open(): Promise<StoreSourceAddresses> {
      await close?.();
      pgUrl ??= pg.newDatabase();
      const store = await openPostgresStore(await pgUrl, { extraMigrations: migrations });
      close = () => store.close();
      return new StoreSourceAddresses(store.tables);
    },
  },
];

describe.each(backends)('StoreSourceAddresses on $name', ({ open }) => {
  const space = allocationSpace(parseIpv6Prefix('2001:db8:1::/64'));

  it('hands out the prefix\'s addresses in order from ::1, one per user, and keeps them across a reopen', async () => {
    const repo = await open();
    const alice = await repo.allocate(NET, user('alice'), space, 1);
    const bob = await repo.allocate(NET, user('bob'), space, 2);
    expect([alice?.address, bob?.address]).toEqual(['2001:db8:1::1', '2001:db8:1::2']);
    expect(await repo.allocate(NET, user('alice'), space, 3)).toEqual(alice);
    const reopened = await open();
    expect(await reopened.get(NET, user('alice'))).toEqual({ address: '2001:db8:1::1', prefix: '2001:db8:1::/64' });
    expect((await reopened.allocate(NET, user('carol'), space, 4))?.address).toBe('2001:db8:1::3');
  });

  it('never gives two users one address, however many ask at once', async () => {
    const repo = await open();
    const records = await Promise.all(Array.from({ length: 200 }, (_, i) => repo.allocate(NET, user(`u${i}`), space, i)));
    const addresses = records.map((r) => r?.address);
    expect(new Set(addresses).size).toBe(200);
    expect(addresses).not.toContain(undefined);
  });

  it('keeps networks apart: the same address may serve different users on different networks', async () => {
    const repo = await open();
    expect((await repo.allocate(NET, user('alice'), space, 1))?.address).toBe('2001:db8:1::1');
    expect((await repo.allocate('oftc' as NetworkId, user('bob'), space, 1))?.address).toBe('2001:db8:1::1');
  });

  it('moves a user to the new prefix, and skips addresses another prefix\'s rows still hold', async () => {
    const repo = await open();
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
    const repo = await open();
    const tiny = allocationSpace(parseIpv6Prefix('2001:db8:1::/120'), '2001:db8:1::fe');
    expect((await repo.allocate(NET, user('a'), tiny, 1))?.address).toBe('2001:db8:1::fe');
    expect((await repo.allocate(NET, user('b'), tiny, 1))?.address).toBe('2001:db8:1::ff');
    expect(await repo.allocate(NET, user('c'), tiny, 1)).toBeUndefined();
  });
});
