/**
 * The bridge's identd (RFC 1413, `irc.ident`): IRC servers ask it who owns a connection, and
 * it answers with the user name that connection registered with, so the server shows
 * `alice@…` instead of `~alice@…` and can ban one Matrix user by ident instead of the bridge.
 * It answers only for the bridge's own open connections (IdentRegistry) and only to the host
 * each connection goes to; everything else is NO-USER.
 *
 * The port is open to the internet on most deployments, so every connection is bounded: one
 * query, at most MAX_QUERY_BYTES, answered within the idle timeout or closed; at most
 * `maxConnections` at once, the rest closed on arrival.
 */
import net from 'node:net';
import type { Logger } from '@bridgekit/appservice';
import { errorReply, MAX_QUERY_BYTES, parseIdentQuery, userIdReply } from './protocol';
import type { IdentRegistry } from './registry';

/** How a query ended, for the metric: a name given, NO-USER, or not a valid query. */
export type IdentOutcome = 'user' | 'no_user' | 'invalid';

export interface IdentServerOptions {
  registry: IdentRegistry;
  address: string;
  port: number;
  log: Logger;
  /** A connection that has not sent a full query by then is closed (RFC 1413 suggests 60–180 s; servers wait ~10 s). */
  idleTimeoutMs?: number;
  maxConnections?: number;
  onQuery?: (outcome: IdentOutcome) => void;
}

const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_CONNECTIONS = 256;

export class IdentServer {
  private readonly server: net.Server;
  private readonly open = new Set<net.Socket>();

  constructor(private readonly options: IdentServerOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /** Listens; rejects with the OS error (EACCES below 1024 without the capability, EADDRINUSE). */
  async start(): Promise<void> {
    const { address, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: address, port, ipv6Only: false }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.server.on('error', (error) => this.options.log.warn('identd listener error', { error: error.message }));
  }

  /** The port it listens on (the configured one, or the OS's pick for port 0). */
  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  /** Stops listening and drops the connections still open. */
  async stop(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => undefined); // a peer resetting is its own business
    if (this.open.size >= (this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) {
      socket.destroy();
      return;
    }
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    socket.setTimeout(this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () => socket.destroy());
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(0x0a);
      if (end === -1) {
        if (buffered.length > MAX_QUERY_BYTES) {
          socket.off('data', onData);
          this.finish(socket, errorReply(undefined, 'UNKNOWN-ERROR'), 'invalid');
        }
        return;
      }
      socket.off('data', onData);
      this.answer(socket, buffered.subarray(0, end).toString('latin1').replace(/\r$/, ''));
    };
    socket.on('data', onData);
  }

  private answer(socket: net.Socket, line: string): void {
    const query = parseIdentQuery(line);
    if (!query) return this.finish(socket, errorReply(undefined, 'UNKNOWN-ERROR'), 'invalid');
    if (!query.validPorts) return this.finish(socket, errorReply(query, 'INVALID-PORT'), 'invalid');
    const username = this.options.registry.lookup({
      localPort: query.localPort, remotePort: query.remotePort, ourAddress: socket.localAddress ?? '', asker: socket.remoteAddress ?? '',
    });
    if (username === undefined) return this.finish(socket, errorReply(query, 'NO-USER'), 'no_user');
    this.options.log.debug('identd answered', { port: query.localPort, username });
    this.finish(socket, userIdReply(query, username), 'user');
  }

  /** One answer per connection, then the connection ends (RFC 1413 lets either side close). */
  private finish(socket: net.Socket, reply: string, outcome: IdentOutcome): void {
    this.options.onQuery?.(outcome);
    socket.end(reply);
  }
}
