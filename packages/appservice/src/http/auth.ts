import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuthRefusal } from './auth-refusals';
import { sendError } from './respond';

/**
 * Checks the homeserver's `hs_token`: `Authorization: Bearer` (spec v1.4+) or the deprecated
 * `?access_token=`. Missing → 401 `M_UNAUTHORIZED`; wrong → 403 `M_FORBIDDEN` (the spec names
 * M_FORBIDDEN for a mismatch and leaves the 401 errcode open). Tokens are compared as SHA-256
 * digests with `timingSafeEqual`, so neither length nor content leaks through timing.
 * `onRefused` hears of every refusal (never the token), so the admin can be told.
 */
export function hsTokenAuth(hsToken: string, onRefused: (refusal: AuthRefusal) => void = () => {}) {
  const expected = digest(hsToken);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = bearerOf(req.headers.authorization);
    const query = typeof req.query.access_token === 'string' ? req.query.access_token : undefined;
    const seen = { from: req.socket.remoteAddress, route: String(res.locals.route ?? 'unknown') };
    if (header === undefined && query === undefined) {
      onRefused({ reason: 'missing_token', via: 'none', ...seen });
      sendError(res, 401, 'M_UNAUTHORIZED', 'Missing hs_token: send it as "Authorization: Bearer <hs_token>"');
      return;
    }
    // When both are given they must both match (spec: "should ensure both match").
    const headerOk = header === undefined || timingSafeEqual(digest(header), expected);
    const queryOk = query === undefined || timingSafeEqual(digest(query), expected);
    if (!headerOk || !queryOk) {
      onRefused({ reason: 'wrong_token', via: headerOk ? 'query' : 'header', ...seen });
      sendError(res, 403, 'M_FORBIDDEN', 'Bad hs_token: the homeserver and the bridge have different registration files');
      return;
    }
    next();
  };
}

function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1] : '';
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
