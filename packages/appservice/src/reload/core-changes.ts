/**
 * Which of the core's settings a reload can apply, and which changed ones only a restart applies
 * (listeners, the database, the homeserver's address, the journal's worker pool). Names are YAML
 * paths, as the admin wrote them.
 */
import type { BridgeConfig } from '../config/types';

/** Settings read at use: the reload applies them. */
const LIVE: ReadonlyArray<[path: string, read: (c: BridgeConfig) => unknown]> = [
  ['logging.level', (c) => c.logging.level],
  ['shutdown.drain_seconds', (c) => c.shutdown.drainMs],
];

/** Settings the running bridge was built with. */
const RESTART: ReadonlyArray<[path: string, read: (c: BridgeConfig) => unknown]> = [
  ['homeserver.url', (c) => c.homeserver.url],
  ['homeserver.domain', (c) => c.homeserver.domain],
  ['appservice.registration', (c) => c.appservice.registration],
  ['appservice.bind_address', (c) => c.appservice.bindAddress],
  ['appservice.port', (c) => c.appservice.port],
  ['appservice.max_body_bytes', (c) => c.appservice.maxBodyBytes],
  ['appservice.public_url', (c) => c.appservice.publicUrl],
  ['metrics.enabled', (c) => c.metrics.enabled],
  ['metrics.bind_address', (c) => c.metrics.bindAddress],
  ['metrics.port', (c) => c.metrics.port],
  ['database.path', (c) => c.database.path],
  ['database.backups_kept', (c) => c.database.backupsKept],
  ['moderation.policy_rooms', (c) => c.moderation.policyRooms],
  ['logging.format', (c) => c.logging.format],
  ['logging.file', (c) => c.logging.file],
  ['ingest.room_concurrency', (c) => c.ingest.roomConcurrency],
  ['ingest.max_attempts', (c) => c.ingest.maxAttempts],
  ['ingest.slow_handler_ms', (c) => c.ingest.slowHandlerMs],
];

export function coreChanges(before: BridgeConfig, after: BridgeConfig): { applied: string[]; needsRestart: string[] } {
  const changed = (list: typeof LIVE) => list.filter(([, read]) => JSON.stringify(read(before)) !== JSON.stringify(read(after))).map(([path]) => path);
  return { applied: changed(LIVE), needsRestart: changed(RESTART) };
}
