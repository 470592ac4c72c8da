/**
 * A config reload for the running IRC bridge: what changes live, without dropping any IRC
 * connection, and which changed keys only a restart applies. Live: permissions; per network its
 * flood control, keepalive and connect rate (on every open connection), and everything read at
 * use (puppet templates and limits, messages, portal settings, QUIT message); new networks
 * (connected now); new static rooms (linked and joined now). Key paths are reported as the YAML
 * spells them.
 */
import type { ReloadOutcome } from '@bridgekit/appservice';
import type { IrcBridgeConfig, IrcNetworkConfig } from './config/types';
import type { NetworkId } from './mapping/ids';
import type { IrcNetwork } from './network/network';
import type { NetworkDirectory } from './parts';
import { checkBridgeInfo } from './portals/bridge-info';
import { addStaticRooms, joinBridgedChannels } from './portals/startup';

/**
 * What a reload uses: the config it replaces (the one part written after assembly: read at use
 * everywhere, never kept), the networks, and what new static rooms and networks need.
 */
export type ReloadDeps = NetworkDirectory & Parameters<typeof addStaticRooms>[0] & Parameters<typeof checkBridgeInfo>[0] & {
  config: IrcBridgeConfig;
};

/** Top-level keys the running bridge was built with (listeners, key files, namespaces, pacing). */
const RESTART_KEYS = [
  'senderLocalpart', 'ghostPrefix', 'aliasTemplate', 'protocolIcon', 'passwordKeyFile', 'media', 'provisioning', 'membershipPacing', 'homeserverOutage', 'ident',
] as const satisfies ReadonlyArray<keyof IrcBridgeConfig>;

/** `addNetwork` builds a network as `start` does and puts it in the runtime's directory (not started). */
export async function applyReload(rt: ReloadDeps, next: IrcBridgeConfig, addNetwork: (net: IrcNetworkConfig) => IrcNetwork): Promise<ReloadOutcome> {
  const before = rt.config;
  const applied: string[] = [];
  const needsRestart = RESTART_KEYS.filter((key) => !same(before[key], next[key])).map((key) => `irc.${snake(key)}`);
  if (!same(before.permissions, next.permissions)) applied.push('irc.permissions');

  const added: IrcNetwork[] = [];
  for (const [id, net] of next.networks) {
    const network = rt.network(id);
    if (!network) {
      const created = addNetwork(net);
      added.push(created);
      applied.push(`irc.networks.${id} (new network)`);
      continue;
    }
    const previous = network.config;
    const restart = network.reconfigure(net);
    needsRestart.push(...restart.map((key) => `irc.networks.${id}.${snake(key)}`));
    for (const key of Object.keys(net) as Array<keyof IrcNetworkConfig>) {
      if (!restart.includes(key) && !same(previous[key], net[key])) applied.push(`irc.networks.${id}.${snake(key)}`);
    }
    const newRooms = net.staticRooms.filter((room) => !previous.staticRooms.some((old) => old.roomId === room.roomId && network.fold(old.channel) === network.fold(room.channel)));
    if (newRooms.length > 0) await addStaticRooms(rt, network, newRooms);
    const removed = previous.staticRooms.filter((old) => !net.staticRooms.some((room) => room.roomId === old.roomId && network.fold(old.channel) === network.fold(room.channel)));
    // A link lives in the store, not only in the config: taking the room out of the file does not unlink it.
    if (removed.length > 0) needsRestart.push(`irc.networks.${id}.static_rooms (a removed room stays linked: the link lives in the store)`);
  }
  // A network taken out of the file keeps its connections (nobody is dropped by a reload).
  const networks = new Map(next.networks);
  for (const [id, net] of before.networks) {
    if (!networks.has(id)) {
      networks.set(id as NetworkId, net);
      needsRestart.push(`irc.networks.${id} (removed)`);
    }
  }
  rt.config = { ...next, networks };
  for (const network of added) {
    network.start();
    await joinBridgedChannels(rt, network);
    checkBridgeInfo(rt, network);
  }
  return { applied, needsRestart };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v)) === JSON.stringify(b, (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v));
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
