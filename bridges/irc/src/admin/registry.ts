/**
 * The command registry: finds the record for "!name ...", checks the sender's level, parses the
 * arguments against the record and runs its handler. Every path ends in one answer for the user
 * (`CommandOutcome.reply`), one metric increment and, for failures, one log line. Arguments are
 * never logged: some commands carry passwords.
 */
import { Counter, type Registry } from 'prom-client';
import type { Logger, RoomId, UserId } from '@bridgekit/appservice';
import { isAccountError } from '../accounts';
import { isIrcError, userReasonOf } from '../irc';
import type { NetworkId } from '../mapping';
import { parseArgs, usageOf } from './args';
import { defineCommand, type AdminCommand } from './command';
import { isCommandError } from './errors';
import { hasLevel, type PermissionLevel } from './permissions';

export type CommandOutcomeKind = 'ok' | 'refused' | 'failed' | 'denied' | 'unknown';

export interface CommandOutcome {
  kind: CommandOutcomeKind;
  /** The command's name when it exists. */
  command?: string;
  reply: string;
  /** The message carried a secret: redact it. */
  sensitive: boolean;
}

export interface CommandInvocation {
  userId: UserId;
  roomId: RoomId;
  level: PermissionLevel;
  reply(text: string): Promise<void>;
}

export interface CommandRegistryOptions {
  /** Configured networks, in config order (read on every command, so a reload is seen). */
  networks: () => readonly NetworkId[];
  log?: Logger;
  /** The bridge's registry (BridgeContext.metrics). */
  metrics?: Registry;
}

export class CommandRegistry {
  private readonly commands = new Map<string, AdminCommand>();
  private readonly counter: Counter<'command' | 'outcome'> | undefined;

  constructor(commands: readonly AdminCommand[], private readonly options: CommandRegistryOptions) {
    for (const command of [this.helpCommand(), ...commands]) {
      if (this.commands.has(command.name)) throw new TypeError(`Two admin commands are called !${command.name}`);
      this.commands.set(command.name, command);
    }
    this.counter = options.metrics
      ? new Counter({
          name: 'bridgekit_irc_admin_commands_total',
          help: 'Admin-room commands, by command and outcome (ok, refused, failed, denied, unknown)',
          labelNames: ['command', 'outcome'] as const,
          registers: [options.metrics],
        })
      : undefined;
  }

  get(name: string): AdminCommand | undefined {
    return this.commands.get(name.toLowerCase());
  }

  list(): AdminCommand[] {
    return [...this.commands.values()];
  }

  /** Is this message meant as a command? */
  static isCommand(body: string): boolean {
    return /^\s*!\S/.test(body);
  }

  async execute(invocation: CommandInvocation, body: string): Promise<CommandOutcome> {
    const match = /^\s*!(\S+)\s*([\s\S]*)$/.exec(body);
    const name = match?.[1]?.toLowerCase() ?? '';
    const command = this.commands.get(name);
    if (!match || !command) {
      return this.finish('unknown', undefined, `Unknown command !${name}. Say !help for the list.`, false);
    }
    const sensitive = command.sensitive ?? false;
    if (!hasLevel(invocation.level, command.permission)) {
      const who = command.permission === 'admin' ? 'bridge admins' : 'users of this bridge';
      return this.finish('denied', command, `!${command.name} is only for ${who}.`, sensitive);
    }
    try {
      const args = parseArgs(command.args, match[2] ?? '', { command: command.name, networks: this.options.networks() });
      const reply = await command.handler({ ...invocation }, args as never);
      return this.finish('ok', command, reply, sensitive);
    } catch (error) {
      if (isCommandError(error) || isAccountError(error)) return this.finish('refused', command, error.message, sensitive);
      const message = error instanceof Error ? error.message : String(error);
      this.options.log?.[isIrcError(error) ? 'warn' : 'error']('Admin command failed', {
        command: command.name, user: invocation.userId, error: message, ...(isIrcError(error) ? { code: error.code } : {}),
      });
      return this.finish('failed', command, `!${command.name} failed: ${userReasonOf(error)}`, sensitive);
    }
  }

  /** `!help`, generated from the records the sender may run. */
  help(level: PermissionLevel, name?: string): string {
    if (name !== undefined) {
      const command = this.get(name.replace(/^!/, ''));
      if (!command) return `There is no command !${name.replace(/^!/, '')}. Say !help for the list.`;
      const [summary, ...details] = command.help.split('\n\n');
      const lines = [usageOf(command.name, command.args), summary ?? '', ...details];
      for (const arg of command.args) lines.push(`  ${arg.name}: ${arg.help}`);
      if (command.permission === 'admin') lines.push(hasLevel(level, 'admin') ? '(bridge admins only)' : 'Only bridge admins may use this command.');
      return lines.join('\n');
    }
    const visible = this.list().filter((c) => hasLevel(level, c.permission));
    return [
      'IRC bridge commands. Arguments in [brackets] are optional; the network can be left out when the bridge has only one.',
      ...visible.map((c) => `${usageOf(c.name, c.args)} — ${c.help.split('\n\n')[0]}`),
      'Say !help <command> for details.',
    ].join('\n');
  }

  private helpCommand(): AdminCommand {
    return defineCommand({
      name: 'help',
      args: [{ name: 'command', kind: 'word', optional: true, help: 'a command to explain, e.g. join' }],
      help: 'Lists the commands, or explains one.',
      permission: 'user',
      handler: async (ctx, args) => this.help(ctx.level, args.command),
    });
  }

  private finish(kind: CommandOutcomeKind, command: AdminCommand | undefined, reply: string, sensitive: boolean): CommandOutcome {
    this.counter?.inc({ command: command?.name ?? 'unknown', outcome: kind });
    return { kind, ...(command ? { command: command.name } : {}), reply, sensitive };
  }
}
