/**
 * IRCv3 labeled-response: a request sent with `@label=<id>` gets its whole reply back in one
 * `BATCH +x labeled-response` carrying that label (or, for a one-line reply, the label on the
 * line). That says which reply answers which request, without guessing from the nick in it: a
 * "401 no such nick" inside the batch is that WHOIS's answer and nothing else, and two requests
 * about the same nick, or a nick that changed meanwhile, cannot be confused.
 *
 * irc-framework holds a batch's lines until the batch ends and then handles them all at once,
 * synchronously: so `during(label, ...)` around that moment tells the handlers which request the
 * lines they are seeing answer.
 */
import type { Client, ParsedMessage } from 'irc-framework';

/** Batches of labeled replies open at once beyond this are not tracked (a server bug, or hostile). */
const MAX_OPEN_BATCHES = 100;

export class LabeledReplies {
  private counter = 0;
  /** Open labeled-response batches: batch id → label. Made at the first, dropped once none is open (idle puppets hold none). */
  private batches: Map<string, string> | undefined;
  private current: string | undefined;

  /**
   * Watches `client`'s incoming lines; `ended(label)` runs once irc-framework has handled the
   * last line of a labeled reply (so a request whose answer had nothing it recognised can be
   * settled then), even if handling it threw.
   */
  watch(client: Client, ended: (label: string) => void): void {
    client.use((_c, rawMiddleware) => rawMiddleware.use((_cmd, message, _line, _c2, next) => {
      const label = this.observe(message);
      if (label === undefined) return next();
      try {
        // irc-framework handles a batch's lines inside next(): they answer this label.
        this.during(label, () => next());
      } finally {
        ended(label);
      }
    }));
  }

  /** A label for a new request: short, unique on this connection. */
  newLabel(): string {
    this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
    return `bk${this.counter.toString(36)}`;
  }

  /**
   * Sees every line before irc-framework handles it. Returns the label whose reply ends with
   * this line (the end of its batch, or a lone labeled line); undefined otherwise.
   */
  observe(message: ParsedMessage): string | undefined {
    const label = message.tags?.label;
    if (message.command === 'BATCH') {
      const ref = message.params[0] ?? '';
      const id = ref.slice(1);
      if (ref.startsWith('+') && message.params[1] === 'labeled-response' && label && (this.batches?.size ?? 0) < MAX_OPEN_BATCHES) {
        (this.batches ??= new Map()).set(id, label);
        return undefined;
      }
      if (ref.startsWith('-')) {
        const ended = this.batches?.get(id);
        if (this.batches?.delete(id) && this.batches.size === 0) this.batches = undefined;
        return ended;
      }
      return undefined;
    }
    return label && !message.tags?.batch ? label : undefined;
  }

  /** Runs `handle` (irc-framework handling the reply's lines) as the answer to `label`. */
  during(label: string, handle: () => void): void {
    this.current = label;
    try {
      handle();
    } finally {
      this.current = undefined;
    }
  }

  /** The label of the reply being handled right now, if any. */
  get answering(): string | undefined {
    return this.current;
  }

  /** The connection closed: open batches will never end. */
  clear(): void {
    this.batches = undefined;
    this.current = undefined;
  }
}
