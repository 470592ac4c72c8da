// What every command module gets, and the argument most of them share.
import type { IrcAccounts } from '../../accounts';
import type { NetworkId } from '../../mapping';
import type { AdminBridgeOps } from '../ops';

export interface AdminCommandDeps {
  ops: AdminBridgeOps;
  accounts: IrcAccounts;
  /** Who may send raw IRC lines (!cmd, !autocmd); default 'admin'. */
  rawCommandPermission?: 'user' | 'admin';
}

export const NETWORK_ARG = { name: 'network', kind: 'network', help: 'the IRC network; can be left out when the bridge has only one' } as const;

/** The network's human name for replies ("Libera.Chat"), falling back to its ID. */
export function networkName(deps: AdminCommandDeps, network: NetworkId): string {
  return deps.ops.networks().find((n) => n.id === network)?.name ?? network;
}
