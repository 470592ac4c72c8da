/**
 * A command the user got wrong or that cannot be done: the message is shown to them as it is,
 * so it says what to type instead. Anything else a handler throws is reported as a failure,
 * logged and counted.
 */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export function isCommandError(value: unknown): value is CommandError {
  return value instanceof CommandError;
}
