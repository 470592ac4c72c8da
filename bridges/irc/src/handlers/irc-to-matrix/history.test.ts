import type { KeyValueRepository } from '@bridgekit/appservice';
import { isMissedLine, noteJoin, noteLiveLine } from './history';

function memoryKv(): KeyValueRepository {
  const map = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => map.get(key) as T | undefined,
    set: async (key, value) => void map.set(key, value),
    setMany: async (entries) => { for (const [key, value] of entries) map.set(key, value); },
    delete: async (key) => map.delete(key),
    keys: async (prefix = '') => [...map.keys()].filter((k) => k.startsWith(prefix)),
  };
}

const NET = 'net' as Parameters<typeof noteJoin>[1];
const never = async () => false;

describe('channel history replay', () => {
  it('bridges nothing from a replay before the bot has been in the channel', async () => {
    expect(await isMissedLine(memoryKv(), NET, '#c', { msgid: 'a', serverTime: 5_000 }, never)).toBe(false);
  });

  it('bridges nothing from the replay of a first join, not even later in the same second as a live line', async () => {
    const kv = memoryKv();
    await noteJoin(kv, NET, '#c', 5_600);
    expect(await isMissedLine(kv, NET, '#c', { msgid: 'a', serverTime: 5_000 }, never)).toBe(false);
    await noteLiveLine(kv, NET, '#c', 5_800);
    expect(await isMissedLine(kv, NET, '#c', { msgid: 'a', serverTime: 5_000 }, never)).toBe(false);
    expect(await isMissedLine(kv, NET, '#c', { msgid: 'missed-same-second', serverTime: 5_000 }, never)).toBe(true);
    // Said after that join, while the bot was away before hearing anything: missed.
    expect(await isMissedLine(kv, NET, '#c', { msgid: 'b', serverTime: 9_000 }, never)).toBe(true);
  });

  it('bridges replayed lines from the second of the last live line on, unless already bridged', async () => {
    const kv = memoryKv();
    await noteJoin(kv, NET, '#c', 1_000);
    await noteLiveLine(kv, NET, '#c', 7_400);
    // A rejoin does not move the mark.
    await noteJoin(kv, NET, '#c', 9_000);
    expect(await isMissedLine(kv, NET, '#c', { msgid: 'old', serverTime: 6_999 }, never)).toBe(false);
    expect(await isMissedLine(kv, NET, '#c', { msgid: 'same-second', serverTime: 7_000 }, never)).toBe(true);
    expect(await isMissedLine(kv, NET, '#c', { msgid: 'known', serverTime: 8_000 }, async (id) => id === 'known')).toBe(false);
    expect(await isMissedLine(kv, NET, '#c', { serverTime: 8_000 }, never)).toBe(false);
    expect(await isMissedLine(kv, NET, '#other', { msgid: 'x', serverTime: 8_000 }, never)).toBe(false);
  });

  it('never moves the mark back', async () => {
    const kv = memoryKv();
    await noteLiveLine(kv, NET, '#c', 9_000);
    await noteLiveLine(kv, NET, '#c', 3_000);
    expect(await isMissedLine(kv, NET, '#c', { msgid: 'a', serverTime: 8_000 }, never)).toBe(false);
  });
});
