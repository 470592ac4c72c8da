import { openStore, type KeyValueRepository, type OpenedStore, type UserId } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping/ids';
import { PuppetRecords } from './puppet-records';

const alice = '@alice:example.org' as UserId;
const bob = '@bob:example.org' as UserId;
const net = 'libera' as NetworkId;

describe('PuppetRecords', () => {
  // A real SQLite store, in memory: setMany's transaction is what the batching relies on.
  let store: OpenedStore;
  let kv: KeyValueRepository;
  beforeEach(() => {
    store = openStore(':memory:');
    kv = store.kv;
  });
  afterEach(() => store.close());

  it('writes what one turn saved in one batch, and resolves each save once written', async () => {
    const setMany = jest.spyOn(kv, 'setMany');
    const set = jest.spyOn(kv, 'set');
    const records = new PuppetRecords(kv, net);
    const saved = [
      records.save({ userId: alice, displayName: 'Alice', channels: [{ channel: '#a' }] }),
      records.save({ userId: bob, channels: [{ channel: '#a', key: 'k' }] }),
      records.save({ userId: alice, displayName: 'Alice', channels: [{ channel: '#a' }, { channel: '#b' }] }),
    ];
    expect(setMany).not.toHaveBeenCalled();
    await Promise.all(saved);
    expect(setMany).toHaveBeenCalledTimes(1);
    expect(set).not.toHaveBeenCalled();
    expect(await new PuppetRecords(kv, net).all()).toEqual([
      { userId: alice, displayName: 'Alice', channels: [{ channel: '#a' }, { channel: '#b' }] },
      { userId: bob, channels: [{ channel: '#a', key: 'k' }] },
    ]);
  });

  it('keeps the last of a save and a removal in the same turn, and reads after pending writes', async () => {
    const records = new PuppetRecords(kv, net);
    void records.save({ userId: alice, channels: [{ channel: '#a' }] });
    void records.remove(alice);
    void records.save({ userId: bob, channels: [] });
    expect(await records.all()).toEqual([{ userId: bob, channels: [] }]);
    await records.remove(bob);
    void records.save({ userId: bob, channels: [{ channel: '#c' }] });
    expect(await records.all()).toEqual([{ userId: bob, channels: [{ channel: '#c' }] }]);
  });
});
