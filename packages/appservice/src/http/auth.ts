import { hash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuthRefusal } from './auth-refusals';
import { sendError } from './respond';

/** One bearer-token check: where the token may come from and what a refused caller reads. */
export interface BearerAuthOptions {
  /** The expected token, read per request so a rotated secret takes effect at once. */
  token: () => string;
  /** Also accept `?access_token=` (the AS API's deprecated form); both must match when both are sent. */
  acceptQueryToken: boolean;
  missing: { errcode: string; message: string };
  wrong: { errcode: string; message: string };
  /** Hears of every refusal (never the token). */
  onRefused?: (refusal: AuthRefusal) => void;
}

/**
 * Checks `Authorization: Bearer <token>` (and optionally `?access_token=`). Missing → 401;
 * wrong → 403. Tokens are compared as SHA-256 digests with `timingSafeEqual`, so neither length
 * nor content leaks through timing. An empty expected token matches nothing: an unset secret
 * must not open the door to a caller who sends an empty one.
 */
export function bearerAuth(opts: BearerAuthOptions) {
  const matches = tokenMatcher(opts.token);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = bearerOf(req.headers.authorization);
    const query = opts.acceptQueryToken && typeof req.query.access_token === 'string' ? req.query.access_token : undefined;
    if (header === undefined && query === undefined) {
      opts.onRefused?.({ reason: 'missing_token', via: 'none', ...seenBy(req, res) });
      sendError(res, 401, opts.missing.errcode, opts.missing.message);
      return;
    }
    const headerOk = header === undefined || matches(header);
    const queryOk = query === undefined || matches(query);
    if (!headerOk || !queryOk) {
      opts.onRefused?.({ reason: 'wrong_token', via: headerOk ? 'query' : 'header', ...seenBy(req, res) });
      sendError(res, 403, opts.wrong.errcode, opts.wrong.message);
      return;
    }
    next();
  };
}

function seenBy(req: Request, res: Response): Pick<AuthRefusal, 'from' | 'route'> {
  return { from: req.socket.remoteAddress, route: String(res.locals.route ?? 'unknown') };
}

/**
 * Compares a given token with the expected one as SHA-256 digests with `timingSafeEqual`. The
 * expected token's digest is kept until the token changes: one hash per request, not two.
 */
export function tokenMatcher(expected: () => string): (given: string) => boolean {
  let token: string | undefined;
  let digested: Buffer = Buffer.alloc(0);
  return (given) => {
    const current = expected();
    if (current !== token) {
      token = current;
      digested = digest(current);
    }
    return current !== '' && timingSafeEqual(digest(given), digested);
  };
}

/**
 * The token of a request's `Authorization: Bearer` header when it matches `hsToken`, checked
 * without answering: the transaction fast path (transaction-route.ts) takes a request only then,
 * and leaves every other case (no header, a wrong token, a query token) to `hsTokenAuth`.
 */
export function hsTokenHeaderMatches(hsToken: string): (authorization: string | undefined) => boolean {
  const matches = tokenMatcher(() => hsToken);
  return (authorization) => {
    const header = bearerOf(authorization);
    return header !== undefined && matches(header);
  };
}

/**
 * Checks the homeserver's `hs_token`: `Authorization: Bearer` (spec v1.4+) or the deprecated
 * `?access_token=`. Missing → 401 `M_UNAUTHORIZED`; wrong → 403 `M_FORBIDDEN` (the spec names
 * M_FORBIDDEN for a mismatch and leaves the 401 errcode open). When both are given they must
 * both match (spec: "should ensure both match"). `onRefused` hears of every refusal, so the
 * admin can be told.
 */
export function hsTokenAuth(hsToken: string, onRefused: (refusal: AuthRefusal) => void = () => {}) {
  return bearerAuth({
    token: () => hsToken,
    acceptQueryToken: true,
    missing: { errcode: 'M_UNAUTHORIZED', message: 'Missing hs_token: send it as "Authorization: Bearer <hs_token>"' },
    wrong: { errcode: 'M_FORBIDDEN', message: 'Bad hs_token: the homeserver and the bridge have different registration files' },
    onRefused,
  });
}

/**
 * The token of an `Authorization: Bearer` header. Another scheme carries no bearer token, so it
 * counts as missing (401, RFC 6750 §3.1); `Bearer` with nothing after it is a wrong token.
 */
function bearerOf(header: string | undefined): string | undefined {
  const value = header?.trim();
  if (!value || !/^Bearer(\s|$)/i.test(value)) return undefined;
  return value.slice('Bearer'.length).trim();
}

// The one-shot hash: no Hash object per call (each transaction the homeserver pushes is checked).
function digest(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}
