/**
 * Registering a connection, from the socket opening to the end of the MOTD: the nick tried next
 * after a collision (433/436/437), SASL (903, or why not), the server's refusals (registration-
 * refusals.ts), and the bounds (no 001 in time; no MOTD within a grace after 001). What comes
 * after 001 and is not part of registration goes to the connection (`afterWelcome`).
 */
import type { Client, ParsedMessage } from 'irc-framework';
import { buildLine } from '../format/sanitize';
import type { IrcNick } from '../mapping/ids';
import type { Clock, TimerHandle } from './clock';
import type { IrcConnectOptions } from './connect-options';
import { IrcError } from './errors';
import { registrationRefusal } from './registration-refusals';

/** After 001 we wait this long for the end of the MOTD (and the ISUPPORT lines before it). */
const MOTD_GRACE_MS = 5_000;

/** One registration attempt: the nicks it may try, and how it reports the outcome. */
export interface HandshakeAttempt {
  /** The nicks to try in turn; the first is already in use as the registering nick. */
  readonly candidates: Iterator<IrcNick>;
  /** Called at the server's first line (it accepted the connection). */
  readonly accepted?: (() => void) | undefined;
  /** Called once, synchronously: registered (no error), or refused / failed. */
  settled(error?: IrcError): void;
}

/** What the handshake reads and changes on its connection (the same object for every attempt). */
export interface HandshakeHost {
  readonly options: IrcConnectOptions;
  readonly clock: Clock;
  nick(): IrcNick;
  setNick(nick: IrcNick): void;
  saslDone(): boolean;
  noteSaslDone(): void;
  /** A 005 arrived: ISUPPORT values read before are stale. */
  noteIsupport(): void;
  /** The server's ERROR line: why it is about to close the connection. */
  noteServerError(message: string | undefined): void;
  /** A line after 001 that is not part of registration (replies to commands). */
  afterWelcome(message: ParsedMessage): void;
  onError(error: Error): void;
}

export class RegistrationHandshake {
  private timer: TimerHandle | undefined;
  private welcomed = false;
  private done = false;
  private heard = false;

  constructor(private readonly client: Client, private readonly host: HandshakeHost, private readonly attempt: HandshakeAttempt) {
    const o = host.options;
    const timeoutMs = o.registrationTimeoutMs ?? 30_000;
    this.timer = host.clock.setTimeout(() => this.finish(new IrcError('IRC_REGISTRATION_TIMEOUT',
      `${o.host}:${o.port} did not complete registration within ${Math.round(timeoutMs / 1000)} seconds; the server may be overloaded or not an IRC server.`)), timeoutMs);
    client.use((_c, rawMiddleware) => rawMiddleware.use((_cmd, message, _line, _c2, next) => {
      try {
        this.onLine(message);
      } catch (error) {
        host.onError(error instanceof Error ? error : new Error(String(error)));
      }
      next();
    }));
    client.on('sasl failed', (e) => {
      // Optional SASL on a server without it: register anyway, the caller identifies another way.
      if ((e.reason === 'capability_missing' && o.sasl?.optional) || this.saslMayFail()) return;
      this.finish(new IrcError('IRC_SASL_FAILED', `SASL login to ${o.host} failed (${e.reason}); check the SASL settings, or remove them if the server has no SASL.`));
    });
  }

  /** Ends the handshake with `error` (the connection closed before registration); nothing once settled. */
  finish(error?: IrcError): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.attempt.settled(error);
    if (error) this.client.connection.end(undefined, true);
  }

  private onLine(message: ParsedMessage): void {
    const { host } = this;
    if (!this.heard) {
      this.heard = true;
      this.attempt.accepted?.();
    }
    const o = host.options;
    const command = message.command;
    const refusal = this.welcomed ? undefined : registrationRefusal(message, o.host, host.nick());
    if (command === '001') {
      this.welcomed = true;
      // A server without CAP (or with CAP but nothing we asked for) never says "no SASL".
      if (o.sasl && !o.sasl.optional && !host.saslDone()) {
        this.finish(new IrcError('IRC_SASL_FAILED', `${o.host} does not offer SASL, so the SASL login could not happen; remove the SASL settings for this network, or identify another way.`));
      }
      host.setNick((message.params[0] ?? host.nick()) as IrcNick);
      if (this.timer !== undefined) host.clock.clearTimeout(this.timer);
      this.timer = host.clock.setTimeout(() => this.finish(), MOTD_GRACE_MS);
    } else if ((command === '376' || command === '422') && this.welcomed) {
      this.finish();
    } else if (command === '005') {
      host.noteIsupport();
    } else if (command === '903') {
      host.noteSaslDone();
    } else if (command === 'ERROR') {
      host.noteServerError(message.params[message.params.length - 1]);
    } else if (!this.welcomed && (command === '433' || command === '437' || command === '436')) {
      const next = this.attempt.candidates.next();
      if (next.done) this.finish(new IrcError('IRC_NICK_UNAVAILABLE', `Every nick tried for ${o.nick} is in use on ${o.host}; choose another nick.`));
      else {
        host.setNick(next.value);
        this.client.raw(buildLine('NICK', [next.value]));
      }
    } else if (refusal && !(refusal.code === 'IRC_SASL_FAILED' && this.saslMayFail())) {
      this.finish(refusal);
    } else if (this.welcomed) {
      host.afterWelcome(message);
    }
  }

  /** An optional EXTERNAL login that is refused lets registration go on without it. */
  private saslMayFail(): boolean {
    const { sasl } = this.host.options;
    return sasl?.mechanism === 'EXTERNAL' && sasl.optional === true;
  }
}
