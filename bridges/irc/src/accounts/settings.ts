/**
 * Per-user, per-network settings: the nick and username a Matrix user wants on IRC and the raw
 * lines sent after each connect. Empty settings are the normal case: every getter answers with
 * defaults, so a row exists only once the user changed something.
 */
import type { StoreTables, UserId } from '@bridgekit/appservice';
import { asIrcNick, MAX_IDENT_LENGTH, type IrcNick, type NetworkId } from '../mapping';
import { AccountError } from './errors';
import { RowCache, rowKey } from './row-cache';
import { sanitizeRawLine } from './raw-line';

export interface UserSettings {
  /** Preferred nick; absent means the network's nick template. */
  nick?: IrcNick;
  /** IRC username (ident); absent means the network's username template. */
  username?: string;
  /** Raw lines sent, in order, after registration (and after NickServ IDENTIFY). */
  autoCommands: readonly string[];
}

/** Auto-commands run on every connect: a handful is plenty, and a bound keeps a reconnect cheap. */
export const MAX_AUTO_COMMANDS = 10;

const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

interface Row {
  user_id: string;
  network: string;
  nick: string | null;
  username: string | null;
  auto_commands: string;
}

type Column = 'nick' | 'username' | 'auto_commands';

/** Reads are from memory (loaded by `load()`); setters resolve once stored (row-cache.ts). */
export class UserSettingsStore {
  private readonly rows: RowCache<Row>;

  constructor(tables: StoreTables, private readonly now: () => number = Date.now) {
    this.rows = new RowCache(tables);
  }

  load(): Promise<void> {
    return this.rows.load('SELECT user_id, network, nick, username, auto_commands FROM irc_user_settings', (r) => rowKey(r.user_id, r.network));
  }

  get(userId: UserId, network: NetworkId): UserSettings {
    const row = this.rows.get(rowKey(userId, network));
    if (!row) return { autoCommands: [] };
    return {
      ...(row.nick !== null ? { nick: row.nick as IrcNick } : {}),
      ...(row.username !== null ? { username: row.username } : {}),
      autoCommands: JSON.parse(row.auto_commands) as string[],
    };
  }

  /** `undefined` forgets the preference (back to the template). */
  setNick(userId: UserId, network: NetworkId, nick: string | undefined): Promise<void> {
    let checked: IrcNick | undefined;
    try {
      checked = nick === undefined ? undefined : asIrcNick(nick);
    } catch (cause) {
      throw new AccountError('SETTING_INVALID', (cause as Error).message, { cause });
    }
    return this.set(userId, network, 'nick', checked ?? null);
  }

  setUsername(userId: UserId, network: NetworkId, username: string | undefined): Promise<void> {
    if (username !== undefined) checkUsername(username);
    return this.set(userId, network, 'username', username ?? null);
  }

  /** Replaces the list; each line is checked and normalised. Resolves with what was stored. */
  setAutoCommands(userId: UserId, network: NetworkId, lines: readonly string[]): Promise<string[]> {
    if (lines.length > MAX_AUTO_COMMANDS) {
      throw new AccountError('SETTING_INVALID', `At most ${MAX_AUTO_COMMANDS} auto-commands per network; remove some first (!autocmd clear).`);
    }
    const clean = lines.map((line) => sanitizeRawLine(line));
    return this.set(userId, network, 'auto_commands', JSON.stringify(clean)).then(() => clean);
  }

  addAutoCommand(userId: UserId, network: NetworkId, line: string): Promise<string[]> {
    return this.setAutoCommands(userId, network, [...this.get(userId, network).autoCommands, line]);
  }

  /** Networks the user has any setting for. */
  networksOf(userId: UserId): NetworkId[] {
    return [...this.rows.values()].filter((r) => r.user_id === userId).map((r) => r.network as NetworkId).sort();
  }

  private set(userId: UserId, network: NetworkId, column: Column, value: string | null): Promise<void> {
    const key = rowKey(userId, network);
    const row: Row = { ...(this.rows.get(key) ?? { user_id: userId, network, nick: null, username: null, auto_commands: '[]' }), [column]: value };
    // Column names come from the fixed `Column` list, never from input.
    return this.rows.put(key, row, (t) => t.run(`INSERT INTO irc_user_settings (user_id, network, ${column}, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (user_id, network) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at`, [userId, network, value, this.now()]));
  }
}

export function checkUsername(username: string): void {
  if (username.length === 0 || username.length > MAX_IDENT_LENGTH || !USERNAME.test(username)) {
    throw new AccountError(
      'SETTING_INVALID',
      `"${username}" cannot be an IRC username: use 1-${MAX_IDENT_LENGTH} letters, digits, '_', '.' or '-', starting with a letter, digit or '_'.`,
    );
  }
}
