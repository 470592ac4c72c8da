/**
 * Memory readings of the bridge that mean something: taken once the homeserver has delivered
 * everything and the bridge has had a moment, after full GCs (the child runs with --expose-gc),
 * and, when asked for, a V8 heap snapshot right after. Shared by the memory and endurance scenarios.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildStats } from '../bridge/protocol';
import type { RunContext } from '../scenario';
import { sleep } from '../time';
import type { World } from '../world';

const SETTLE_MS = 3000;

/** Waits for the homeserver's queue to drain and a pause, then forces full GCs twice; returns the stats after. */
export async function settledStats(world: World): Promise<ChildStats> {
  await world.hs.pusher.waitIdle(60_000);
  await sleep(SETTLE_MS);
  await world.bridge.gc();
  await sleep(500);
  return world.bridge.gc();
}

/** With --heap-snapshots: a V8 heap snapshot of the bridge, named `<scenario>-run<n>-<when>`. */
export async function heapSnapshot(ctx: RunContext, world: World, scenario: string, when: string): Promise<void> {
  if (!ctx.options.heapSnapshotDir) return;
  const file = await world.bridge.heapSnapshot();
  const target = path.join(ctx.options.heapSnapshotDir, `${scenario}-run${ctx.run}-${when}.heapsnapshot`);
  copyFileSync(path.resolve(world.dir, file), target);
  ctx.log(`heap snapshot: ${target}`);
}
