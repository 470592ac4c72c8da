import { relative } from 'node:path';
import { tailFile } from '../test/e2e/harness/processes';

/** Text shown under an error, e.g. the end of the log of the process that failed. */
export interface ErrorDetails {
  title: string;
  text: string;
}

/** A path as short as it can be said from the current directory (absolute when outside it). */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}

export function logTail(path: string, text: string = tailFile(path, 30)): ErrorDetails {
  return { title: `Last lines of ${shown(path)}`, text };
}

/**
 * A failure the person running the stack can act on: what went wrong, what to do about it, and
 * (for a process that died or never came up) the end of its log.
 */
export class StackError extends Error {
  constructor(
    message: string,
    /** What to do next, e.g. which environment variable picks another port. */
    readonly hint?: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = 'StackError';
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The first line of a harness launcher's error, without its trailing "last lines of <log>:"
 * (the log tail is shown separately, indented under the error).
 */
export function summaryOf(err: unknown): string {
  return (messageOf(err).split('\n')[0] ?? '').replace(/[;:]? *last lines of \S+:$/, '');
}
