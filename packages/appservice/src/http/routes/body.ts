import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../../log/types';
import { refusalFor } from '../error-handler';
import { sendError } from '../respond';
import type { RouteBodyKind } from './types';

/** The content types each kind reads, for the 415's message. */
const TYPE_NAMES: Record<Exclude<RouteBodyKind, 'none' | 'raw'>, string> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
};

/**
 * Reads the request body as one of `kinds`, chosen by its Content-Type, into `res.locals.body`
 * and `res.locals.bodyKind`. Express's own parsers (body-parser) do the reading, so limits,
 * charsets and Content-Encoding behave as on the AS API. Every failure is the caller's: 400,
 * 413 or 415 with a sentence saying what to send, never a 500.
 */
export function bodyReader(kinds: readonly RouteBodyKind[], maxBytes: number, log: Logger): RequestHandler {
  const parsers: Partial<Record<RouteBodyKind, RequestHandler>> = {
    json: express.json({ limit: maxBytes, type: () => true, strict: false }),
    form: express.urlencoded({ limit: maxBytes, type: () => true, extended: false, parameterLimit: 1000 }),
    raw: express.raw({ limit: maxBytes, type: () => true }),
  };
  const readable = kinds.filter((kind) => kind !== 'none' && kind !== 'raw') as Array<keyof typeof TYPE_NAMES>;
  const texts = {
    tooLarge: `The request body is larger than this endpoint accepts (${maxBytes} bytes)`,
    charset: 'The charset is not supported: send the body as UTF-8',
  };

  return (req: Request, res: Response, next: NextFunction): void => {
    const kind = chooseKind(req, kinds);
    if (kind === 'missing') {
      sendError(res, 400, 'M_MISSING_PARAM', `The request needs a body (${readable.map((k) => TYPE_NAMES[k]).join(' or ') || 'any content type'})`);
      return;
    }
    if (kind === 'unsupported') {
      sendError(res, 415, 'M_UNKNOWN', `Unsupported Content-Type: send ${readable.map((k) => TYPE_NAMES[k]).join(' or ')}`);
      return;
    }
    res.locals.bodyKind = kind;
    const parse = parsers[kind];
    if (!parse) {
      next();
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (err) {
        const refusal = refusalFor(err, req, texts);
        if (!refusal) {
          next(err);
          return;
        }
        log.debug('Refused a connector route request body', { route: res.locals.connectorRoute, status: refusal.status, error: refusal.message });
        sendError(res, refusal.status, refusal.errcode, refusal.message);
        return;
      }
      res.locals.body = kind === 'form' ? firstValues(req.body) : kind === 'raw' && !Buffer.isBuffer(req.body) ? Buffer.alloc(0) : req.body;
      next();
    });
  };
}

/** The kind this request's body is read as, or why it cannot be read. */
function chooseKind(req: Request, kinds: readonly RouteBodyKind[]): RouteBodyKind | 'missing' | 'unsupported' {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) {
    if (kinds.includes('none')) return 'none';
    return kinds.includes('raw') ? 'raw' : 'missing';
  }
  if (kinds.includes('json') && req.is(['application/json', '+json'])) return 'json';
  if (kinds.includes('form') && req.is('application/x-www-form-urlencoded')) return 'form';
  if (kinds.includes('raw')) return 'raw';
  // A body on a route that reads none is left unread; the answer does not depend on it.
  if (kinds.includes('none') && !kinds.includes('json') && !kinds.includes('form')) return 'none';
  return 'unsupported';
}

function firstValues(parsed: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries((parsed ?? {}) as Record<string, unknown>)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields[key] = first;
  }
  return fields;
}
