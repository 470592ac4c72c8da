import { LruMap } from './lru-map';

describe('LruMap', () => {
  it('drops the least recently used entry past its bound, counting reads as uses', () => {
    const map = new LruMap<string, number>(3);
    map.set('a', 1).set('b', 2).set('c', 3);
    expect(map.get('a')).toBe(1); // a is now the newest; b the oldest
    map.set('d', 4);
    expect(map.has('b')).toBe(false);
    expect([map.get('a'), map.get('c'), map.get('d')]).toEqual([1, 3, 4]);
    expect(map.size).toBe(3);
  });

  it('does not count has() as a use, and re-setting a key refreshes it without growing', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    expect(map.has('a')).toBe(true);
    map.set('c', 3); // a was only checked, so it goes
    expect(map.has('a')).toBe(false);
    map.set('b', 20).set('d', 4); // b refreshed by set, so c goes
    expect(map.get('b')).toBe(20);
    expect(map.has('c')).toBe(false);
    expect(map.size).toBe(2);
  });

  it('deletes, and refuses a bound below one', () => {
    const map = new LruMap<string, number>(1);
    map.set('a', 1);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.get('a')).toBeUndefined();
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});
