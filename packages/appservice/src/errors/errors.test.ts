import { MatrixError, NetworkError } from '../csapi/errors';
import { BridgeError, ConfigError, errorMessage, isBridgeError, isRetriable, userMessageOf } from './bridge-error';
import { CHECK_THE_LOG, ERROR_CODES } from './codes';
import { defineErrorCodes, errorCodeInfo, errorCodeTable, registeredErrorCodes } from './registry';

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
    expect(table.split('\n')).toHaveLength(registeredErrorCodes().length + 2);
  });

  it('has only retriable codes with 5xx/429 statuses', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      if (info.retriable) expect([code, info.httpStatus === 429 || info.httpStatus >= 500]).toEqual([code, true]);
    }
  });
});

describe('defineErrorCodes: connectors extend the registry', () => {
  const TEST_CODES = defineErrorCodes({
    TESTNET_UNREACHABLE: {
      httpStatus: 502, retriable: true, notifySender: true,
      summary: 'The test network did not answer.', userMessage: 'The test network is down; try again in a minute.',
    },
    TESTNET_REFUSED: {
      httpStatus: 502, retriable: false, notifySender: true,
      summary: 'The test network refused.', userMessage: 'The test network refused the message; check the room settings.',
    },
  });
  type TestCode = keyof typeof TEST_CODES;
  class TestNetError extends BridgeError<TestCode> {}

  it("gives a connector's error its code's defaults, typed by the connector's union", () => {
    const e = new TestNetError('TESTNET_UNREACHABLE', 'connect ECONNREFUSED 10.0.0.1:443');
    expect(e).toBeInstanceOf(BridgeError);
    expect([e.code, e.httpStatus, e.retriable, e.notifySender]).toEqual(['TESTNET_UNREACHABLE', 502, true, true]);
    expect(e.userMessage).toBe('The test network is down; try again in a minute.');
    expect(userMessageOf(e)).toBe(e.userMessage);
    // BridgeError itself takes them when told the union; the core's codes stay its default.
    expect(new BridgeError<TestCode>('TESTNET_REFUSED', 'x').retriable).toBe(false);
    // @ts-expect-error: not a TestCode
    expect(() => new TestNetError('NOT_A_CODE', 'x')).toThrow(/Unknown error code "NOT_A_CODE"/);
    // @ts-expect-error: a connector's code is not one of the core's without the type argument
    expect(new BridgeError('TESTNET_REFUSED', 'x').code).toBe('TESTNET_REFUSED');
  });

  it('lists connector codes after the core ones in the one lookup and the docs table', () => {
    expect(errorCodeInfo('TESTNET_REFUSED').retriable).toBe(false);
    const codes = registeredErrorCodes().map(([code]) => code);
    expect(codes.slice(0, Object.keys(ERROR_CODES).length)).toEqual(Object.keys(ERROR_CODES));
    expect(codes).toContain('TESTNET_REFUSED');
    expect(errorCodeTable()).toContain('| `TESTNET_REFUSED` | 502 | no | yes |');
  });

  it('accepts the same definition twice (a module loaded again) but refuses a clash or a core code', () => {
    expect(() => defineErrorCodes({ TESTNET_REFUSED: { ...TEST_CODES.TESTNET_REFUSED } })).not.toThrow();
    expect(() => defineErrorCodes({ TESTNET_REFUSED: { ...TEST_CODES.TESTNET_REFUSED, retriable: true } })).toThrow(/TESTNET_REFUSED: already defined differently/);
    expect(() => defineErrorCodes({ CSAPI_REJECTED: { ...TEST_CODES.TESTNET_REFUSED } })).toThrow(/already defined by the core/);
    expect(() => defineErrorCodes({ lowercase: { ...TEST_CODES.TESTNET_REFUSED } })).toThrow(/upper-case words/);
  });
});

describe('isRetriable: the one notion of "try again later"', () => {
  it('reads the error, its override, a foreign copy, and treats anything else as an unexpected (retriable) failure', () => {
    expect(isRetriable(new BridgeError('CSAPI_UNAVAILABLE', 'x'))).toBe(true);
    expect(isRetriable(new BridgeError('CSAPI_REJECTED', 'x'))).toBe(false);
    expect(isRetriable(new BridgeError('CSAPI_UNAVAILABLE', 'x', { retriable: false }))).toBe(false);
    expect(isRetriable({ retriable: false, message: 'from another copy of the core' })).toBe(false);
    expect(isRetriable(new TypeError('x is undefined'))).toBe(true);
    expect(isRetriable(new MatrixError('M_FORBIDDEN', 403, 'no', 'PUT /send'))).toBe(false);
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
