import { BridgeError, ConfigError, errorMessage, isBridgeError } from './bridge-error';
import { ERROR_CODES, errorCodeTable } from './codes';

describe('BridgeError', () => {
  it('takes status, retriable and notifySender from the code registry', () => {
    const e = new BridgeError('CSAPI_RATE_LIMITED', 'The homeserver is rate-limiting the bridge; it will retry.');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('CSAPI_RATE_LIMITED');
    expect(e.httpStatus).toBe(429);
    expect(e.retriable).toBe(true);
    expect(e.notifySender).toBe(false);
    expect(isBridgeError(e)).toBe(true);
    expect(isBridgeError(new Error('x'))).toBe(false);
  });

  it('lets a caller override the defaults and keeps the cause', () => {
    const cause = new Error('socket hang up');
    const e = new BridgeError('CSAPI_REJECTED', 'Forbidden', { httpStatus: 403, notifySender: false, cause, details: { endpoint: '/send' } });
    expect(e.httpStatus).toBe(403);
    expect(e.notifySender).toBe(false);
    expect(e.retriable).toBe(false);
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ endpoint: '/send' });
  });
});

describe('ConfigError', () => {
  it('lists every problem with its key path in the message', () => {
    const e = new ConfigError('config.yaml', [
      { path: 'appservice.port', message: 'must be an integer between 1 and 65535' },
      { path: 'homeserver.url', message: 'is required' },
    ]);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e).toBeInstanceOf(BridgeError);
    expect(e.message).toContain('config.yaml has 2 problems');
    expect(e.message).toContain('  - appservice.port: must be an integer between 1 and 65535');
    expect(e.message).toContain('  - homeserver.url: is required');
    expect(e.problems).toHaveLength(2);
  });
});

describe('registry', () => {
  it('renders one table row per code', () => {
    const table = errorCodeTable();
    for (const code of Object.keys(ERROR_CODES)) expect(table).toContain(`| \`${code}\` |`);
    expect(table.split('\n')).toHaveLength(Object.keys(ERROR_CODES).length + 2);
  });

  it('has only retriable codes with 5xx/429 statuses', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      if (info.retriable) expect([code, info.httpStatus === 429 || info.httpStatus >= 500]).toEqual([code, true]);
    }
  });
});

describe('errorMessage', () => {
  it('reads errors, strings and other thrown values', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage({ errcode: 'M_FORBIDDEN' })).toBe('{"errcode":"M_FORBIDDEN"}');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
