/**
 * How deeply objects and arrays may nest in one event the bridge accepts, counting the event
 * itself as level 1. Matrix events rarely go past ten levels; a 64 KiB event can nest ~30,000
 * levels, and one that deep overflows the stack of every recursive walk on the way to the store
 * (JSON.stringify first), so it could never be persisted. Such an event is skipped like any other
 * malformed event instead of failing its whole transaction.
 */
export const MAX_EVENT_NESTING = 100;

/**
 * True when objects/arrays in `value` nest deeper than `limit` levels. Iterative on purpose: a
 * recursive walk would overflow on exactly the values it has to reject.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ node: object; depth: number }> = [];
  if (isContainer(value)) pending.push({ node: value, depth: 1 });
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.depth > limit) return true;
    for (const child of Object.values(next.node)) {
      if (isContainer(child)) pending.push({ node: child, depth: next.depth + 1 });
    }
  }
  return false;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
