/**
 * The runner behind `RoomTask` (parts.ts): state sync in the room's turn through the core's
 * `inRoomOrder`, held through a homeserver outage with the core's backoff and logged, never thrown.
 */
import { IngestorStoppedError, type BridgeContext, type Logger } from '@bridgekit/appservice';
import { isIrcError } from './irc/errors';
import type { IrcMetrics } from './metrics';
import type { RoomTask } from './parts';

export function roomTaskRunner(ctx: BridgeContext, diagnostics: { log: Logger; metrics: IrcMetrics }, maxHoldMs: number): RoomTask {
  const { log, metrics } = diagnostics;
  return (roomId, what, task) => {
    // Only the homeserver's failures hold the room: an IRC-side error (a BridgeError too, maybe
    // retriable) is the task's own outcome, reported below, never a reason to stall the room.
    const homeserverFailuresHeld = async () => {
      try {
        await task();
      } catch (error) {
        if (!isIrcError(error)) throw error;
        metrics.handlerErrors.inc({ handler: what });
        log.error('Room task failed', { task: what, roomId, error: error.message });
      }
    };
    ctx.inRoomOrder(roomId, homeserverFailuresHeld, { retry: maxHoldMs > 0, maxHoldMs, name: what }).catch((error: Error) => {
      // State sync is redone after a restart: a task the shutdown cancelled is no failure.
      if (error instanceof IngestorStoppedError) return log.debug('Room task not run: the bridge is stopping', { task: what, roomId });
      metrics.handlerErrors.inc({ handler: what });
      log.error('Room task failed', { task: what, roomId, error: error.message });
    });
  };
}
