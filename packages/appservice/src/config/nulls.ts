// An empty YAML value (`file:`) means "not set"; dropping nulls lets the default apply instead
// of failing with "must be a string (got null)".
export function withoutNulls(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const cleaned = withoutNulls(v);
    if (cleaned !== undefined) out[k] = cleaned;
  }
  return out;
}
