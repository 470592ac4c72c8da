import { pipeline } from 'node:stream';
import type { Request, Response } from 'express';
import { isBridgeError } from '../../errors/bridge-error';
import type { Logger } from '../../log/types';
import { HttpError, sendError } from '../respond';
import type { RouteReply } from './types';

/** Sends what a handler returned. A reply that is not one of the documented shapes is the connector's bug: 500. */
export function sendReply(req: Request, res: Response, reply: RouteReply, log: Logger): void {
  const status = reply.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new TypeError(`A route handler answered with an invalid status: ${String(status)}`);
  }
  res.status(status);
  if ('stream' in reply) {
    res.setHeader('Content-Type', reply.contentType);
    if (reply.contentLength !== undefined) res.setHeader('Content-Length', reply.contentLength);
    setHeaders(res, reply.headers);
    if (req.method === 'HEAD') {
      reply.stream.destroy();
      res.end();
      return;
    }
    // pipeline destroys the source when the caller goes away, so a download is not left running.
    pipeline(reply.stream, res, (err) => {
      if (err) log.warn('A connector route stopped streaming its reply early', { route: res.locals.connectorRoute, error: err.message });
    });
    return;
  }
  if ('json' in reply) {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    setHeaders(res, reply.headers);
    res.end(JSON.stringify(reply.json ?? null));
    return;
  }
  if ('text' in reply) {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    setHeaders(res, reply.headers);
    res.end(reply.text);
    return;
  }
  setHeaders(res, reply.headers);
  res.end();
}

/**
 * Answers a handler's failure. The caller reads only what was written for them (an HttpError's
 * message, a BridgeError's userMessage); the log gets the rest. A response already under way
 * (a stream) cannot change its status, so its connection is cut instead.
 */
export function sendFailure(res: Response, err: unknown, log: Logger): void {
  const route = res.locals.connectorRoute as string | undefined;
  if (res.headersSent) {
    log.warn('A connector route failed after it started answering', { route, error: messageOf(err) });
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    log.debug('A connector route refused a request', { route, status: err.status, errcode: err.errcode, error: err.message });
    sendError(res, err.status, err.errcode, err.message);
    return;
  }
  if (isBridgeError(err)) {
    const meta = { route, code: err.code, status: err.httpStatus, error: err.message, ...err.details };
    if (err.httpStatus >= 500) log.error('A connector route failed', meta);
    else log.info('A connector route refused a request', meta);
    sendError(res, err.httpStatus, err.code, err.userMessage);
    return;
  }
  log.error('A connector route failed', { route, error: messageOf(err), stack: err instanceof Error ? err.stack : undefined });
  sendError(res, 500, 'M_UNKNOWN', "The bridge failed to handle the request; an admin can find the details in the bridge's log.");
}

function setHeaders(res: Response, headers: RouteReply['headers']): void {
  for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
