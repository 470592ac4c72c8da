import { MatrixError, NetworkError } from '../csapi/errors';
import type { Logger } from '../log/types';
import { diagnosePingFailure, startPingLoop } from './homeserver-ping';

interface Line { level: string; message: string; meta?: Record<string, unknown> }

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) => void lines.push({ level, message, meta });
  const log: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: () => log };
  return log;
}

const ENDPOINT = 'POST /_matrix/client/v1/appservice/{appserviceId}/ping';
const refused = (errcode: string, status: number, message = '') => new MatrixError(errcode, status, message, ENDPOINT);
const unreachable = () => new NetworkError('unreachable', ENDPOINT, 'http://127.0.0.1:8008', new Error('connect ECONNREFUSED'));

/** A ping that fails with `failures` in turn, then succeeds; the clock is a counter the fake sleep moves. */
function scripted(failures: Error[], durationMs = 7) {
  const clock = { now: 0 };
  const waits: number[] = [];
  let calls = 0;
  return {
    clock, waits,
    calls: () => calls,
    ping: async () => {
      const failure = failures[calls++];
      if (failure) throw failure;
      return { durationMs };
    },
    sleep: async (ms: number) => {
      waits.push(ms);
      clock.now += ms;
    },
  };
}

describe('the start-up ping loop', () => {
  it('keeps pinging with the backoff until the homeserver reaches the bridge, then logs that it did with the duration', async () => {
    const lines: Line[] = [];
    const script = scripted([unreachable(), unreachable(), refused('M_AS_PING_CONNECTION_FAILED', 502), refused('M_AS_PING_CONNECTION_FAILED', 502)]);
    const loop = startPingLoop({
      ping: script.ping, log: recordingLogger(lines), appserviceId: 'irc', registrationUrl: 'http://127.0.0.1:8090',
      sleep: script.sleep, now: () => script.clock.now, random: () => 0.5, baseMs: 1000, capMs: 4000,
    });
    await expect(loop.done).resolves.toBe('reached');
    expect(script.calls()).toBe(5);
    // The core's retry delay with full jitter at 0.5: half of min(cap, base * 2^attempt).
    expect(script.waits).toEqual([500, 1000, 2000, 2000]);
    expect(lines.filter((l) => l.level !== 'debug').map((l) => [l.level, l.message])).toEqual([
      ['warn', expect.stringMatching(/^Cannot reach the homeserver yet \(check homeserver\.url/)],
      ['warn', expect.stringMatching(/^The homeserver cannot reach the bridge at the registration's url http:\/\/127\.0\.0\.1:8090 \(M_AS_PING_CONNECTION_FAILED\)/)],
      ['info', 'Homeserver reached the bridge'],
    ]);
    // The same cause again is not repeated at warn level.
    expect(lines.filter((l) => l.level === 'debug')).toHaveLength(2);
    expect(lines.at(-1)!.meta).toEqual({ durationMs: 7, attempts: 5, sinceStartMs: 5500 });
  });

  it('names the fix for a refused as_token (401 M_UNKNOWN_TOKEN, 403 M_FORBIDDEN) and keeps trying, since the homeserver may be restarted with the file', async () => {
    const lines: Line[] = [];
    const script = scripted([refused('M_UNKNOWN_TOKEN', 401, 'Invalid access token')]);
    const loop = startPingLoop({ ping: script.ping, log: recordingLogger(lines), appserviceId: 'irc', registrationUrl: null, sleep: script.sleep, random: () => 0 });
    await expect(loop.done).resolves.toBe('reached');
    const error = lines.find((l) => l.level === 'error')!;
    expect(error.message).toMatch(/does not accept the bridge's as_token \(M_UNKNOWN_TOKEN\): as_token mismatch.*app_service_config_files.*restart the homeserver/);
    // Never a zero wait, even when the jitter draws 0.
    expect(script.waits).toEqual([250]);
  });

  it('stops at once when the bridge stops, without logging success', async () => {
    const lines: Line[] = [];
    let release: () => void = () => undefined;
    const loop = startPingLoop({
      ping: () => Promise.reject(unreachable()),
      log: recordingLogger(lines), appserviceId: 'irc', registrationUrl: null,
      sleep: (_ms, signal) => new Promise<void>((resolve) => {
        release = resolve;
        signal.addEventListener('abort', () => resolve());
      }),
    });
    await new Promise((resolve) => setImmediate(resolve));
    loop.stop();
    await expect(loop.done).resolves.toBe('stopped');
    release();
    expect(lines.some((l) => l.level === 'info')).toBe(false);
  });

  it('gives up quietly on a homeserver without the ping endpoint', async () => {
    const lines: Line[] = [];
    const script = scripted([refused('M_UNRECOGNIZED', 404)]);
    const loop = startPingLoop({ ping: script.ping, log: recordingLogger(lines), appserviceId: 'irc', registrationUrl: null, sleep: script.sleep });
    await expect(loop.done).resolves.toBe('unsupported');
    expect(script.calls()).toBe(1);
    expect(lines.map((l) => l.level)).toEqual(['info']);
  });

  it('waits what a 429 asks before the next ping', async () => {
    const script = scripted([new MatrixError('M_LIMIT_EXCEEDED', 429, 'slow down', ENDPOINT, 12_345)]);
    const loop = startPingLoop({ ping: script.ping, log: recordingLogger([]), appserviceId: 'irc', registrationUrl: null, sleep: script.sleep, random: () => 0.5 });
    await loop.done;
    expect(script.waits).toEqual([12_345]);
  });
});

describe('diagnosePingFailure', () => {
  it.each([
    ['401 M_UNKNOWN_TOKEN', refused('M_UNKNOWN_TOKEN', 401), 'as-token', 'error', /as_token mismatch/],
    ['403 M_FORBIDDEN', refused('M_FORBIDDEN', 403), 'as-token', 'error', /appservice "irc" \(M_FORBIDDEN\): as_token mismatch, the token belongs to a registration with another id/],
    ['502 M_AS_PING_CONNECTION_FAILED', refused('M_AS_PING_CONNECTION_FAILED', 502), 'bridge-unreachable', 'warn', /registration's url http:\/\/b:8090.*appservice\.bind_address and port/],
    ['504 M_AS_PING_CONNECTION_TIMEOUT', refused('M_AS_PING_CONNECTION_TIMEOUT', 504), 'bridge-unreachable', 'warn', /cannot reach the bridge/],
    ['502 M_AS_PING_BAD_STATUS', refused('M_AS_PING_BAD_STATUS', 502, 'Remote appservice returned HTTP 403'), 'bridge-refused', 'error', /answered with an error \(Remote appservice returned HTTP 403\): usually an hs_token mismatch/],
    ['no url', refused('M_AS_PING_URL_NOT_SET', 400), 'unsupported', 'warn', /no url/],
    ['network', unreachable(), 'homeserver-unreachable', 'warn', /check homeserver\.url/],
    ['500 M_UNKNOWN', refused('M_UNKNOWN', 500), 'other', 'warn', /\(M_UNKNOWN\)/],
  ])('%s', (_what, err, kind, level, message) => {
    const diagnosis = diagnosePingFailure(err, 'irc', 'http://b:8090');
    expect(diagnosis).toMatchObject({ kind, level });
    expect(diagnosis.message).toMatch(message);
  });
});
