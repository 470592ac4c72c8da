/**
 * Channel modes that say something about the room (prefix modes are power levels, elsewhere):
 *   +i invite-only → the room's join rule becomes `invite` (and `public` again on -i);
 *   +k key         → stored with the portal, so the bot and every puppet (re)join with it;
 *   +s secret      → a portal the bridge created is taken out of the room directory (and -s
 *                    lists it again only where `publish_portals` is on: portals/directory.ts);
 *   +m moderated   → a notice in the room: only voiced users can talk, Matrix users without
 *                    voice will see their messages refused. The room's own power levels stay
 *                    as they are, because Matrix users' IRC voice is not mirrored to Matrix.
 *   +t topic lock  → the power level to change `m.room.topic` is the op level (`mode_power_levels`
 *                    o, 50 by default); -t → 0, so anyone can change the topic in both places, as
 *                    anyone can on IRC. A Matrix user's change then reaches IRC from their own
 *                    nick, an IRC user's from their ghost (the topic handlers in handlers/).
 * Join rules, listings and the topic level are changed only in rooms the bridge created itself
 * (alias portals): a plumbed room belongs to its Matrix admins, and a -i or -s on IRC must never
 * open their room to everyone.
 *
 * What the bridge last saw is kept in the store, so the modes reported again after every
 * reconnect (324) change nothing and post nothing unless they really changed.
 */
import type { KeyValueRepository, Logger, RoomId } from '@bridgekit/appservice';
import type { ModeChange } from '../irc/isupport';
import type { IrcNetwork } from '../network/network';
import type { BridgeRuntime } from '../runtime';
import { OrderedWrites } from '../store/ordered-writes';
import { updateDirectoryListing, wantedVisibility } from './directory';

export interface ChannelFlags {
  inviteOnly: boolean;
  secret: boolean;
  moderated: boolean;
  topicLocked: boolean;
}

const FLAG_MODES: Record<keyof ChannelFlags, string> = { inviteOnly: 'i', secret: 's', moderated: 'm', topicLocked: 't' };
const NO_FLAGS: ChannelFlags = { inviteOnly: false, secret: false, moderated: false, topicLocked: false };

/** Power level of `m.room.topic` when IRC operators (+o) hold it. */
const DEFAULT_OP_LEVEL = 50;

/** A key change: `undefined` = not mentioned; `{ key: undefined }` = removed. */
export type KeyChange = { key: string | undefined } | undefined;

/**
 * The flags after `changes`. With `current` (a 324 reply) the list is complete: every flag not
 * in it is off. Returns which flags changed.
 */
export function nextFlags(previous: ChannelFlags, changes: readonly ModeChange[], current: boolean): { flags: ChannelFlags; changed: Array<keyof ChannelFlags> } {
  const flags: ChannelFlags = current ? { ...NO_FLAGS } : { ...previous };
  for (const change of changes) {
    for (const [flag, mode] of Object.entries(FLAG_MODES) as Array<[keyof ChannelFlags, string]>) {
      if (change.mode === mode) flags[flag] = change.adding;
    }
  }
  const changed = (Object.keys(FLAG_MODES) as Array<keyof ChannelFlags>).filter((f) => flags[f] !== previous[f]);
  return { flags, changed };
}

/**
 * The key after `changes`. Servers show "*" instead of the key to some members: that says
 * nothing about the key itself.
 */
export function keyChange(changes: readonly ModeChange[], current: boolean): KeyChange {
  let result: KeyChange = current ? { key: undefined } : undefined;
  for (const change of changes) {
    if (change.mode !== 'k') continue;
    if (!change.adding) result = { key: undefined };
    else if (change.param && change.param !== '*') result = { key: change.param };
    else if (current) result = undefined;
  }
  return result;
}

const FLAGS_PREFIX = 'irc.channel-flags ';

/**
 * The flags the bridge last saw for each channel, in the bridge's key-value store. Read and
 * changed from the IRC listener, in line order: kept in memory (loaded at start), the store
 * written behind each change.
 */
export class ChannelFlagStore {
  private readonly known = new Map<string, Partial<ChannelFlags>>();
  private readonly writes: OrderedWrites;

  constructor(private readonly kv: KeyValueRepository, log?: Logger) {
    this.writes = new OrderedWrites(log, 'channel mode');
  }

  /** Reads every channel's flags; call once before the first MODE. */
  async load(): Promise<number> {
    for (const key of await this.kv.keys(FLAGS_PREFIX)) {
      const flags = await this.kv.get<Partial<ChannelFlags>>(key);
      if (flags) this.known.set(key, flags);
    }
    return this.known.size;
  }

  get(network: IrcNetwork, channel: string): ChannelFlags {
    return { ...NO_FLAGS, ...(this.known.get(this.key(network, channel)) ?? {}) };
  }

  set(network: IrcNetwork, channel: string, flags: ChannelFlags): void {
    const key = this.key(network, channel);
    this.known.set(key, { ...flags });
    this.writes.behind(() => this.kv.set(key, flags));
  }

  flushed(): Promise<void> {
    return this.writes.flushed();
  }

  private key(network: IrcNetwork, channel: string): string {
    return `${FLAGS_PREFIX}${network.id} ${network.fold(channel)}`;
  }
}

/** Applies a MODE (or a 324 reply) of a bridged channel to its rooms. Call from the IRC listener. */
export function applyChannelModes(rt: BridgeRuntime, network: IrcNetwork, channel: string, changes: readonly ModeChange[], current: boolean): void {
  const store = rt.channelFlags;
  const { flags, changed } = nextFlags(store.get(network, channel), changes, current);
  if (changed.length > 0) store.set(network, channel, flags);
  const key = keyChange(changes, current);
  const rooms = rt.portals.roomsForChannel(network, channel);
  if (key && rooms.some((roomId) => keyOf(rt, roomId, network, channel) !== key.key)) updateKey(rt, network, channel, key.key);
  if (changed.includes('secret')) rt.log.info('Channel secrecy changed', { network: network.id, channel, secret: flags.secret });
  const visibility = wantedVisibility(flags.secret, network.config.publishPortals);
  for (const roomId of rooms) {
    const ours = originOf(rt, roomId, network, channel) === 'alias';
    if (changed.includes('inviteOnly') && ours) {
      rt.roomTask(roomId, 'irc.mode-join-rule', () => setJoinRule(rt, roomId, flags.inviteOnly ? 'invite' : 'public'));
    }
    if ((changed.includes('secret') || current) && ours) {
      rt.roomTask(roomId, 'irc.mode-directory', () => updateDirectoryListing(rt, roomId, visibility, flags.secret));
    }
    // Also on every 324: a new portal starts at the homeserver's default (50) whatever the channel says.
    if ((changed.includes('topicLocked') || current) && ours) {
      const level = flags.topicLocked ? (network.config.modePowerLevels.o ?? DEFAULT_OP_LEVEL) : 0;
      rt.ghostSync.setTopicLevel(roomId, level);
    }
    if (changed.includes('moderated')) {
      const body = flags.moderated
        ? `${channel} is now moderated (+m) on ${network.config.name}: only users with voice (+v) or operator status can talk there, so messages from Matrix users without voice will be refused.`
        : `${channel} is no longer moderated (-m) on ${network.config.name}: everyone can talk there again.`;
      rt.roomTask(roomId, 'irc.mode-notice', async () => void await rt.ctx.bot.sendMessage(roomId, { msgtype: 'm.notice', body }));
    }
  }
}

/** The bot and every connected puppet rejoin with the new key from now on (the key is never logged). */
function updateKey(rt: BridgeRuntime, network: IrcNetwork, channel: string, key: string | undefined): void {
  rt.portals.setChannelKey(network, channel, key);
  if (network.bot.wants(channel)) network.bot.want(channel, key);
  for (const puppet of network.puppets.all()) {
    // An idle puppet gets the key with its next message (from the portal); wanting would connect it now.
    if (puppet.connection.state !== 'idle' && puppet.connection.wants(channel)) puppet.connection.want(channel, key);
  }
  rt.log.info(key === undefined ? 'Channel key removed' : 'Channel key stored', { network: network.id, channel });
}

async function setJoinRule(rt: BridgeRuntime, roomId: RoomId, rule: 'invite' | 'public'): Promise<void> {
  const current = await rt.ctx.bot.getState<{ join_rule?: unknown }>(roomId, 'm.room.join_rules');
  if (current?.join_rule === rule) return;
  await rt.ctx.bot.sendState(roomId, 'm.room.join_rules', '', { join_rule: rule });
}

function portalOf(rt: BridgeRuntime, roomId: RoomId, network: IrcNetwork, channel: string) {
  return rt.portals.channelsOfRoom(roomId).find((p) => p.network === network.id && network.fold(p.channel) === network.fold(channel));
}

function originOf(rt: BridgeRuntime, roomId: RoomId, network: IrcNetwork, channel: string): string | undefined {
  return portalOf(rt, roomId, network, channel)?.origin;
}

function keyOf(rt: BridgeRuntime, roomId: RoomId, network: IrcNetwork, channel: string): string | undefined {
  return portalOf(rt, roomId, network, channel)?.key;
}
