/** JSON columns: objects in, objects out. A value that does not serialise is a caller bug. */
export function toJson(value: unknown, what: string): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${what} must be JSON-serialisable (got ${typeof value})`);
  return text;
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** The entries as JSON, last value per key, checked before anything is written. */
export function kvRows(entries: Iterable<readonly [string, unknown]>): Array<[string, string]> {
  const last = new Map<string, unknown>();
  for (const [key, value] of entries) {
    if (value === undefined) throw new TypeError(`kv.setMany: "${key}" has no value: use kv.delete() to remove a key`);
    last.set(key, value);
  }
  return [...last].map(([key, value]) => [key, toJson(value, `kv value of "${key}"`)]);
}
