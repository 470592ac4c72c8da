// Commands about channels and what the bridge knows: join, part, list, whois, version.
import type { ReloadReport } from '@bridgekit/appservice';
import { JoinFailedError, type WhoisInfo } from '../../irc';
import { joinRefusalAdvice } from '../../irc/join-refusals';
import { defineCommand, type AdminCommand } from '../command';
import { CommandError } from '../errors';
import { NETWORK_ARG, networkName, type AdminCommandDeps } from './shared';

export function channelCommands(deps: AdminCommandDeps): AdminCommand[] {
  const { ops } = deps;
  return [
    defineCommand({
      name: 'join',
      args: [
        { name: 'channel', kind: 'channel', help: 'the IRC channel, e.g. #matrix' },
        { name: 'key', kind: 'word', optional: true, help: 'the channel key (password), if the channel has one' },
        NETWORK_ARG,
      ],
      help: 'Joins an IRC channel and brings you into its Matrix room.',
      permission: 'user',
      handler: async (ctx, { channel, key, network }) => {
        const { roomId, alias } = await ops.joinChannel(ctx.userId, network, channel, key).catch((error: unknown) => {
          // A refusal the user can act on is theirs to act on, not a failure of the bridge.
          const advice = error instanceof JoinFailedError ? joinRefusalAdvice(error.channel, error.numeric) : undefined;
          throw advice ? new CommandError(advice) : error;
        });
        return `Joined ${channel} on ${networkName(deps, network)}. Its room is ${alias ?? roomId} (you are invited if you are not in it yet).`;
      },
    }),
    defineCommand({
      name: 'part',
      args: [{ name: 'channel', kind: 'channel', help: 'the IRC channel, e.g. #matrix' }, NETWORK_ARG],
      help: 'Leaves an IRC channel and its Matrix room.',
      permission: 'user',
      handler: async (ctx, { channel, network }) => {
        const name = networkName(deps, network);
        return (await ops.partChannel(ctx.userId, network, channel)) ? `Left ${channel} on ${name}.` : `You are not in ${channel} on ${name}.`;
      },
    }),
    defineCommand({
      name: 'listrooms',
      args: [],
      help: 'Lists the IRC channels you are in and their Matrix rooms.',
      permission: 'user',
      handler: async (ctx) => {
        const rooms = await ops.listRooms(ctx.userId);
        if (rooms.length === 0) return 'You are not in any bridged IRC channel. Join one with !join #channel.';
        // The alias is what people type to join; a room without one is named by its ID.
        const lines = rooms.map((r) => `${r.channel} on ${networkName(deps, r.network)} → ${r.alias ?? `${r.roomId} (no alias)`}`);
        // After !quit (or an idle disconnect) the channels are kept but nothing is bridged until the user is back.
        const offline = [...new Set(rooms.map((r) => r.network))].filter((n) => !ops.connectedPuppet(ctx.userId, n));
        const hints = offline.map((n) => `You are not connected to ${networkName(deps, n)} right now: say !reconnect ${n} to be back in its channels.`);
        return ['Your IRC channels:', ...lines, ...hints].join('\n');
      },
    }),
    defineCommand({
      name: 'whois',
      args: [{ name: 'nick', kind: 'nick', help: 'the IRC nick to look up' }, NETWORK_ARG],
      help: 'Shows who an IRC user is: host, real name, channels, services account, idle time.',
      permission: 'user',
      handler: async (ctx, { nick, network }) => {
        const info = await ops.whois(ctx.userId, network, nick);
        return info ? formatWhois(info) : `No such nick on ${networkName(deps, network)}: ${nick}; check the spelling, or try again once they are online.`;
      },
    }),
    defineCommand({
      name: 'bridgeversion',
      args: [],
      help: 'Shows the version of the bridge.',
      permission: 'user',
      handler: async () => ops.bridgeVersion(),
    }),
    defineCommand({
      name: 'reload',
      args: [],
      help: 'Reads the config file again and applies what can change without a restart (as SIGHUP does).',
      permission: 'admin',
      handler: async () => formatReload(await ops.reloadConfig()),
    }),
  ];
}

/** One short answer; the full lists are in the log too. */
export function formatReload(report: ReloadReport): string {
  if (!report.ok) return `The config was not reloaded; the running one stays. Fix: ${report.problems.join('; ')}`;
  const applied = report.applied.length > 0 ? `Reloaded: ${report.applied.join(', ')}.` : 'Reloaded; nothing that can change live had changed.';
  return report.needsRestart.length > 0 ? `${applied} Needs a restart: ${report.needsRestart.join(', ')}.` : applied;
}

export function formatWhois(info: WhoisInfo): string {
  const mask = info.ident && info.host ? `${info.nick}!${info.ident}@${info.host}` : info.nick;
  const lines = [info.realname ? `${mask} (${info.realname})` : mask];
  if (info.server) lines.push(`Server: ${info.server}`);
  if (info.channels.length > 0) lines.push(`Channels: ${info.channels.join(' ')}`);
  if (info.account) lines.push(`Logged in as: ${info.account}`);
  if (info.idleSeconds !== undefined) lines.push(`Idle: ${formatDuration(info.idleSeconds)}`);
  if (info.away) lines.push(`Away: ${info.away}`);
  const flags = [info.operator ? 'IRC operator' : '', info.secure ? 'secure connection' : ''].filter(Boolean);
  if (flags.length > 0) lines.push(flags.join(', '));
  if (info.fromBridge) lines.push('(as the bridge sees it in its channels; idle time only from a server WHOIS)');
  return lines.join('\n');
}

function formatDuration(seconds: number): string {
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let left = Math.max(0, Math.floor(seconds));
  for (const [unit, size] of units) {
    if (left >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}
