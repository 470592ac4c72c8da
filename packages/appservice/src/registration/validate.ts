import { ConfigError, type ConfigProblem } from '../errors/bridge-error';
import { checkSection, type SectionSchema } from '../config/schema';
import { compilePythonRegex } from './python-regex';
import type { NamespaceEntry, Registration } from './types';

const TOKEN: SectionSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9._~+/=-]+$',
  secret: true,
  expected: 'a token of letters, digits and -._~+/= (no spaces or placeholders)',
  // The hint names the bridge's own command, which only the caller knows: see tokenHint below.
};

const NAMESPACE_LIST: SectionSchema = {
  type: 'array',
  expected: 'a list of {exclusive: true/false, regex: "..."} entries',
  items: {
    type: 'object',
    required: ['exclusive', 'regex'],
    properties: {
      exclusive: { type: 'boolean', hint: 'true reserves the IDs for the bridge (usual for puppets and portal aliases)' },
      regex: { type: 'string', minLength: 1, expected: 'a regular expression such as "@_irc_.*:example\\\\.org"' },
    },
  },
};

/** The registration file's keys, as the spec and Synapse spell them. */
const REGISTRATION_SCHEMA: SectionSchema = {
  type: 'object',
  required: ['id', 'url', 'as_token', 'hs_token', 'sender_localpart', 'namespaces'],
  // Vendor and MSC keys (e.g. "de.sorunome.msc2409.push_ephemeral") contain a dot: tolerated, ignored.
  patternProperties: { '\\.': {} },
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, expected: 'a non-empty ID unique among the homeserver\'s appservices, e.g. irc' },
    url: {
      type: ['string', 'null'],
      pattern: '^https?://[^\\s]+$',
      expected: 'the address where the homeserver reaches the bridge, e.g. http://127.0.0.1:8090, or null for a bridge that receives nothing',
    },
    as_token: TOKEN,
    hs_token: TOKEN,
    sender_localpart: {
      type: 'string',
      pattern: '^[a-z0-9._=/+-]+$',
      expected: "the bot's user ID localpart, e.g. ircbot (lowercase letters, digits and ._=-/+ only)",
    },
    namespaces: {
      type: 'object',
      additionalProperties: false,
      properties: { users: NAMESPACE_LIST, aliases: NAMESPACE_LIST, rooms: NAMESPACE_LIST },
    },
    rate_limited: { type: 'boolean', hint: 'bridges normally set it to false' },
    receive_ephemeral: { type: 'boolean' },
    protocols: { type: 'array', items: { type: 'string', minLength: 1 }, expected: 'a list of protocol names, e.g. [irc]' },
  },
};

interface WireNamespaces {
  users?: NamespaceEntry[];
  aliases?: NamespaceEntry[];
  rooms?: NamespaceEntry[];
}

/** The registration as it is written in YAML (snake_case, as in the spec). */
export interface RegistrationWire {
  id: string;
  url: string | null;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  rate_limited?: boolean;
  receive_ephemeral?: boolean;
  protocols?: string[];
  namespaces: WireNamespaces;
}

/**
 * Checks a parsed registration file (snake_case keys) and converts it to a `Registration`.
 * Every problem is collected and thrown as one ConfigError whose lines name the key and the fix.
 */
export function validateRegistration(value: unknown, source = 'registration', options: { generateCommand?: string } = {}): Registration {
  const { value: checked, problems } = checkSection(REGISTRATION_SCHEMA, value, '');
  if (problems.length > 0) throw new ConfigError(source, problems.map((p) => (p.path === 'as_token' || p.path === 'hs_token' ? tokenHint(p, options.generateCommand) : p)));
  const wire = checked as RegistrationWire;
  const extra: ConfigProblem[] = [];
  if (wire.url !== null) {
    try {
      new URL(wire.url);
    } catch {
      extra.push({ path: 'url', message: `is not a valid URL (${JSON.stringify(wire.url)}); write it like http://127.0.0.1:8090` });
    }
  }
  if (wire.as_token === wire.hs_token) {
    extra.push({ path: 'hs_token', message: 'must differ from as_token: one authenticates the bridge, the other the homeserver; generate a new one' });
  }
  for (const kind of ['users', 'aliases', 'rooms'] as const) {
    (wire.namespaces[kind] ?? []).forEach((entry, i) => {
      try {
        compilePythonRegex(entry.regex);
      } catch (err) {
        extra.push({
          path: `namespaces.${kind}[${i}].regex`,
          message: `cannot be compiled (${(err as Error).message}); use regex syntax that Python and JavaScript share, e.g. "@_irc_.*:example\\\\.org"`,
        });
      }
    });
  }
  if (extra.length > 0) throw new ConfigError(source, extra);
  return fromWire(wire);
}

function tokenHint(problem: ConfigProblem, command: string | undefined): ConfigProblem {
  const run = command ? `run \`${command}\`` : "run the bridge's `generate-registration` command";
  return { ...problem, message: `${problem.message}; ${run} to make a registration with fresh random tokens` };
}

function fromWire(wire: RegistrationWire): Registration {
  const entries = (list: NamespaceEntry[] | undefined) => (list ?? []).map((e) => ({ exclusive: e.exclusive, regex: e.regex }));
  return {
    id: wire.id,
    url: wire.url,
    asToken: wire.as_token,
    hsToken: wire.hs_token,
    senderLocalpart: wire.sender_localpart,
    namespaces: { users: entries(wire.namespaces.users), aliases: entries(wire.namespaces.aliases), rooms: entries(wire.namespaces.rooms) },
    // Synapse rate-limits an appservice whose registration does not say otherwise.
    rateLimited: wire.rate_limited ?? true,
    ...(wire.protocols !== undefined ? { protocols: wire.protocols } : {}),
    ...(wire.receive_ephemeral !== undefined ? { receiveEphemeral: wire.receive_ephemeral } : {}),
  };
}

export function toWire(reg: Registration): RegistrationWire {
  return {
    id: reg.id,
    url: reg.url,
    as_token: reg.asToken,
    hs_token: reg.hsToken,
    sender_localpart: reg.senderLocalpart,
    rate_limited: reg.rateLimited,
    ...(reg.receiveEphemeral !== undefined ? { receive_ephemeral: reg.receiveEphemeral } : {}),
    ...(reg.protocols !== undefined ? { protocols: reg.protocols } : {}),
    namespaces: {
      users: reg.namespaces.users.map((e) => ({ ...e })),
      aliases: reg.namespaces.aliases.map((e) => ({ ...e })),
      rooms: reg.namespaces.rooms.map((e) => ({ ...e })),
    },
  };
}
