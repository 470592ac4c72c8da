/** The configured networks by id, filled by the composition root before any of them starts. */
import type { NetworkId } from '../mapping/ids';
import type { NetworkDirectory } from '../parts';
import type { IrcNetwork } from './network';

export class IrcNetworks implements NetworkDirectory {
  private readonly byId = new Map<string, IrcNetwork>();

  add(network: IrcNetwork): void {
    this.byId.set(network.id, network);
  }

  network(id: NetworkId | string): IrcNetwork | undefined {
    return this.byId.get(id);
  }

  networks(): IrcNetwork[] {
    return [...this.byId.values()];
  }
}
