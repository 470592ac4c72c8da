/**
 * `TestLogger`: a `Logger` for testing a connector's parts on their own (without a whole
 * `createTestBridge`), which keeps every line so a test can assert on what was logged. It
 * redacts exactly as the bridge's logger does (the same functions), so a test that finds no
 * secret here finds none in production either.
 */
import { REDACTED, isSecretKey, prepareSecrets, redactText, redactValue } from '../log/redact';
import type { Logger } from '../log/types';

/** One line a `TestLogger` recorded, already redacted. */
export interface LoggedLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  /** The line's metadata, the parents' `child()` metadata included. */
  meta: Record<string, unknown>;
}

/** A recording logger; `child()` loggers record into the same `lines` and share the secrets. */
export class TestLogger implements Logger {
  /**
   * @param lines where lines are recorded (shared with children)
   * @param secrets values replaced wherever they appear, as `ctx.addSecret` registers them
   */
  constructor(
    readonly lines: LoggedLine[] = [],
    readonly secrets: Set<string> = new Set(),
    private readonly base: Record<string, unknown> = {},
  ) {}

  error(message: string, meta?: Record<string, unknown>): void { this.record('error', message, meta); }
  warn(message: string, meta?: Record<string, unknown>): void { this.record('warn', message, meta); }
  info(message: string, meta?: Record<string, unknown>): void { this.record('info', message, meta); }
  debug(message: string, meta?: Record<string, unknown>): void { this.record('debug', message, meta); }

  child(meta: Record<string, unknown>): Logger {
    return new TestLogger(this.lines, this.secrets, { ...this.base, ...meta });
  }

  /** Redacts `secret` from every line recorded from now on. */
  addSecret(secret: string): void {
    this.secrets.add(secret);
  }

  /** The messages logged at `level`, in order. */
  messages(level?: LoggedLine['level']): string[] {
    return this.lines.filter((l) => level === undefined || l.level === level).map((l) => l.message);
  }

  private record(level: LoggedLine['level'], message: string, meta?: Record<string, unknown>): void {
    const known = prepareSecrets(this.secrets);
    const redacted: Record<string, unknown> = {};
    for (const [key, value] of Object.entries({ ...this.base, ...meta })) redacted[key] = isSecretKey(key) ? REDACTED : redactValue(value, known);
    this.lines.push({ level, message: redactText(message, known), meta: redacted });
  }
}
