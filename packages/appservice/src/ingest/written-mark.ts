/**
 * Which journal item the running handler handles, so the handler can mark it "written to the
 * network" from wherever the irreversible write happens (deep in a connection's send queue)
 * without passing sequence numbers around. Node carries the AsyncLocalStorage value into
 * everything the handler awaits; the marker is read once, at the start, and called later.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const handling = new AsyncLocalStorage<() => void>();

/** Runs `handler` with `mark` as the marker of the item it handles. */
export function runMarking<T>(mark: () => void, handler: () => Promise<T>): Promise<T> {
  return handling.run(mark, handler);
}

/** The running handler's marker; a no-op outside a journaled handler (a room task, a test). */
export function currentWrittenMarker(): () => void {
  return handling.getStore() ?? noop;
}

function noop(): void {}
