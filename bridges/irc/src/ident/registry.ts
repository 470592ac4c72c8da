/**
 * The bridge's open IRC sockets, as an identd sees them: which local user name each
 * (local address, local port, remote address, remote port) belongs to. A socket is added when
 * its TCP connection is up (before the server's ident query can arrive) and removed when it
 * closes, so a query about a closed connection gets NO-USER rather than a stale name.
 */
import { isIPv4 } from 'node:net';

/** Both ends of one TCP connection, as the kernel reports them on our side. */
export interface SocketEnds {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

interface Entry extends SocketEnds {
  username: string;
}

export class IdentRegistry {
  /** Keyed by "localPort,remotePort": the two numbers of a query; addresses then pick among the few. */
  private readonly byPorts = new Map<string, Set<Entry>>();

  /** Registers an open connection; call the returned function when it closes. */
  add(ends: SocketEnds, username: string): () => void {
    const entry: Entry = { ...ends, localAddress: plainAddress(ends.localAddress), remoteAddress: plainAddress(ends.remoteAddress), username };
    const key = portsKey(ends.localPort, ends.remotePort);
    let entries = this.byPorts.get(key);
    if (!entries) this.byPorts.set(key, entries = new Set());
    entries.add(entry);
    return () => {
      entries.delete(entry);
      if (entries.size === 0 && this.byPorts.get(key) === entries) this.byPorts.delete(key);
    };
  }

  /**
   * The user name of the connection a query names. `ourAddress` is where the query arrived and
   * `asker` where it came from: only the server the connection goes to learns who owns it (RFC
   * 1413 queries come from that host to the address it sees us connect from), so nobody else on
   * the internet can map the bridge's connections to users.
   */
  lookup(query: { localPort: number; remotePort: number; ourAddress: string; asker: string }): string | undefined {
    const entries = this.byPorts.get(portsKey(query.localPort, query.remotePort));
    if (!entries) return undefined;
    const ours = plainAddress(query.ourAddress);
    const asker = plainAddress(query.asker);
    for (const entry of entries) if (entry.localAddress === ours && entry.remoteAddress === asker) return entry.username;
    return undefined;
  }

  /** Open connections registered (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const entries of this.byPorts.values()) n += entries.size;
    return n;
  }
}

function portsKey(localPort: number, remotePort: number): string {
  return `${localPort},${remotePort}`;
}

/**
 * One spelling per address: a dual-stack listener reports IPv4 peers as `::ffff:a.b.c.d`, an
 * IPv4 socket as `a.b.c.d`; IPv6 text is lower-cased and compressed the same way everywhere.
 */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(address)) return address;
  try {
    return new URL(`http://[${address.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}
