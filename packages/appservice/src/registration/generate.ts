import { randomBytes } from 'node:crypto';
import { ConfigError, type ConfigProblem } from '../errors/bridge-error';
import { escapeRegex } from './python-regex';
import type { Registration } from './types';
import { toWire, validateRegistration } from './validate';

/** What a new registration is generated from. */
export interface GenerateRegistrationOptions {
  /** Unique among the homeserver's appservices, e.g. "irc". */
  id: string;
  /** Where the homeserver reaches the bridge; null for a bridge that receives nothing. */
  url: string | null;
  senderLocalpart: string;
  /** Localpart prefix of the bridge's puppets, e.g. "_irc_" → `@_irc_.*:example\.org`. */
  userPrefix: string;
  /**
   * Localpart prefix of the bridge's portal aliases, e.g. "_irc_" → `#_irc_.*:example\.org`.
   * Leave it out for a bridge that makes no aliases: it then claims none.
   */
  aliasPrefix?: string;
  /** The homeserver's server name; without it the namespaces match any server. */
  domain?: string;
  receiveEphemeral?: boolean;
  protocols?: string[];
}

/** 32 random bytes as hex: 64 characters, safe in headers and query strings. */
function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** A fresh registration with random tokens and exclusive user (and, if the bridge has aliases, alias) namespaces. */
export function generateRegistration(opts: GenerateRegistrationOptions): Registration {
  const problems: ConfigProblem[] = [];
  if (!opts.userPrefix) problems.push({ path: 'userPrefix', message: 'must not be empty: the bridge would claim every user on the server; pass e.g. "_irc_"' });
  if (opts.aliasPrefix === '') problems.push({ path: 'aliasPrefix', message: 'must not be empty: the bridge would claim every alias on the server; pass e.g. "_irc_"' });
  if (problems.length > 0) throw new ConfigError('generate-registration', problems);
  const server = opts.domain ? `:${escapeRegex(opts.domain)}` : '';
  const reg: Registration = {
    id: opts.id,
    url: opts.url,
    asToken: newToken(),
    hsToken: newToken(),
    senderLocalpart: opts.senderLocalpart,
    namespaces: {
      users: [{ exclusive: true, regex: `@${escapeRegex(opts.userPrefix)}.*${server}` }],
      aliases: opts.aliasPrefix === undefined ? [] : [{ exclusive: true, regex: `#${escapeRegex(opts.aliasPrefix)}.*${server}` }],
      rooms: [],
    },
    rateLimited: false,
    ...(opts.receiveEphemeral !== undefined ? { receiveEphemeral: opts.receiveEphemeral } : {}),
    ...(opts.protocols !== undefined ? { protocols: opts.protocols } : {}),
  };
  // Same checks as a loaded file, so a bad id or url fails here and not at the homeserver.
  return validateRegistration(toWire(reg), 'generate-registration');
}
