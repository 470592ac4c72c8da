// The per-network allocator over the real SQLite table: off without a prefix, stable per user,
// a reload's new prefix applies to the next lookup, a used-up prefix is an error for the user.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type OpenedStore, type UserId } from '@bridgekit/appservice';
import { TestLogger } from '@bridgekit/appservice/testing';
import type { IrcNetworkConfig } from '../config/types';
import type { NetworkId } from '../mapping/ids';
import { ircMigrations } from '../store/migrations';
import { SourceAddresses } from './allocator';
import { StoreSourceAddresses } from './repository';

const NET = 'libera' as NetworkId;
const alice = '@alice:example.org' as UserId;
const bob = '@bob:example.org' as UserId;

let dir: string;
let store: OpenedStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bridgekit-allocator-'));
  store = openStore(join(dir, 'bridge.db'), { extraMigrations: [{ scope: 'irc', migrations: ircMigrations() }] });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function allocator(ipv6: IrcNetworkConfig['ipv6']) {
  const config = { ipv6 } as IrcNetworkConfig;
  const log = new TestLogger();
  const addresses = new SourceAddresses({ network: NET, config: () => config, repository: new StoreSourceAddresses(store.tables), log, now: () => 0 });
  return { addresses, config, log };
}

describe('SourceAddresses', () => {
  it('gives no address where the network has no prefix (the host default is used)', async () => {
    const { addresses } = allocator(undefined);
    expect(await addresses.addressFor(alice)).toBeUndefined();
  });

  it('gives each user their own address, the same one every time', async () => {
    const { addresses } = allocator({ prefix: '2001:db8:1::/64' });
    const first = await addresses.addressFor(alice);
    expect(first).toBe('2001:db8:1::1');
    expect(await addresses.addressFor(bob)).toBe('2001:db8:1::2');
    expect(await addresses.addressFor(alice)).toBe(first);
    // A second allocator (a restart) reads the same address from the store.
    expect(await allocator({ prefix: '2001:db8:1::/64' }).addresses.addressFor(alice)).toBe(first);
  });

  it('follows a reloaded prefix: kept while inside it, replaced when outside', async () => {
    const { addresses, config } = allocator({ prefix: '2001:db8:1::/64' });
    expect(await addresses.addressFor(alice)).toBe('2001:db8:1::1');
    config.ipv6 = { prefix: '2001:db8::/32' };
    expect(await addresses.addressFor(alice)).toBe('2001:db8:1::1');
    config.ipv6 = { prefix: 'fd00:1::/64', start: 'fd00:1::100' };
    expect(await addresses.addressFor(alice)).toBe('fd00:1::100');
    expect(await addresses.addressFor(bob)).toBe('fd00:1::101');
  });

  it('tells the user one sentence and the admin what to change when the prefix is used up', async () => {
    const { addresses, log } = allocator({ prefix: '2001:db8:1::/120', start: '2001:db8:1::ff' });
    await addresses.addressFor(alice);
    const error = await addresses.addressFor(bob).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IRC_SOURCE_ADDRESS_UNAVAILABLE', userMessage: expect.stringMatching(/^[^.]+\.$/) });
    expect(log.lines.some((r) => r.level === 'error' && /larger prefix/.test(r.message))).toBe(true);
  });
});
