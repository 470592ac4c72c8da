/**
 * A failure the person running the stack can act on: what went wrong, what to do about it, and
 * (for a process that died or never came up) the end of its log.
 */
export class StackError extends Error {
  constructor(
    message: string,
    /** What to do next, e.g. which environment variable picks another port. */
    readonly hint?: string,
    /** The last lines of the log of the process concerned. */
    readonly logTail?: { path: string; text: string },
  ) {
    super(message);
    this.name = 'StackError';
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
