/** Matrix users whose joins make the bridge connect puppets, and how to see them arrive on IRC. */
import { DOMAIN } from '../bridge/config';
import { waitFor } from '../time';
import type { World } from '../world';

/** What these helpers need of a world: Bridgekit's own, or the side-by-side one (reference/side-world.ts). */
export type PuppetWorld = Pick<World, 'hs' | 'roomIds' | 'tally'>;

export interface MatrixUser {
  userId: string;
  /** Display name; the default nick template `$DISPLAY[m]` makes the nick `<name>[m]`. */
  name: string;
  nick: string;
}

export function matrixUsers(count: number, from = 0, prefix = 'mu'): MatrixUser[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}${from + i}`;
    return { userId: `@${name}:${DOMAIN}`, name, nick: `${name}[m]` };
  });
}

/** Puppet nicks the observer has seen join (the observer is in every bridged channel). */
export function puppetsSeen(world: PuppetWorld): number {
  let n = 0;
  for (const nick of world.tally.joinedNicks) if (nick.endsWith('[m]')) n++;
  return n;
}

/**
 * Each user joins room `roomOf(i)` on the Matrix side; the join-on-demand handler then connects
 * their puppet and joins the channel. The fake homeserver batches the joins into transactions
 * of up to 100 events, as Synapse would.
 */
export function joinUsers(world: PuppetWorld, users: readonly MatrixUser[], roomOf: (i: number) => number = () => 0): void {
  users.forEach((u, i) => world.hs.userJoins(world.roomIds[roomOf(i)]!, u.userId, u.name));
}

export async function waitForPuppets(world: PuppetWorld, count: number, timeoutMs: number): Promise<void> {
  await waitFor(`${count} puppets to join on IRC (seen ${puppetsSeen(world)})`, () => puppetsSeen(world) >= count, timeoutMs, 5);
}
