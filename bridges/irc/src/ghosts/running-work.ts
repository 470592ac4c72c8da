import type { RoomId } from '@bridgekit/appservice';

/**
 * The ghost membership work running for each room. A room task started from inside the same
 * room's turn runs inline (the core's rule against deadlock), so a NAMES sync's ghost joins and
 * its power-level write run side by side; against a homeserver that takes time to answer, the
 * write would take the levels of the first ghost alone and a second write would follow. The write
 * waits for the joins already running instead, and so covers them all in one event. Only work
 * that has started is tracked: waiting for work still queued behind the waiter would deadlock.
 */
export class RunningRoomWork {
  private readonly running = new Map<RoomId, Set<Promise<unknown>>>();

  /** Runs `work`, known as running in `roomId` until it settles. */
  async track<T>(roomId: RoomId, work: () => Promise<T>): Promise<T> {
    let set = this.running.get(roomId);
    if (!set) this.running.set(roomId, (set = new Set()));
    const promise = work();
    set.add(promise);
    try {
      return await promise;
    } finally {
      set.delete(promise);
      if (set.size === 0 && this.running.get(roomId) === set) this.running.delete(roomId);
    }
  }

  /** Resolves when the work running in `roomId` now has settled (whether it failed or not). */
  async settled(roomId: RoomId): Promise<void> {
    await Promise.allSettled([...(this.running.get(roomId) ?? [])]);
  }
}
