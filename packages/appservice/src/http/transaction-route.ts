/**
 * PUT /transactions/:txnId — the homeserver's pushes, the one route on the hot path: in a busy
 * bridge every message it sends comes back here as its echo. `acceptPushed` is what the route
 * does with a parsed body (shared by both paths below); `transactionFastPath` takes the ordinary
 * request (the Bearer hs_token, a plain JSON body of known length, an unencoded txnId) straight
 * from node:http, without Express's routing, body parser and response helpers, which cost more
 * CPU than the rest of an echo's handling. Anything else goes on to the Express route, which
 * answers it as before (refusals, 413, encodings, charsets, the deprecated query token).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter } from 'prom-client';
import type { Logger } from '../log/types';
import type { HttpMetrics, SinkAcceptResult, TransactionSink } from './appservice-app';
import { hsTokenHeaderMatches } from './auth';
import { BadJsonError, parseTransaction } from './wire';

export interface TransactionRouteDeps {
  hsToken: string;
  ingest: TransactionSink;
  maxBodyBytes: number;
  /** Default `ECHO_ANSWER_HOLD_MS`. */
  echoAnswerHoldMs?: number;
  log: Logger;
  metrics?: HttpMetrics;
}

/**
 * How long the answer to a transaction of only echoes waits while the bridge is still sending.
 * A homeserver pushes one transaction at a time and gathers what comes meanwhile into the next
 * (Synapse does, up to 100 events), so every bridged line used to come back in a request of its
 * own, and answering that request cost the bridge about as much CPU as sending the line. Held for
 * a few milliseconds, the echoes of the sends made meanwhile arrive together. The cost: a Matrix
 * message pushed while an echo-only transaction is held reaches the bridge up to this much later,
 * and only while the bridge is busy sending.
 */
export const ECHO_ANSWER_HOLD_MS = 5;

/** An answer: the status and the JSON body. */
export type Answer = (status: number, body: Record<string, unknown>) => void;

/**
 * Hands a parsed transaction body to the sink and answers: 200 once persisted, 500 (so the
 * homeserver retries) when it could not be, 503 when the sink does not admit it (a gap in the
 * transaction IDs). Throws BadJsonError for a malformed transaction.
 * Nothing asynchronous runs between the body and the sink, so events of one room cannot overtake
 * each other. The 200 goes out on the next event-loop turn: the events are persisted already and
 * their handlers have started on microtasks. Writing the response first put a socket write
 * (about 1 ms on a loaded machine) between every pushed message and the line it becomes on the
 * network; now it follows the handlers' synchronous part instead. A transaction of only echoes
 * is answered after ECHO_ANSWER_HOLD_MS instead while the sink expects more echoes (see there).
 */
export function acceptPushed(deps: Pick<TransactionRouteDeps, 'ingest' | 'log' | 'metrics' | 'echoAnswerHoldMs'>, txnId: string, body: unknown, answer: Answer): void {
  const { events, ephemeral, skipped } = parseTransaction(body);
  for (const problem of skipped) {
    deps.log.warn('Skipped a malformed event in a transaction', { txnId, problem: problem.message });
    deps.metrics?.skippedEvents?.inc();
  }
  const admission = deps.ingest.admitTransaction?.(txnId);
  if (admission && !admission.admitted) {
    // Not stored: the homeserver marks the bridge down and resends its stored transactions, oldest first.
    answer(503, { errcode: 'M_UNKNOWN', error: `Transaction ${admission.received} came before ${admission.expected}; send ${admission.expected} first` });
    return;
  }
  const failed = (err: unknown) => {
    deps.log.error('Could not persist a transaction; answering 500 so the homeserver retries', { txnId, error: err instanceof Error ? err.message : String(err) });
    deps.ingest.homeserverRecovering?.();
    answer(500, { errcode: 'M_UNKNOWN', error: 'The bridge could not store the transaction; retry later' });
  };
  const accepted = ({ duplicate, echoes }: SinkAcceptResult) => {
    deps.log.debug('Transaction accepted', { txnId, events: events.length, ephemeral: ephemeral.length, duplicate });
    const holdMs = deps.echoAnswerHoldMs ?? ECHO_ANSWER_HOLD_MS;
    // Only echoes, and more on the way: let them gather at the homeserver (ECHO_ANSWER_HOLD_MS).
    const echoOnly = !duplicate && events.length > 0 && echoes === events.length && ephemeral.length === 0;
    if (echoOnly && holdMs > 0 && deps.ingest.expectsEchoes?.() === true) setTimeout(answer, holdMs, 200, EMPTY);
    else setImmediate(answer, 200, EMPTY);
  };
  let result: ReturnType<TransactionSink['acceptTransaction']>;
  try {
    result = deps.ingest.acceptTransaction(txnId, events, ephemeral);
  } catch (err) {
    failed(err);
    return;
  }
  // A synchronous store (SQLite) is answered once this tick's handlers started; a database server's only
  // once its commit came back, so a 200 never goes out for what is not persisted.
  if (result instanceof Promise) result.then(accepted, failed);
  else accepted(result);
}

const EMPTY: Record<string, unknown> = {};

/** The AS API's transaction paths (v1, unstable, legacy) with a txnId that needs no decoding. */
const TRANSACTION_PATH = /^(?:\/_matrix\/app\/(?:v1|unstable))?\/transactions\/([A-Za-z0-9._~-]+)$/;
/** What Express's JSON parser would read as UTF-8 JSON without asking more of the body. */
const PLAIN_JSON = /^application\/json(?:\s*;\s*charset="?utf-8"?)?$/i;

/**
 * Express middleware, mounted first: serves an ordinary transaction push itself and passes
 * everything else on. It decides from the request head alone, before reading any of the body.
 */
export function transactionFastPath(deps: TransactionRouteDeps): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const authorized = hsTokenHeaderMatches(deps.hsToken);
  const counted = statusCounter(deps.metrics?.requests);
  const send = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    if (res.headersSent || res.destroyed) return;
    const json = body === EMPTY ? '{}' : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
    counted(status);
  };
  return (req, res, next) => {
    const match = req.method === 'PUT' ? TRANSACTION_PATH.exec(req.url ?? '') : null;
    const { headers } = req;
    const length = Number(headers['content-length']);
    if (!match || !(length <= deps.maxBodyBytes) || headers['transfer-encoding'] !== undefined
      || (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity')
      || (headers['content-type'] !== undefined && !PLAIN_JSON.test(headers['content-type']))
      || !authorized(headers.authorization)) {
      next();
      return;
    }
    const txnId = match[1]!;
    const chunks: Buffer[] = [];
    // A caller that goes away mid-body leaves nothing to answer; its socket is closed by node.
    req.on('error', () => {});
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const refuse = (errcode: string, error: string) => {
        deps.log.warn('Rejected a malformed request from the homeserver', { method: 'PUT', route: 'transactions', path: req.url, status: 400, error });
        send(res, 400, { errcode, error });
      };
      let body: unknown;
      try {
        body = JSON.parse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
      } catch {
        refuse('M_NOT_JSON', 'The request body is not valid JSON');
        return;
      }
      // Express's parser is strict: only an object or an array is JSON here.
      if (typeof body !== 'object' || body === null) {
        refuse('M_NOT_JSON', 'The request body is not valid JSON');
        return;
      }
      try {
        acceptPushed(deps, txnId, body, (status, answer) => send(res, status, answer));
      } catch (err) {
        if (err instanceof BadJsonError) {
          refuse('M_BAD_JSON', err.message);
          return;
        }
        deps.log.error('Request handler failed', { method: 'PUT', route: 'transactions', path: req.url, error: err instanceof Error ? err.message : String(err) });
        send(res, 500, { errcode: 'M_UNKNOWN', error: 'The bridge failed to handle the request; see its log' });
      }
    });
  };
}

/** Counts a transaction answer by status, with the labelled counters looked up once each. */
function statusCounter(requests: Counter<'route' | 'status'> | undefined): (status: number) => void {
  if (!requests) return () => {};
  const byStatus = new Map<number, { inc(): void }>();
  return (status) => {
    let child = byStatus.get(status);
    if (!child) {
      child = requests.labels({ route: 'transactions', status: String(status) });
      byStatus.set(status, child);
    }
    child.inc();
  };
}
