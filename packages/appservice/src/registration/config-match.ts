import type { ConfigProblem } from '../errors/bridge-error';
import { compilePythonRegex } from './python-regex';
import type { NamespaceEntry, Registration } from './types';

/** What the config says the bridge's IDs look like, and where each value is set. */
export interface ConfiguredNamespaces {
  /** `homeserver.domain`. */
  domain: string;
  /** Localpart prefix of the bridge's ghosts, e.g. "_irc_". */
  userPrefix: string;
  /** Localpart prefix of its portal aliases, e.g. "irc_"; absent for a bridge without aliases (nothing to check). */
  aliasPrefix?: string;
  /** The bot's localpart as the config has it (the registration's wins at run time). */
  senderLocalpart?: string;
  /** The config keys holding the values above, for the messages (e.g. `irc.ghost_prefix`). */
  keys?: { userPrefix?: string; aliasPrefix?: string; senderLocalpart?: string };
}

export interface RegistrationComparison {
  /** Mismatches that break the bridge: the homeserver would refuse its ghosts or aliases. */
  problems: ConfigProblem[];
  /** Differences that do no harm but may surprise (the registration wins). */
  notes: string[];
}

// A made-up localpart suffix: any ID the bridge makes under the prefix must be in the namespace.
const SAMPLE = 'namespace-check';

/**
 * Compares the config with the registration the homeserver loaded. A domain or prefix that
 * differs from the registration's namespaces does not fail at start-up on its own: the ping
 * succeeds, and the first ghost the bridge creates is refused (M_EXCLUSIVE) or lacks power in its
 * rooms. Each problem names the key to change, and in which file. `regenerate` is the command
 * that writes a registration matching the config.
 */
export function compareRegistrationWithConfig(registration: Registration, configured: ConfiguredNamespaces, regenerate: string): RegistrationComparison {
  const problems: ConfigProblem[] = [];
  const notes: string[] = [];
  const keys = { userPrefix: 'the ghost prefix', aliasPrefix: 'the alias prefix', senderLocalpart: 'the bot localpart', ...configured.keys };
  const checks = [
    { kind: 'users', sigil: '@', prefix: configured.userPrefix, key: keys.userPrefix, what: 'ghost' },
    ...(configured.aliasPrefix !== undefined
      ? [{ kind: 'aliases', sigil: '#', prefix: configured.aliasPrefix, key: keys.aliasPrefix, what: 'portal alias' }] as const
      : []),
  ] as const;
  for (const check of checks) {
    const entries = registration.namespaces[check.kind];
    const sample = `${check.sigil}${check.prefix}${SAMPLE}:${configured.domain}`;
    if (matchesAny(entries, sample)) continue;
    const regexes = entries.map((e) => e.regex).join(', ') || 'empty';
    const theirDomain = domainsOf(entries).find((d) => matchesAny(entries, `${check.sigil}${check.prefix}${SAMPLE}:${d}`));
    if (theirDomain !== undefined) {
      problems.push({
        path: 'homeserver.domain',
        message: `is ${JSON.stringify(configured.domain)}, but the registration's ${check.kind} namespace (${regexes}) is for ${JSON.stringify(theirDomain)}: `
          + `set homeserver.domain to your homeserver's server_name (${theirDomain}?), or if ${configured.domain} is right, `
          + `regenerate the registration (${regenerate} --force) and load the new file in the homeserver`,
      });
      // One message per cause: the alias namespace has the same domain problem.
      break;
    }
    problems.push({
      path: `namespaces.${check.kind}`,
      message: `(${regexes}) does not contain the bridge's ${check.what}s such as ${sample} (${check.key} is ${JSON.stringify(check.prefix)} in the config): `
        + `change ${check.key} in the config to the prefix the registration has, or regenerate the registration (${regenerate} --force) and load the new file in the homeserver`,
    });
  }
  if (configured.senderLocalpart !== undefined && configured.senderLocalpart !== registration.senderLocalpart) {
    notes.push(`${keys.senderLocalpart} is ${JSON.stringify(configured.senderLocalpart)} in the config but the registration's sender_localpart is `
      + `${JSON.stringify(registration.senderLocalpart)}; the bot is @${registration.senderLocalpart}:${configured.domain} (the registration wins).`);
  }
  return { problems, notes };
}

function matchesAny(entries: readonly NamespaceEntry[], id: string): boolean {
  return entries.some((entry) => {
    try {
      return compilePythonRegex(entry.regex).test(id);
    } catch {
      return false; // an uncompilable regex is reported when the registration is loaded
    }
  });
}

/** `@_irc_.*:example\.org` → `example.org`: the literal server name at the end of each regex, if it has one. */
export function domainsOf(entries: readonly NamespaceEntry[]): string[] {
  const found: string[] = [];
  for (const { regex } of entries) {
    // The first ':' after which only a server name (and port) follows: `localhost:8448` keeps its port.
    for (let colon = regex.indexOf(':'); colon >= 0; colon = regex.indexOf(':', colon + 1)) {
      const literal = regex.slice(colon + 1).replace(/\$$/, '').replace(/\\(.)/g, '$1');
      if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(literal)) continue;
      if (!found.includes(literal)) found.push(literal);
      break;
    }
  }
  return found;
}
