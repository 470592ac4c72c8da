/**
 * An admin command is a record: name, arguments, help, permission, handler. The registry reads
 * nothing else, so adding a command is adding a record, and `!help` can never drift from what
 * the commands accept.
 */
import type { RoomId, UserId } from '@bridgekit/appservice';
import type { ArgSpec, ArgValues } from './args';
import type { PermissionLevel } from './permissions';

export interface CommandContext {
  readonly userId: UserId;
  readonly roomId: RoomId;
  /** The sender's level, already checked against the command's permission. */
  readonly level: PermissionLevel;
  /** Sends an intermediate notice ("Reconnecting...") before the handler's final answer. */
  reply(text: string): Promise<void>;
}

export interface AdminCommand<A extends readonly ArgSpec[] = readonly ArgSpec[]> {
  /** What the user types after "!", lower case. */
  readonly name: string;
  readonly args: A;
  /** One line for `!help`; a second paragraph after a blank line shows only in `!help <name>`. */
  readonly help: string;
  /** The lowest level that may run it. */
  readonly permission: 'user' | 'admin';
  /**
   * The command's text carries a secret (a password): the admin room redacts the message after
   * handling it, whatever the outcome, and nothing logs its arguments.
   */
  readonly sensitive?: boolean;
  /** Resolves with the answer shown to the user; throws CommandError for a refusal. */
  handler(ctx: CommandContext, args: ArgValues<A>): Promise<string>;
}

/** Type-checks a command's handler against its own argument list, then erases the types for the registry. */
export function defineCommand<const A extends readonly ArgSpec[]>(command: AdminCommand<A>): AdminCommand {
  if (!/^[a-z][a-z0-9-]*$/.test(command.name)) throw new TypeError(`Command name ${JSON.stringify(command.name)} must be lower-case letters, digits or '-'`);
  return command as unknown as AdminCommand;
}
