/**
 * Which room's turn the current code runs in, so that asking for a room's turn from inside that
 * same turn is recognised instead of deadlocking (the task would wait for itself).
 *
 * Node carries an AsyncLocalStorage value into everything started from inside it: promises, but
 * also timers and sockets. A socket opened during a room's turn would carry that turn into its
 * later events, which are not part of it; so a turn is marked finished when its job returns, and
 * code that opens long-lived resources from inside a turn can run them `outsideRoomTurn`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Turn {
  readonly key: string;
  finished: boolean;
}

const turns = new AsyncLocalStorage<Turn>();

/** Runs `job` as the turn of `key`; the turn ends when the returned promise settles. */
export async function runInTurn<T>(key: string, job: () => Promise<T>): Promise<T> {
  const turn: Turn = { key, finished: false };
  try {
    return await turns.run(turn, job);
  } finally {
    turn.finished = true;
  }
}

/** The room key whose turn the caller runs in, if it is still running. */
export function currentRoomTurn(): string | undefined {
  const turn = turns.getStore();
  return turn && !turn.finished ? turn.key : undefined;
}

/**
 * Runs `fn` (synchronously) outside any room's turn: what it starts (a connection, a timer) does
 * not count as part of the turn it was started from. Use it for resources that outlive the task,
 * e.g. a network connection opened while handling one room's event.
 */
export function outsideRoomTurn<T>(fn: () => T): T {
  return turns.exit(fn);
}
