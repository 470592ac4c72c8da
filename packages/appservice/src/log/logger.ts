import { createWriteStream } from 'node:fs';
import winston from 'winston';
import type { BridgeConfig } from '../config/types';
import { REDACTED, isSecretKey, prepareSecrets, redactText, redactValue } from './redact';
import type { Logger } from './types';

export interface ClosableLogger extends Logger {
  /** Flushes and closes the log file (stderr stays open). */
  close(): Promise<void>;
  /**
   * Opens the log file again by its path and moves logging to it (the old one is flushed and
   * closed), so a log rotated away by moving the file gets a fresh file. False without a file.
   */
  reopenFile(): boolean;
  /** Changes the level from the next line on (a config reload). */
  setLevel(level: BridgeConfig['logging']['level']): void;
}

/** Where a logger writes besides its configured outputs. */
export interface LoggerOptions {
  /** Where the "stderr" output goes; tests pass their own stream. */
  stream?: NodeJS.WritableStream;
}

// The key order of a text line: these first, then the rest as JSON.
const STANDARD_KEYS = new Set(['level', 'message', 'timestamp']);

/**
 * The bridge's logger: winston writing to stderr (and a file if configured), as readable text
 * or one JSON object per line. `secrets()` is asked on every entry, so tokens learned later (a
 * user's stored IRC password) are redacted too; secret-named keys and credential-shaped text
 * (access_token=..., Bearer ...) are redacted always.
 */
export function createLogger(cfg: BridgeConfig['logging'], secrets: () => string[] = () => [], opts: LoggerOptions = {}): ClosableLogger {
  const redact = winston.format((info) => {
    const known = prepareSecrets(secrets());
    for (const key of Object.keys(info)) {
      if (key === 'level') continue;
      if (key === 'message') info.message = typeof info.message === 'string' ? redactText(info.message, known) : redactValue(info.message, known);
      else info[key] = isSecretKey(key) ? REDACTED : redactValue(info[key], known);
    }
    return info;
  });
  const render =
    cfg.format === 'json'
      ? winston.format.json()
      : winston.format.printf((info) => {
          const meta = Object.fromEntries(Object.entries(info).filter(([k]) => !STANDARD_KEYS.has(k)));
          const tail = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
          return `${String(info.timestamp)} ${info.level.toUpperCase().padEnd(5)} ${String(info.message)}${tail}`;
        });

  // Logs are redacted but still describe users' activity: owner-readable only.
  const errorOutput = opts.stream ?? process.stderr;
  const openFile = (path: string) => {
    const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    // A log file that cannot be written (its directory removed, disk full) must not kill the
    // bridge with an unhandled 'error' event: say so once on stderr, which keeps logging.
    let reported = false;
    stream.on('error', (err) => {
      if (!reported) errorOutput.write(`Cannot write the log file ${path}: ${err.message}; logging continues on stderr only\n`);
      reported = true;
    });
    return { stream, transport: new winston.transports.Stream({ stream }) };
  };
  const stderr = new winston.transports.Stream({ stream: errorOutput });
  let file = cfg.file ? openFile(cfg.file) : undefined;
  const logger = winston.createLogger({
    level: cfg.level,
    format: winston.format.combine(redact(), winston.format.timestamp(), render),
    transports: file ? [stderr, file.transport] : [stderr],
  });

  let closing: Promise<void> | undefined;
  // Work that outlives the shutdown (a task rejected as the store closed) may still log: winston
  // would throw "write after end" from inside it. Such a line goes to stderr as one redacted
  // sentence (its metadata is not rendered, so nothing unredacted can slip out), or nowhere.
  const afterClose = (level: string, message: string): void => {
    if (level === 'debug' || !errorOutput.writable) return;
    errorOutput.write(`${level}: ${redactText(message, prepareSecrets(secrets()))} (logged after the logger closed)\n`);
  };
  const wrap = (w: winston.Logger): Logger => {
    // winston runs the formats (redaction walks every value, then the line is rendered) before
    // its transports drop an entry below the level, so an entry is checked against the level first.
    const enabled = { error: () => w.isErrorEnabled(), warn: () => w.isWarnEnabled(), info: () => w.isInfoEnabled(), debug: () => w.isDebugEnabled() };
    const at = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, meta?: Record<string, unknown>): void => {
      if (!enabled[level]()) return;
      if (closing) afterClose(level, message);
      else w[level](message, meta);
    };
    return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: (meta) => wrap(w.child(meta)) };
  };

  return {
    ...wrap(logger),
    setLevel(level) {
      logger.level = level;
    },
    reopenFile() {
      if (!cfg.file || !file || closing) return false;
      const old = file;
      file = openFile(cfg.file);
      // Add before remove: no line is written to neither file.
      logger.add(file.transport);
      logger.remove(old.transport);
      old.stream.end();
      return true;
    },
    close() {
      closing ??= (async () => {
        const transports = file ? [stderr, file.transport] : [stderr];
        const finished = transports.map((t) => new Promise<void>((resolve) => t.once('finish', () => resolve())));
        logger.end();
        await Promise.all(finished);
        if (file) {
          const f = file.stream;
          await new Promise<void>((resolve, reject) => {
            f.once('error', reject);
            f.end(() => resolve());
          });
        }
      })();
      return closing;
    },
  };
}
