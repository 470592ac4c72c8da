export { createLogger } from './logger';
export type { ClosableLogger, LoggerOptions } from './logger';
export { redactText, redactValue, REDACTED } from './redact';
export type { Logger } from './types';
