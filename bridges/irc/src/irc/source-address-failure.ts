/**
 * A connect from a per-user source address the host will not bind (irc.networks.*.ipv6): the
 * prefix is not routed to this host, or Linux refuses addresses that are routed but not
 * assigned. The user reads one sentence; the admin's log gets the two commands that fix it.
 */
import { IrcError } from './errors';

/** Errors of bind(2) that mean "this host does not own that address". */
const NOT_OURS = new Set(['EADDRNOTAVAIL', 'EINVAL']);

export const SOURCE_ADDRESS_USER_MESSAGE = 'The bridge cannot connect you to IRC from your own address right now; the bridge admin has been told what to fix.';

/** The IrcError for a failed bind of `localAddress`, or undefined when the failure was something else. */
export function sourceAddressFailure(error: Error | undefined, localAddress: string | undefined): IrcError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (localAddress === undefined || code === undefined || !NOT_OURS.has(code)) return undefined;
  return new IrcError(
    'IRC_SOURCE_ADDRESS_UNAVAILABLE',
    `Cannot connect from ${localAddress} (${code}): this host does not accept addresses of the network's ipv6.prefix as a source. `
    + 'Route the prefix to this host and let the bridge bind its addresses: `ip -6 route add local <prefix> dev lo` and '
    + '`sysctl -w net.ipv6.ip_nonlocal_bind=1` (README, "Per-user IPv6 source addresses").',
    { cause: error, userMessage: SOURCE_ADDRESS_USER_MESSAGE },
  );
}
