/**
 * The configured networks by id, filled by the composition root before any of them starts (and by
 * a config reload that adds a network).
 */
import type { NetworkId } from '../mapping/ids';
import type { NetworkDirectory } from '../parts';
import type { IrcNetwork } from './network';

export class IrcNetworks implements NetworkDirectory {
  private readonly byId = new Map<string, IrcNetwork>();

  add(network: IrcNetwork): IrcNetwork {
    this.byId.set(network.id, network);
    return network;
  }

  network(id: NetworkId | string): IrcNetwork | undefined {
    return this.byId.get(id);
  }

  networks(): IrcNetwork[] {
    return [...this.byId.values()];
  }
}
