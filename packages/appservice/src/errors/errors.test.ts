import { MatrixError, NetworkError } from '../csapi/errors';
import { BridgeError, ConfigError, errorMessage, isBridgeError, userMessageOf } from './bridge-error';
import { CHECK_THE_LOG, ERROR_CODES, errorCodeTable } from './codes';

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

describe('two audiences: the room and the log', () => {
  const endpoint = 'PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}';

  it("gives the room the code's sentence unless the thrower wrote one", () => {
    expect(new BridgeError('EVENT_UNSUPPORTED', 'no onReaction capability').userMessage).toBe('This kind of message cannot be bridged.');
    expect(new BridgeError('REMOTE_REJECTED', 'ERR_CANNOTSENDTOCHAN', { userMessage: '#chan is moderated.' }).userMessage).toBe('#chan is moderated.');
  });

  it('maps MatrixError and NetworkError to the generic sentence, keeping the details in the message', () => {
    const forbidden = new MatrixError('M_FORBIDDEN', 403, 'not in room', endpoint);
    const down = new NetworkError('unreachable', endpoint, 'http://hs.internal:8008', new Error('ECONNREFUSED'));
    for (const err of [forbidden, down, new MatrixError('M_UNKNOWN', 502, 'bad gateway', endpoint)]) {
      expect(userMessageOf(err)).toBe(CHECK_THE_LOG);
      expect(err.message).toContain(endpoint);
    }
    expect(forbidden.message).toContain('403 M_FORBIDDEN: not in room');
    expect(userMessageOf(new MatrixError('M_LIMIT_EXCEEDED', 429, 'slow down', endpoint))).toMatch(/try again in a minute/);
  });

  it('never lets the text of an unknown error reach the room', () => {
    expect(userMessageOf(new Error('ECONNRESET at /var/lib/bridge'))).toBe(CHECK_THE_LOG);
    expect(userMessageOf('a string')).toBe(CHECK_THE_LOG);
  });

  it('has a short sentence for every code, with no path, status code or Matrix errcode in it', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect([code, info.userMessage.length > 10 && info.userMessage.length < 120]).toEqual([code, true]);
      expect([code, /\/_matrix|\b[1-5]\d\d\b|\bM_[A-Z_]+|[A-Z]+_[A-Z_]+/.test(info.userMessage)]).toEqual([code, false]);
    }
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
