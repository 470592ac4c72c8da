/**
 * The endurance scenario's traffic: a pool of plain IRC users and a pool of Matrix users, each
 * talking into every bridged room in turn, and what is in flight counted by marker on the other
 * side. Either pool can replace its oldest member (QUIT or leave every room, then a user with a
 * new name connects or joins), so the bridge's per-user state sees users come and go.
 */
import { RawIrcClient } from '../irc-client';
import { waitFor } from '../time';
import type { World } from '../world';
import { matrixUsers, type MatrixUser } from './puppets';
import { benchText, quitAll } from './senders';

/** Messages sent one way and not yet seen on the other side, by marker. */
export class InFlight {
  private readonly pending = new Set<number>();
  arrived = 0;

  constructor(private readonly what: string) {}

  add(id: number): void {
    this.pending.add(id);
  }

  /** A marker seen on the far side; repeats and foreign markers are ignored. */
  seen(id: number): void {
    if (this.pending.delete(id)) this.arrived++;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Waits until at most `limit` are in flight; throws after `timeoutMs` (the bridge stalled or lost some). */
  async drain(limit: number, timeoutMs: number): Promise<void> {
    if (this.pending.size <= limit) return;
    await waitFor(`${this.what}: at most ${limit} in flight (still ${this.pending.size}, first ${[...this.pending].slice(0, 3).join(', ')})`, () => this.pending.size <= limit, timeoutMs, 2);
  }
}

/** Rotates over rooms per round of users, so each user talks in every room over time. */
function turn(next: number, users: number, rooms: number): { user: number; room: number } {
  return { user: next % users, room: Math.floor(next / users) % rooms };
}

/** Plain IRC users (harness side) in every bridged channel. */
export class IrcPool {
  private readonly users: RawIrcClient[] = [];
  private next = 0;
  /** Users ever connected by this pool. */
  created = 0;

  constructor(private readonly world: World, private readonly prefix = 'ei') {}

  async fill(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.add();
  }

  say(id: number): void {
    const { user, room } = turn(this.next++, this.users.length, this.world.channels.length);
    this.users[user]!.send(`PRIVMSG ${this.world.channels[room]} :${benchText(id)}`);
  }

  /** The oldest user quits; a new one connects and joins every channel. */
  async replaceOldest(): Promise<void> {
    await this.users.shift()?.quit('bench: leaving');
    await this.add();
  }

  close(): Promise<void> {
    return quitAll(this.users);
  }

  private async add(): Promise<void> {
    const client = await RawIrcClient.connect(this.world.ircd.port, `${this.prefix}${this.created++}`);
    for (const channel of this.world.channels) await client.join(channel);
    this.users.push(client);
  }
}

/** Matrix users (on the fake homeserver) joined to every bridged room; the bridge gives each a puppet. */
export class MatrixPool {
  private readonly users: MatrixUser[] = [];
  private next = 0;
  /** Users ever joined by this pool. */
  created = 0;

  constructor(private readonly world: World, private readonly prefix = 'em') {}

  fill(count: number): void {
    for (let i = 0; i < count; i++) this.add();
  }

  say(id: number): void {
    const { user, room } = turn(this.next++, this.users.length, this.world.roomIds.length);
    this.world.hs.userSays(this.world.roomIds[room]!, this.users[user]!.userId, benchText(id));
  }

  /** The oldest user leaves every room (their puppet parts, then goes idle); a new one joins them all. */
  replaceOldest(): void {
    const old = this.users.shift();
    if (old) for (const roomId of this.world.roomIds) this.world.hs.userLeaves(roomId, old.userId);
    this.add();
  }

  private add(): void {
    const user = matrixUsers(1, this.created++, this.prefix)[0]!;
    for (const roomId of this.world.roomIds) this.world.hs.userJoins(roomId, user.userId, user.name);
    this.users.push(user);
  }
}
