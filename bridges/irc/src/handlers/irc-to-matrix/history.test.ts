import type { KeyValueRepository } from '@bridgekit/appservice';
import { isMissedLine, noteJoin, noteLiveLine } from './history';

function memoryKv(): KeyValueRepository {
  const map = new Map<string, unknown>();
  return {
    get: <T>(key: string) => map.get(key) as T | undefined,
    set: (key, value) => void map.set(key, value),
    delete: (key) => map.delete(key),
    keys: (prefix = '') => [...map.keys()].filter((k) => k.startsWith(prefix)),
  };
}

const NET = 'net' as Parameters<typeof noteJoin>[1];
const never = () => false;

describe('channel history replay', () => {
  it('bridges nothing from a replay before the bot has been in the channel', () => {
    expect(isMissedLine(memoryKv(), NET, '#c', { msgid: 'a', serverTime: 5_000 }, never)).toBe(false);
  });

  it('bridges replayed lines from the second of the last live line on, unless already bridged', () => {
    const kv = memoryKv();
    noteJoin(kv, NET, '#c', 1_000);
    noteLiveLine(kv, NET, '#c', 7_400);
    // A rejoin does not move the mark.
    noteJoin(kv, NET, '#c', 9_000);
    expect(isMissedLine(kv, NET, '#c', { msgid: 'old', serverTime: 6_999 }, never)).toBe(false);
    expect(isMissedLine(kv, NET, '#c', { msgid: 'same-second', serverTime: 7_000 }, never)).toBe(true);
    expect(isMissedLine(kv, NET, '#c', { msgid: 'known', serverTime: 8_000 }, (id) => id === 'known')).toBe(false);
    expect(isMissedLine(kv, NET, '#c', { serverTime: 8_000 }, never)).toBe(false);
    expect(isMissedLine(kv, NET, '#other', { msgid: 'x', serverTime: 8_000 }, never)).toBe(false);
  });

  it('never moves the mark back', () => {
    const kv = memoryKv();
    noteLiveLine(kv, NET, '#c', 9_000);
    noteLiveLine(kv, NET, '#c', 3_000);
    expect(isMissedLine(kv, NET, '#c', { msgid: 'a', serverTime: 8_000 }, never)).toBe(false);
  });
});
