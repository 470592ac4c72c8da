// Every built-in admin command, as records for the CommandRegistry.
import type { AdminCommand } from '../command';
import { accountCommands } from './account';
import { channelCommands } from './channels';
import { connectionCommands } from './connection';
import { rawCommands } from './raw';
import type { AdminCommandDeps } from './shared';

export type { AdminCommandDeps } from './shared';
export { formatWhois } from './channels';

export function adminCommands(deps: AdminCommandDeps): AdminCommand[] {
  return [...connectionCommands(deps), ...channelCommands(deps), ...accountCommands(deps), ...rawCommands(deps)];
}
