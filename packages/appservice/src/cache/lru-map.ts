/**
 * A map that keeps at most `max` entries, dropping the least recently used. It stands on a plain
 * Map, which iterates in insertion order: a read re-inserts its key at the end, so the first key
 * is always the one used longest ago. lru-cache preallocates arrays of `max` slots per cache:
 * the core's caches (limits of 20,000 to 100,000 entries) cost about 60 ms and 6 MiB at every
 * start before they held anything. This one grows with what it holds.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`An LruMap needs a max of at least 1, got ${max}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, marking the key as just used. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Whether the key is held; does not count as a use. */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Stores the value as the most recently used, dropping the oldest entry past `max`. */
  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }
}
