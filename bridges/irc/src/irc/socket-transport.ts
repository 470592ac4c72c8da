/**
 * The TCP/TLS socket under irc-framework, replacing its built-in one (through its `transport`
 * option), for these reasons:
 *  - bytes: each incoming line is decoded on its own, as UTF-8 when valid and with the
 *    configured fallback otherwise (irc-framework's transport has a single fixed encoding);
 *    outgoing lines are always UTF-8;
 *  - TLS: a private CA (`ca`), a client certificate for SASL EXTERNAL / CertFP, SNI;
 *  - a bound on line length, so a hostile server cannot grow the read buffer without limit;
 *  - lines too short for irc-framework's handlers are dropped (short-lines.ts);
 *  - for puppets, a pre-filter that drops channel traffic before irc-framework parses it
 *    (line-filter.ts says why and what).
 */
import net from 'node:net';
import tls from 'node:tls';
import { EventEmitter } from 'node:events';
import type { ClientOptions, Transport } from 'irc-framework';
import { decodeIrcLine } from '../format/sanitize';
import type { IdentRegistry } from '../ident/registry';
import { PuppetLineFilter } from './line-filter';
import { tooShortForIrcFramework } from './short-lines';

/** What connection.ts passes to the transport, under `ClientOptions.bridgekit`. */
export interface SocketOptions {
  host: string;
  port: number;
  tls: boolean;
  /** PEM CA certificate(s) to trust instead of the system store. */
  ca?: string | Buffer;
  /** PEM client certificate and key (CertFP, SASL EXTERNAL). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Default true; false accepts any server certificate (test networks only). */
  rejectUnauthorized?: boolean;
  /** Local address to connect from (one IPv6 address per user on big bridges). */
  localAddress?: string;
  fallbackEncoding: string;
  /**
   * The ping timeout: nothing from the server for this long closes the connection with an
   * `IdleTimeoutError`. irc-framework's PING every ping interval keeps a healthy one busier.
   */
  idleTimeoutMs: number;
  /** Drop other users' channel traffic before parsing (puppet connections; see line-filter.ts). */
  onlyOwnTraffic?: boolean;
  /** Registers the open TCP connection with the bridge's identd under this user name. */
  ident?: { registry: IdentRegistry; username: string };
}

/** Longest line accepted before the connection is dropped (IRCv3 tags allow 8 KiB + 512). */
const MAX_LINE_BYTES = 16 * 1024;
/**
 * Puppets' reads land here (see connect()); it is read to the end before the next read, which
 * is what lets every socket share it.
 */
const sharedReadBuffer = Buffer.alloc(64 * 1024);

/** The server sent nothing for the ping timeout (an answer to our PING included). */
export class IdleTimeoutError extends Error {}

export class SocketTransport extends EventEmitter implements Transport {
  private readonly options: SocketOptions;
  private socket: net.Socket | undefined;

  /** A new idle timeout for the open socket (a keepalive change on reload). */
  setIdleTimeout(ms: number): void {
    this.options.idleTimeoutMs = ms;
    this.socket?.setTimeout(ms);
  }
  private buffer: Buffer = Buffer.alloc(0);
  private connected = false;
  /** Writes are being gathered until the end of this turn (writeLine). */
  private corked = false;
  private lastError: Error | undefined;
  private readonly filter: PuppetLineFilter | undefined;
  /** Takes the connection out of the identd's registry (set while the TCP connection is open). */
  private unregisterIdent: (() => void) | undefined;

  constructor(clientOptions: ClientOptions) {
    super();
    this.options = clientOptions.bridgekit as SocketOptions;
    this.filter = this.options.onlyOwnTraffic ? new PuppetLineFilter() : undefined;
  }

  isConnected(): boolean {
    return this.connected;
  }

  setEncoding(): boolean {
    // Decoding is per line in onData(); irc-framework's single encoding does not apply.
    return true;
  }

  connect(): void {
    this.disposeSocket();
    this.buffer = Buffer.alloc(0);
    this.lastError = undefined;
    this.filter?.reset();
    const o = this.options;
    // An IPv6 source needs an IPv6 destination: resolve the host to its AAAA records only.
    const family = o.localAddress !== undefined && net.isIPv6(o.localAddress) ? { family: 6 } : {};
    // A puppet's plain socket reads into one buffer shared by all of them, through a callback:
    // other users' JOINs reach every puppet, and a read as a stream 'data' event (a new buffer,
    // the stream's bookkeeping, a tick) cost more than the filter that drops the line. TLS
    // decrypts into its own buffers; the bot keeps the stream (one connection).
    const reader = o.onlyOwnTraffic && !o.tls ? { onread: { buffer: sharedReadBuffer, callback: (n: number, buffer: Uint8Array) => this.onRead(n, buffer) } } : {};
    const tcp = net.connect({ host: o.host, port: o.port, localAddress: o.localAddress, ...family, ...reader });
    const socket = o.tls
      ? tls.connect({
        socket: tcp,
        servername: net.isIP(o.host) ? undefined : o.host,
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        rejectUnauthorized: o.rejectUnauthorized ?? true,
      })
      : tcp;
    if (o.tls) tcp.on('error', (error: Error) => { this.lastError = error; });
    // At TCP connect, before the TLS handshake and registration: servers ask identd right away.
    if (o.ident) tcp.once('connect', () => this.registerIdent(tcp));
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(o.idleTimeoutMs);
    socket.once(o.tls ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      this.emit('open');
    });
    if (!('onread' in reader)) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: Error) => {
      this.lastError = error;
    });
    socket.on('timeout', () => {
      this.lastError = new IdleTimeoutError(`No data from the IRC server for ${Math.round(this.options.idleTimeoutMs / 1000)} seconds`);
      socket.destroy();
    });
    socket.on('close', () => {
      this.dropIdent();
      this.connected = false;
      this.emit('close', this.lastError ?? false);
    });
  }

  writeLine(line: string, cb?: () => void): void {
    const socket = this.socket;
    if (socket && this.connected && !socket.destroyed) {
      // Lines written in one turn (registration's CAP LS, NICK and USER; a burst let through by
      // flood control) leave in one packet: one system call and one wakeup of the server each.
      if (!this.corked) {
        this.corked = true;
        socket.cork();
        process.nextTick(() => {
          this.corked = false;
          socket.uncork();
        });
      }
      socket.write(`${line}\r\n`, 'utf8', () => cb?.());
    } else if (cb) {
      process.nextTick(cb);
    }
  }

  close(force?: boolean): void {
    if (!this.socket) return;
    if (force || !this.connected) this.socket.destroy();
    else this.socket.end();
  }

  disposeSocket(): void {
    this.dropIdent();
    if (!this.socket) return;
    this.socket.removeAllListeners();
    // Errors after disposal are of no interest but must not crash the process.
    this.socket.on('error', () => undefined);
    this.socket.destroy();
    this.socket = undefined;
    this.connected = false;
  }

  private registerIdent(tcp: net.Socket): void {
    const ident = this.options.ident;
    const { localAddress, localPort, remoteAddress, remotePort } = tcp;
    if (!ident || !localAddress || !localPort || !remoteAddress || !remotePort) return;
    this.dropIdent();
    this.unregisterIdent = ident.registry.add({ localAddress, localPort, remoteAddress, remotePort }, ident.username);
  }

  private dropIdent(): void {
    this.unregisterIdent?.();
    this.unregisterIdent = undefined;
  }

  /** `n` bytes read into the shared buffer: what is left of a line must be copied out of it. */
  private onRead(n: number, buffer: Uint8Array): boolean {
    this.onData(Buffer.from(buffer.buffer, buffer.byteOffset, n));
    if (this.buffer.buffer === buffer.buffer) this.buffer = Buffer.from(this.buffer);
    return true; // keep reading
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let start = 0;
    for (let end = this.buffer.indexOf(0x0a, start); end !== -1; end = this.buffer.indexOf(0x0a, start)) {
      const stop = end > start && this.buffer[end - 1] === 0x0d ? end - 1 : end;
      // Another user's channel line is dropped from its bytes, never decoded (line-filter.ts).
      if (stop > start && !this.filter?.surelyForeign(this.buffer, start, stop)) {
        const line = decodeIrcLine(this.buffer.subarray(start, stop), this.options.fallbackEncoding);
        // A line irc-framework would throw on carries nothing usable (short-lines.ts).
        if ((!this.filter || this.filter.accept(line)) && !tooShortForIrcFramework(line)) this.emit('line', line);
      }
      start = end + 1;
    }
    this.buffer = this.buffer.subarray(start);
    if (this.buffer.length > MAX_LINE_BYTES) {
      this.lastError = new Error(`The IRC server sent a line longer than ${MAX_LINE_BYTES} bytes; the connection was dropped.`);
      this.socket?.destroy();
    }
  }
}
