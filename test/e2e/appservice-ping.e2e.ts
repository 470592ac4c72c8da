/**
 * Synapse → appservice wiring without the bridge: a stand-in HTTP server on the bridge's port
 * answers Synapse's ping. Proves the registration's url and hs_token are what the bridge will be
 * given, and how each failure surfaces.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readE2eEnv } from './harness/env';
import { appservicePing, MatrixApiError, registerUser } from './harness/matrix-client';
import { APPSERVICE_ID } from './harness/namespaces';

interface Received {
  method: string;
  url: string;
  authorized: boolean;
  body: unknown;
}

function tokenMatches(request: IncomingMessage, expected: string): boolean {
  const given = Buffer.from(request.headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${expected}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Answers POST /_matrix/app/v1/ping like an appservice would, or with `failWith` when set. */
async function startStandIn(options: { failWith?: number } = {}): Promise<{ server: Server; received: Received[] }> {
  const env = readE2eEnv();
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const authorized = tokenMatches(request, env.appservice.hsToken);
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({ method: request.method ?? '', url: request.url ?? '', authorized, body: text ? JSON.parse(text) : undefined });
      response.setHeader('Content-Type', 'application/json');
      if (options.failWith !== undefined) {
        response.statusCode = options.failWith;
        response.end(JSON.stringify({ errcode: 'M_UNKNOWN', error: 'stand-in told to fail' }));
      } else if (!authorized) {
        response.statusCode = 403;
        response.end(JSON.stringify({ errcode: 'M_FORBIDDEN', error: 'bad hs_token' }));
      } else if (request.method === 'POST' && request.url === '/_matrix/app/v1/ping') {
        response.end('{}');
      } else {
        response.statusCode = 404;
        response.end(JSON.stringify({ errcode: 'M_UNRECOGNIZED', error: 'not here' }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.appservice.port, '127.0.0.1', resolve);
  });
  return { server, received };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

async function pingError(asId: string, token: string): Promise<MatrixApiError> {
  const error = await appservicePing(asId, token).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof MatrixApiError)) throw new Error(`the ping was expected to fail with a Matrix error, got ${String(error)}`);
  return error;
}

describe('appservice ping (Synapse → the bridge port)', () => {
  it("reaches the registration's url with the hs_token and reports a duration", async () => {
    const env = readE2eEnv();
    const { server, received } = await startStandIn();
    try {
      const reply = await appservicePing(env.appservice.id, env.appservice.asToken, 'e2e-ping-1');
      expect(reply.durationMs).toBeGreaterThanOrEqual(0);
      expect(received).toEqual([{ method: 'POST', url: '/_matrix/app/v1/ping', authorized: true, body: { transaction_id: 'e2e-ping-1' } }]);
    } finally {
      await close(server);
    }
  });

  it('reports the status of an appservice that answers with an error (502 M_BAD_STATUS)', async () => {
    const env = readE2eEnv();
    const { server } = await startStandIn({ failWith: 500 });
    try {
      const error = await pingError(env.appservice.id, env.appservice.asToken);
      expect(error.status).toBe(502);
      expect(error.errcode).toBe('M_BAD_STATUS');
      expect(error.body).toMatchObject({ status: 500 });
    } finally {
      await close(server);
    }
  });

  it('reports an appservice that is not listening (502 M_CONNECTION_FAILED)', async () => {
    const env = readE2eEnv();
    const error = await pingError(env.appservice.id, env.appservice.asToken);
    expect(error.status).toBe(502);
    expect(error.errcode).toBe('M_CONNECTION_FAILED');
  });

  it('is refused to anyone but the appservice (403 M_FORBIDDEN)', async () => {
    const user = await registerUser();
    const error = await pingError(APPSERVICE_ID, user.accessToken);
    expect(error.status).toBe(403);
    expect(error.errcode).toBe('M_FORBIDDEN');
  });
});
