/**
 * JOINs asked for in one turn of the event loop leave as few lines as fit: `JOIN #a,#b,#c`
 * (RFC 1459 §4.2.1). A bot that (re)joins 1,000 channels at start-up or after a reconnect then
 * sends about 30 lines through flood control instead of 1,000: at the default 0.5 lines/s that
 * is a minute instead of half an hour, and it fits the default send queue of 200 lines, which
 * one line per channel overflowed. Channels with a key keep a line of their own (a key list
 * would have to line up with the channel list, and they are rare).
 */

/** Bytes of one JOIN line at most, CRLF excluded: well inside the 512 of RFC 1459 (some servers count the prefix they add). */
export const MAX_JOIN_LINE_BYTES = 450;

interface Asked {
  channel: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class JoinLines {
  private asked: Asked[] = [];

  /**
   * `send` writes one line through flood control and settles when it was written (or could not
   * be); `maxTargets` is the server's limit of channels per JOIN (ISUPPORT TARGMAX), if it has one.
   */
  constructor(
    private readonly send: (line: string) => Promise<unknown>,
    private readonly maxTargets: () => number | undefined = () => undefined,
    private readonly maxBytes = MAX_JOIN_LINE_BYTES,
  ) {}

  /**
   * Queues a JOIN of `channel` (already checked: no comma, space or line break). Resolves once the
   * line carrying it was written; rejects with that line's send error.
   */
  add(channel: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.asked.push({ channel, resolve, reject });
      // Everything asked for in the same synchronous run (a loop over the wanted channels) shares lines.
      if (this.asked.length === 1) queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    const asked = this.asked;
    this.asked = [];
    let line: Asked[] = [];
    let bytes = 'JOIN '.length;
    const targets = this.maxTargets() ?? Number.POSITIVE_INFINITY;
    for (const a of asked) {
      const size = Buffer.byteLength(a.channel) + (line.length > 0 ? 1 : 0);
      if (line.length > 0 && (bytes + size > this.maxBytes || line.length >= targets)) {
        this.write(line);
        line = [];
        bytes = 'JOIN '.length;
      }
      line.push(a);
      bytes += Buffer.byteLength(a.channel) + (line.length > 1 ? 1 : 0);
    }
    if (line.length > 0) this.write(line);
  }

  private write(line: readonly Asked[]): void {
    this.send(`JOIN ${line.map((a) => a.channel).join(',')}`).then(
      () => { for (const a of line) a.resolve(); },
      (error: Error) => { for (const a of line) a.reject(error); },
    );
  }
}
