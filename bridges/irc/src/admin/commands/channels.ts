// Commands about channels and what the bridge knows: join, part, list, whois, version.
import type { ReloadReport } from '@bridgekit/appservice';
import type { WhoisInfo } from '../../irc';
import { defineCommand, type AdminCommand } from '../command';
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
        const { roomId } = await ops.joinChannel(ctx.userId, network, channel, key);
        return `Joined ${channel} on ${networkName(deps, network)}. Its room is ${roomId} (you are invited if you are not in it yet).`;
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
        return ['Your IRC channels:', ...rooms.map((r) => `${networkName(deps, r.network)} ${r.channel} → ${r.roomId}`)].join('\n');
      },
    }),
    defineCommand({
      name: 'whois',
      args: [{ name: 'nick', kind: 'nick', help: 'the IRC nick to look up' }, NETWORK_ARG],
      help: 'Shows who an IRC user is: host, real name, channels, services account, idle time.',
      permission: 'user',
      handler: async (ctx, { nick, network }) => {
        const puppet = await ops.puppetFor(ctx.userId, network);
        const info = await puppet.whois(nick);
        return info ? formatWhois(info) : `Nobody called ${nick} is online on ${networkName(deps, network)}.`;
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
