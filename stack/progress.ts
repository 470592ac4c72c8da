/**
 * Start-up progress, one line per step: "Starting Synapse… ready in 2.1 s". The label is written
 * before the work begins so a slow step (the first Synapse start migrates a fresh database) shows
 * what it is waiting for.
 */
export type Write = (text: string) => void;


export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export class Progress {
  /** The step whose label is on screen without its outcome yet. */
  private open: symbol | undefined;

  constructor(
    private readonly write: Write,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs one step; `outcome` names how it ended ("ready", "done", or one chosen from the result). */
  async step<T>(label: string, work: () => Promise<T>, outcome: string | ((result: T) => string) = 'done'): Promise<T> {
    const token = Symbol(label);
    this.open = token;
    this.write(`${label}… `);
    const started = this.now();
    let result: T;
    try {
      result = await work();
    } catch (err) {
      this.close(token, `failed after ${seconds(this.now() - started)}`);
      throw err;
    }
    const word = typeof outcome === 'function' ? outcome(result) : outcome;
    this.close(token, `${word} in ${seconds(this.now() - started)}`);
    return result;
  }

  line(text: string): void {
    this.interrupt();
    this.write(`${text}\n`);
  }

  /** Ends the open step's line early (Ctrl-C); that step's own outcome is then not printed. */
  interrupt(why?: string): void {
    if (this.open !== undefined) {
      this.open = undefined;
      this.write(why ? `${why}\n` : '\n');
    } else if (why) {
      this.write(`\n${why}\n`);
    }
  }

  private close(token: symbol, text: string): void {
    if (this.open !== token) return;
    this.open = undefined;
    this.write(`${text}\n`);
  }
}
