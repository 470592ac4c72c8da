import type { NamespaceEntry, Registration } from './types';
import { compilePythonRegex } from './python-regex';

interface CompiledEntry {
  exclusive: boolean;
  regex: RegExp;
}

/**
 * Answers "is this ID ours?" from the registration's namespaces. Regexes are compiled once, in
 * the constructor, so a hot-path check (echo filtering on every event) is a few `RegExp.test`s.
 * The bot (`@<sender_localpart>:<domain>`) always counts as an exclusive user of the bridge.
 */
export class NamespaceMatcher {
  readonly botUserId: string;
  private readonly users: CompiledEntry[];
  private readonly aliases: CompiledEntry[];
  private readonly rooms: CompiledEntry[];

  constructor(registration: Registration, domain: string) {
    this.botUserId = `@${registration.senderLocalpart}:${domain}`;
    this.users = compileAll(registration.namespaces.users);
    this.aliases = compileAll(registration.namespaces.aliases);
    this.rooms = compileAll(registration.namespaces.rooms);
  }

  isBot(userId: string): boolean {
    return userId === this.botUserId;
  }

  isUserInNamespace(userId: string): boolean {
    return this.isBot(userId) || matches(this.users, userId, false);
  }

  isExclusiveUser(userId: string): boolean {
    return this.isBot(userId) || matches(this.users, userId, true);
  }

  isAliasInNamespace(alias: string): boolean {
    return matches(this.aliases, alias, false);
  }

  isExclusiveAlias(alias: string): boolean {
    return matches(this.aliases, alias, true);
  }

  isRoomInNamespace(roomId: string): boolean {
    return matches(this.rooms, roomId, false);
  }
}

function compileAll(entries: NamespaceEntry[]): CompiledEntry[] {
  return entries.map((e) => ({ exclusive: e.exclusive, regex: compilePythonRegex(e.regex) }));
}

function matches(entries: CompiledEntry[], id: string, exclusiveOnly: boolean): boolean {
  return entries.some((e) => (!exclusiveOnly || e.exclusive) && e.regex.test(id));
}
