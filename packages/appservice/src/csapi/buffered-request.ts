/**
 * One request through undici's `dispatch`, its response body read whole into memory: what every
 * JSON call of the client-server API needs. undici's `request()` gives a stream body and takes an
 * AbortSignal; per request that meant an AbortController, an event listener on it, a readable
 * stream and its consumer, which cost more CPU than the request itself. Here the attempt's
 * timeout aborts through the handler's own abort function. Streamed bodies (media downloads)
 * still go through `request()`.
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { TransportResponse } from './transport';

/** The attempt's timeout: `aborted` once it fired. */
export interface AttemptTimeout {
  readonly aborted: boolean;
}

/** The abort reason when the attempt's time ran out (undici hands it to `onError`). */
class AttemptTimedOut extends Error {
  override readonly name = 'AbortError';
  constructor() {
    super('The request timed out');
  }
}

/**
 * Sends one request and resolves with its status, headers and whole body; rejects with undici's
 * error, or an AbortError once `timeoutMs` passed (then `timeout.aborted` is true).
 */
export function bufferedRequest(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, timeoutMs: number): { response: Promise<TransportResponse>; timeout: AttemptTimeout } {
  const timeout = { aborted: false };
  const response = new Promise<TransportResponse>((resolve, reject) => {
    let abort: ((err?: Error) => void) | undefined;
    let status = 0;
    let rawHeaders: Buffer[] = [];
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      timeout.aborted = true;
      // Still queued for a connection: aborted as soon as undici hands the request its abort.
      abort?.(new AttemptTimedOut());
    }, timeoutMs);
    const handler: Dispatcher.DispatchHandlers = {
      onConnect(abortRequest) {
        abort = abortRequest;
        if (timeout.aborted) abortRequest(new AttemptTimedOut());
      },
      onHeaders(statusCode, headers) {
        status = statusCode;
        rawHeaders = headers as unknown as Buffer[];
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        clearTimeout(timer);
        resolve(bufferedResponse(status, rawHeaders, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      },
      onError(err) {
        clearTimeout(timer);
        reject(err);
      },
    };
    try {
      dispatcher.dispatch(options, handler);
    } catch (err) {
      clearTimeout(timer);
      reject(err);
    }
  });
  return { response, timeout };
}

/** A response already in memory, in the shape `consume` and `errorOf` read (`text()`, `header()`). */
function bufferedResponse(status: number, rawHeaders: Buffer[], body: Buffer): TransportResponse {
  const text = async () => body.toString('utf8');
  return {
    status,
    header(name) {
      const wanted = name.toLowerCase();
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        if (rawHeaders[i]!.toString('latin1').toLowerCase() === wanted) return rawHeaders[i + 1]!.toString('latin1');
      }
      return undefined;
    },
    // Only `text()` and `dump()` are read from a buffered body; it is never piped.
    body: { text, dump: async () => {} } as unknown as Readable & { text(): Promise<string>; dump(): Promise<void> },
  };
}
