/**
 * Synapse → appservice wiring without the bridge: a stand-in HTTP server on the bridge's port
 * answers Synapse's ping. Proves the registration's url and hs_token are what the bridge will be
 * given, and how each failure surfaces.
 *
 * The homeserver is shared by the whole run and its appservice queue is not empty: a successful
 * ping makes Synapse retry at once the transactions an earlier file's bridge left undelivered, and
 * they arrive at this listener too. So the stand-in accepts transactions like an appservice would,
 * and every assertion picks this test's own ping out by its transaction ID.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readE2eEnv } from './harness/env';
import { appservicePing, MatrixApiError, MatrixClient, registerUser, uniqueLocalpart } from './harness/matrix-client';
import { APPSERVICE_ID, senderUserId } from './harness/namespaces';
import { pollUntil } from './harness/wait';

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
      } else if (request.method === 'PUT' && request.url?.startsWith('/_matrix/app/v1/transactions/')) {
        // Whatever the queue holds (other files' rooms included) is taken, as a bridge would.
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

/**
 * Asserts the stand-in got this test's ping, as Synapse must send it, whatever else arrived.
 * At least once, not exactly: when Synapse answers 502 AlreadyCancelled (a pooled connection of
 * its own gone stale) the harness pings again with the same ID, and that ping may have arrived.
 */
function expectPingReceived(received: readonly Received[], transactionId: string): void {
  const withId = received.filter((r) => (r.body as { transaction_id?: unknown } | undefined)?.transaction_id === transactionId);
  expect(withId.length).toBeGreaterThan(0);
  for (const request of withId) expect(request).toEqual({ method: 'POST', url: '/_matrix/app/v1/ping', authorized: true, body: { transaction_id: transactionId } });
}

/** The events of `roomId` among the transactions the stand-in received. */
function transactionEventsIn(received: readonly Received[], roomId: string): Array<{ type: string; state_key?: string }> {
  return received
    .filter((r) => r.method === 'PUT' && r.url.startsWith('/_matrix/app/v1/transactions/'))
    .flatMap((r) => ((r.body as { events?: Array<{ room_id: string; type: string; state_key?: string }> } | undefined)?.events ?? []))
    .filter((event) => event.room_id === roomId);
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
      const transactionId = `e2e-ping-${uniqueLocalpart()}`;
      const reply = await appservicePing(env.appservice.id, env.appservice.asToken, transactionId);
      expect(reply.durationMs).toBeGreaterThanOrEqual(0);
      expectPingReceived(received, transactionId);
    } finally {
      await close(server);
    }
  });

  it('tells its own ping apart while Synapse pushes queued transactions at the same listener', async () => {
    const env = readE2eEnv();
    // Traffic for the appservice while nothing listens on its port: Synapse queues it (as it does
    // for an earlier file's rooms when that file's bridge stops) and pushes it after the next ping.
    const user = await MatrixClient.register();
    const roomId = await user.createRoom();
    await user.invite(roomId, senderUserId());
    const { server, received } = await startStandIn();
    try {
      const transactionId = `e2e-ping-${uniqueLocalpart()}`;
      await appservicePing(env.appservice.id, env.appservice.asToken, transactionId);
      const invites = await pollUntil(
        async () => {
          const events = transactionEventsIn(received, roomId).filter((e) => e.type === 'm.room.member' && e.state_key === senderUserId());
          return events.length > 0 ? events : undefined;
        },
        { what: `the queued invite of ${roomId} to reach the stand-in`, timeoutMs: 30_000, intervalMs: 100, detail: () => JSON.stringify(received.map((r) => `${r.method} ${r.url}`)) },
      );
      expect(invites[0]).toMatchObject({ type: 'm.room.member', state_key: senderUserId() });
      // The listener saw more than pings; the ping is still told apart by its ID.
      expect(received.some((r) => r.method === 'PUT')).toBe(true);
      expectPingReceived(received, transactionId);
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
