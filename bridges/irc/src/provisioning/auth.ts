/**
 * Bearer-secret check for the provisioning API. The secret and the presented token are compared
 * as SHA-256 digests with `timingSafeEqual`, so neither their length nor their content leaks
 * through response timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ProvisioningError, sendError } from './errors';

export function bearerAuth(secret: string) {
  if (secret.length === 0) throw new TypeError('The provisioning API needs a secret (irc.provisioning.secret).');
  const expected = digest(secret);
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = /^Bearer\s+(.+)$/i.exec((req.headers.authorization ?? '').trim());
    if (!match) {
      sendError(res, new ProvisioningError('M_MISSING_TOKEN', 'Send the provisioning secret as "Authorization: Bearer <secret>".'));
      return;
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      sendError(res, new ProvisioningError('M_UNKNOWN_TOKEN', 'Wrong provisioning secret: use irc.provisioning.secret from the bridge config.'));
      return;
    }
    next();
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
