/** JSON columns: objects in, objects out. A value that does not serialise is a caller bug. */
export function toJson(value: unknown, what: string): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${what} must be JSON-serialisable (got ${typeof value})`);
  return text;
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}
