/**
 * With IRCv3 echo-message the server sends each of our PRIVMSG/NOTICE lines back to us once it
 * has accepted them, with the msgid it gave them. `EchoWaiters` matches those echoes to the lines
 * we sent, so a send can resolve with "reached the server, as msgid X" instead of assuming.
 * Echoes come back in the order the lines were sent, but not always verbatim (a channel that
 * strips colours echoes the stripped text), so an echo settles the waiter with the same text,
 * else the oldest one for the same target and kind.
 * A line the server refuses never comes back: its waiter settles with `undefined` when the
 * server reports the refusal for that target, when the connection closes, or after `timeoutMs`.
 */
import type { Clock, TimerHandle } from './clock';
import type { IrcConnectionEvents } from './events';

export interface EchoExpectation {
  /** Casefolded target. */
  target: string;
  kind: 'privmsg' | 'notice' | 'action';
  text: string;
}

interface Waiter extends EchoExpectation {
  resolve(msgid: string | undefined): void;
  timer: TimerHandle;
}

export class EchoWaiters {
  private readonly waiting: Waiter[] = [];

  constructor(private readonly clock: Clock, private readonly timeoutMs: number) {}

  get size(): number {
    return this.waiting.length;
  }

  /**
   * `promise` resolves with the echo's msgid ('' when the echo had none), or undefined when none
   * came; `cancel` settles it with undefined at once (the line was never written).
   */
  expect(line: EchoExpectation): { promise: Promise<string | undefined>; cancel(): void } {
    let cancel = (): void => undefined;
    const promise = new Promise<string | undefined>((resolve) => {
      const waiter: Waiter = {
        ...line,
        resolve: (msgid) => {
          this.clock.clearTimeout(waiter.timer);
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          resolve(msgid);
        },
        timer: this.clock.setTimeout(() => waiter.resolve(undefined), this.timeoutMs),
      };
      cancel = () => waiter.resolve(undefined);
      this.waiting.push(waiter);
    });
    return { promise, cancel };
  }

  /** An echo arrived: settles the oldest waiter for the same line. */
  echoed(echo: EchoExpectation, msgid: string | undefined): void {
    const sameLine = (w: Waiter) => w.target === echo.target && w.kind === echo.kind;
    const waiter = this.waiting.find((w) => sameLine(w) && w.text === echo.text) ?? this.waiting.find(sameLine);
    waiter?.resolve(msgid ?? '');
  }

  /** The server refused a line to `target` (404, 401, ...): the oldest waiter for it gets no echo. */
  refused(target: string): void {
    this.waiting.find((w) => w.target === target)?.resolve(undefined);
  }

  /**
   * Every event of the connection passes here before its listeners: our own message coming back
   * is an echo, a server error naming a target a refusal. `names.fold` casefolds a target.
   */
  observe<E extends keyof IrcConnectionEvents>(event: E, value: IrcConnectionEvents[E], names: { fold(name: string): string }): void {
    if (event === 'message') {
      const e = value as IrcConnectionEvents['message'];
      if (e.self && !e.fromServer) this.echoed({ target: names.fold(e.target), kind: e.kind, text: e.text }, e.msgid);
    } else if (event === 'serverError') {
      const e = value as IrcConnectionEvents['serverError'];
      const target = e.channel ?? e.nick;
      if (target) this.refused(names.fold(target));
    }
  }

  /** The connection closed: no echo will come for anything still waiting. */
  clear(): void {
    for (const waiter of [...this.waiting]) waiter.resolve(undefined);
  }
}
