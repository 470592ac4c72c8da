// Raw IRC lines: sent once (!cmd) or after every connect (!autocmd). Restricted by config,
// admin-only by default: a raw line can do anything the user's connection can.
import { sanitizeRawLine } from '../../accounts';
import { defineCommand, type AdminCommand } from '../command';
import { CommandError } from '../errors';
import { NETWORK_ARG, networkName, type AdminCommandDeps } from './shared';

export function rawCommands(deps: AdminCommandDeps): AdminCommand[] {
  const { ops, accounts } = deps;
  const permission = deps.rawCommandPermission ?? 'admin';
  return [
    defineCommand({
      name: 'cmd',
      args: [NETWORK_ARG, { name: 'line', kind: 'rest', help: 'one raw IRC line, e.g. PRIVMSG ChanServ :INFO #matrix' }],
      help: 'Sends one raw IRC line on your connection.\n\nThe network, if given, comes first: !cmd libera WHO #matrix',
      permission,
      // The line may be `PRIVMSG NickServ :IDENTIFY <password>`: the command message is redacted.
      sensitive: true,
      handler: async (ctx, { network, line }) => {
        const clean = sanitizeRawLine(line);
        const puppet = await ops.puppetFor(ctx.userId, network);
        await puppet.raw(clean);
        return `Sent to ${networkName(deps, network)}: ${maskRawLine(clean)}`;
      },
    }),
    defineCommand({
      name: 'autocmd',
      args: [
        NETWORK_ARG,
        { name: 'action', kind: 'choice', choices: ['add', 'list', 'clear'], help: 'add a line, list them, or clear them all' },
        { name: 'line', kind: 'rest', optional: true, help: 'for add: one raw IRC line, e.g. MODE alice +R' },
      ],
      help: 'Manages raw IRC lines sent after each connect (after NickServ identification).',
      permission,
      sensitive: true,
      handler: async (ctx, { network, action, line }) => {
        const name = networkName(deps, network);
        let lines: readonly string[];
        if (action === 'add') {
          if (line === undefined) throw new CommandError('Say which line to add: !autocmd add <raw IRC line>');
          lines = await accounts.settings.addAutoCommand(ctx.userId, network, line);
        } else if (action === 'clear') {
          lines = await accounts.settings.setAutoCommands(ctx.userId, network, []);
        } else {
          lines = accounts.settings.get(ctx.userId, network).autoCommands;
        }
        if (lines.length === 0) return `No auto-commands on ${name}.`;
        return [`Auto-commands on ${name}:`, ...lines.map((l, i) => `${i + 1}. ${maskRawLine(l)}`)].join('\n');
      },
    }),
  ];
}

/**
 * A raw line as it may be shown back in the room: the words after `PASS`, `OPER <name>` and
 * `IDENTIFY` (NickServ, anywhere in the line) are passwords and become `***`.
 */
export function maskRawLine(line: string): string {
  return line
    .replace(/^(\s*PASS\s+).+$/i, '$1***')
    .replace(/^(\s*OPER\s+\S+\s+).+$/i, '$1***')
    .replace(/(\bIDENTIFY\s+).+$/i, '$1***');
}
