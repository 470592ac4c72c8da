import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log/types';
import { HttpError, sendError } from './respond';
import { BadJsonError } from './wire';

/** What the bridge answers for a request that failed before or inside its route handler. */
export interface Refusal {
  status: number;
  errcode: string;
  message: string;
}

/**
 * The app's last handler. A request that can never succeed (bad body, bad encoding, bad path)
 * gets a 4xx: a homeserver resends a 5xx transaction forever and holds up every later one. A 500
 * is left for the bridge's own failures, which a retry may get past.
 */
export function errorHandler(log: Logger) {
  // Express recognises an error handler by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    const refusal = refusalFor(err, req);
    if (refusal) {
      log.warn('Rejected a malformed request from the homeserver', { method: req.method, route: routeOf(res), path: req.path, status: refusal.status, error: refusal.message });
      sendError(res, refusal.status, refusal.errcode, refusal.message);
      return;
    }
    log.error('Request handler failed', { method: req.method, route: routeOf(res), path: req.path, error: err instanceof Error ? err.message : String(err) });
    sendError(res, 500, 'M_UNKNOWN', 'The bridge failed to handle the request; see its log');
  };
}

/** The sentences that name the listener's own limits; the AS API's by default. */
export interface RefusalTexts {
  tooLarge: string;
  charset: string;
}

const AS_API_TEXTS: RefusalTexts = {
  tooLarge: 'The request body is larger than appservice.maxBodyBytes allows',
  charset: 'The charset is not supported: send the body as UTF-8 JSON',
};

/** The 4xx for an error caused by the request itself, or undefined when the bridge is at fault. */
export function refusalFor(err: unknown, req: Request, texts: RefusalTexts = AS_API_TEXTS): Refusal | undefined {
  if (err instanceof BadJsonError) return { status: 400, errcode: 'M_BAD_JSON', message: err.message };
  if (err instanceof HttpError) return { status: err.status, errcode: err.errcode, message: err.message };
  const { type, status } = (err ?? {}) as { type?: unknown; status?: unknown };
  // body-parser (via http-errors) names what went wrong in `type`.
  switch (type) {
    case 'entity.parse.failed':
      return { status: 400, errcode: 'M_NOT_JSON', message: 'The request body is not valid JSON' };
    case 'encoding.unsupported':
      return { status: 415, errcode: 'M_UNKNOWN', message: 'The Content-Encoding is not supported: send the body uncompressed, or as gzip, deflate or br' };
    case 'charset.unsupported':
      return { status: 415, errcode: 'M_UNKNOWN', message: texts.charset };
    case 'entity.too.large':
      return { status: 413, errcode: 'M_TOO_LARGE', message: texts.tooLarge };
    case 'parameters.too.many':
      return { status: 413, errcode: 'M_TOO_LARGE', message: 'The form has too many fields' };
    case 'request.aborted':
      return { status: 400, errcode: 'M_UNKNOWN', message: 'The request was aborted' };
  }
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  // The router marks a path with a malformed percent-escape (`/users/%zz`) 400, with no type.
  if (err instanceof URIError) return { status: 400, errcode: 'M_INVALID_PARAM', message: 'The request path has a malformed percent-escape' };
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    return { status: 400, errcode: 'M_NOT_JSON', message: `The request body does not decompress as its Content-Encoding (${encoding}) says` };
  }
  // Any other error Express or body-parser marked as the client's fault keeps their status.
  return { status, errcode: 'M_UNKNOWN', message: 'The request is malformed' };
}

/** The fixed route name, e.g. `transactions`; `unknown` when the path matched no route. */
function routeOf(res: Response): string {
  return String(res.locals.route ?? 'unknown');
}
