// Commands about the user's own IRC connection: identity and connection state.
import { defineCommand, type AdminCommand } from '../command';
import { isIrcError } from '../../irc';
import { CommandError } from '../errors';
import { NETWORK_ARG, networkName, type AdminCommandDeps } from './shared';

/** User modes only ("+i", "-x+w"): channel modes with parameters go through !cmd. */
const USER_MODES = /^(?:[+-][A-Za-z]+)+$/;

export function connectionCommands(deps: AdminCommandDeps): AdminCommand[] {
  const { ops, accounts } = deps;
  return [
    defineCommand({
      name: 'nick',
      args: [{ name: 'nick', kind: 'nick', help: 'the nick you want, e.g. alice' }, NETWORK_ARG],
      help: 'Changes your IRC nick (now, if you are connected) and keeps it for later connections.',
      permission: 'user',
      handler: async (ctx, { nick, network }) => {
        const name = networkName(deps, network);
        const puppet = ops.connectedPuppet(ctx.userId, network);
        if (!puppet) {
          await accounts.settings.setNick(ctx.userId, network, nick);
          return `Saved: you will be ${nick} on ${name} from your next connection.`;
        }
        const confirmed = await puppet.changeNick(nick).catch((error: unknown) => {
          throw nickRefusal(error, nick, name);
        });
        await accounts.settings.setNick(ctx.userId, network, confirmed);
        return `You are now ${confirmed} on ${name}.`;
      },
    }),
    defineCommand({
      name: 'username',
      args: [{ name: 'username', kind: 'word', help: 'your IRC username (ident), e.g. alice' }, NETWORK_ARG],
      help: 'Sets the username (ident) your next connections use.',
      permission: 'user',
      handler: async (ctx, { username, network }) => {
        await accounts.settings.setUsername(ctx.userId, network, username);
        return `Saved: your username on ${networkName(deps, network)} is ${username} from your next connection (say !reconnect ${network} to apply it now).`;
      },
    }),
    defineCommand({
      name: 'mode',
      args: [{ name: 'modes', kind: 'word', help: 'user modes to set or unset, e.g. +i or -x+w' }, NETWORK_ARG],
      help: 'Sets user modes on your own IRC nick.',
      permission: 'user',
      handler: async (ctx, { modes, network }) => {
        if (!USER_MODES.test(modes)) throw new CommandError(`"${modes}" is not a list of user modes: write it like +i, -x or +iw-x.`);
        const puppet = await ops.puppetFor(ctx.userId, network);
        await puppet.mode(puppet.nick, modes);
        return `Sent MODE ${puppet.nick} ${modes} on ${networkName(deps, network)}.`;
      },
    }),
    defineCommand({
      name: 'reconnect',
      args: [NETWORK_ARG],
      help: 'Closes your IRC connection and connects again, with your current settings and password.',
      permission: 'user',
      handler: async (ctx, { network }) => {
        const name = networkName(deps, network);
        await ctx.reply(`Reconnecting to ${name}…`);
        const puppet = await ops.reconnect(ctx.userId, network);
        return `Reconnected to ${name} as ${puppet.nick}.`;
      },
    }),
    defineCommand({
      name: 'quit',
      args: [NETWORK_ARG],
      help: 'Disconnects you from the IRC network. Your Matrix rooms stay as they are.',
      permission: 'user',
      handler: async (ctx, { network }) => {
        const name = networkName(deps, network);
        const wasConnected = await ops.disconnect(ctx.userId, network, 'Disconnected from Matrix');
        return wasConnected
          ? `Disconnected from ${name}. Say !reconnect ${network} to connect again.`
          : `You were not connected to ${name}.`;
      },
    }),
  ];
}

/** The server's refusal of a nick as a choice for the user to make again; anything else stays a failure. */
function nickRefusal(error: unknown, nick: string, network: string): unknown {
  if (!isIrcError(error)) return error;
  if (error.code === 'IRC_NICK_UNAVAILABLE') return new CommandError(`${nick} is not available on ${network} (someone may be using it); choose another nick.`);
  if (error.code === 'IRC_NICK_INVALID') return new CommandError(`${network} does not accept ${nick} as a nick; choose another.`);
  return error;
}
