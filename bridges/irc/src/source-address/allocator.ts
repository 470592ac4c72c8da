/**
 * Per-user IPv6 source addresses for one network's puppets: the address the store holds for the
 * user, or the next free one of the configured prefix. Large networks limit connections per
 * address; with one address per Matrix user, a limit or ban hits that user, not the bridge.
 *
 * The config is read at each call, so a reload that sets, changes or removes the prefix applies
 * to the next connection. A user keeps an address as long as it lies inside the prefix.
 */
import type { Logger, UserId } from '@bridgekit/appservice';
import type { IrcNetworkConfig } from '../config/types';
import { IrcError } from '../irc/errors';
import { SOURCE_ADDRESS_USER_MESSAGE } from '../irc/source-address-failure';
import type { NetworkId } from '../mapping/ids';
import { bigIntToIpv6, ipv6ToBigInt, parseIpv6Prefix, prefixContains, type Ipv6Prefix } from './ipv6-prefix';
import type { AllocationSpace, SourceAddressRepository } from './repository';


export interface SourceAddressesOptions {
  network: NetworkId;
  config: () => IrcNetworkConfig;
  repository: SourceAddressRepository;
  log: Logger;
  now: () => number;
}

export class SourceAddresses {
  /** The store answers once per user; later connects reuse the answer (until the prefix changes). */
  private readonly cache = new Map<UserId, { prefix: string; address: string }>();

  constructor(private readonly options: SourceAddressesOptions) {}

  /**
   * The user's address, allocated on first use; undefined when the network has no prefix (the
   * connection uses the host's default). Throws IRC_SOURCE_ADDRESS_UNAVAILABLE when the prefix
   * is used up (logged with the fix).
   */
  async addressFor(userId: UserId): Promise<string | undefined> {
    const ipv6 = this.options.config().ipv6;
    if (!ipv6) return undefined;
    // Parsed and checked by the config loader already; this cannot throw for a loaded config.
    const prefix = parseIpv6Prefix(ipv6.prefix);
    const cached = this.cache.get(userId);
    if (cached?.prefix === prefix.text) return cached.address;
    const { network, repository } = this.options;
    const stored = await repository.get(network, userId);
    if (stored && prefixContains(prefix, ipv6ToBigInt(stored.address))) {
      this.cache.set(userId, { prefix: prefix.text, address: stored.address });
      return stored.address;
    }
    const record = await repository.allocate(network, userId, allocationSpace(prefix, ipv6.start), this.options.now());
    if (!record) {
      this.options.log.error('Every IPv6 source address of the prefix is in use: give the network a larger prefix (irc.networks.*.ipv6.prefix) or an earlier start', {
        network, prefix: prefix.text, start: ipv6.start,
      });
      throw new IrcError('IRC_SOURCE_ADDRESS_UNAVAILABLE', `No free IPv6 source address is left in ${prefix.text} for ${userId}.`, { userMessage: SOURCE_ADDRESS_USER_MESSAGE });
    }
    if (stored) this.options.log.info('A user\'s IPv6 source address was outside the configured prefix; gave them a new one', { network, user: userId, from: stored.address, to: record.address });
    this.cache.set(userId, { prefix: prefix.text, address: record.address });
    return record.address;
  }
}

/**
 * Index n → `start + n` while inside the prefix. `start` defaults to the prefix's second address:
 * the first (all host bits zero) is the subnet-router anycast address, which should not be a source.
 */
export function allocationSpace(prefix: Ipv6Prefix, start?: string): AllocationSpace {
  const first = start !== undefined ? ipv6ToBigInt(start) : prefix.base + 1n;
  return {
    prefix: prefix.text,
    addressAt(index) {
      const address = first + BigInt(index);
      return address <= prefix.last ? bigIntToIpv6(address) : undefined;
    },
  };
}
