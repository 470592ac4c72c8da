/**
 * Per-user, per-network settings: the nick and username a Matrix user wants on IRC and the raw
 * lines sent after each connect. Empty settings are the normal case: every getter answers with
 * defaults, so a row exists only once the user changed something.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { UserId } from '@bridgekit/appservice';
import { asIrcNick, MAX_IDENT_LENGTH, type IrcNick, type NetworkId } from '../mapping';
import { AccountError } from './errors';
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
  nick: string | null;
  username: string | null;
  auto_commands: string;
}

type Column = 'nick' | 'username' | 'auto_commands';

export class UserSettingsStore {
  private readonly select: Statement<[string, string], Row>;
  private readonly setters: Record<Column, Statement<[string, string, string | null, number]>>;
  private readonly networks: Statement<[string], { network: string }>;

  constructor(db: Database, private readonly now: () => number = Date.now) {
    this.select = db.prepare('SELECT nick, username, auto_commands FROM irc_user_settings WHERE user_id = ? AND network = ?');
    // Column names come from the fixed `Column` list, never from input.
    const setter = (column: Column) =>
      db.prepare<[string, string, string | null, number]>(`INSERT INTO irc_user_settings (user_id, network, ${column}, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (user_id, network) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at`);
    this.setters = { nick: setter('nick'), username: setter('username'), auto_commands: setter('auto_commands') };
    this.networks = db.prepare('SELECT network FROM irc_user_settings WHERE user_id = ? ORDER BY network');
  }

  get(userId: UserId, network: NetworkId): UserSettings {
    const row = this.select.get(userId, network);
    if (!row) return { autoCommands: [] };
    return {
      ...(row.nick !== null ? { nick: row.nick as IrcNick } : {}),
      ...(row.username !== null ? { username: row.username } : {}),
      autoCommands: JSON.parse(row.auto_commands) as string[],
    };
  }

  /** `undefined` forgets the preference (back to the template). */
  setNick(userId: UserId, network: NetworkId, nick: string | undefined): void {
    let checked: IrcNick | undefined;
    try {
      checked = nick === undefined ? undefined : asIrcNick(nick);
    } catch (cause) {
      throw new AccountError('SETTING_INVALID', (cause as Error).message, { cause });
    }
    this.setters.nick.run(userId, network, checked ?? null, this.now());
  }

  setUsername(userId: UserId, network: NetworkId, username: string | undefined): void {
    if (username !== undefined) checkUsername(username);
    this.setters.username.run(userId, network, username ?? null, this.now());
  }

  /** Replaces the list; each line is checked and normalised. Returns what was stored. */
  setAutoCommands(userId: UserId, network: NetworkId, lines: readonly string[]): string[] {
    if (lines.length > MAX_AUTO_COMMANDS) {
      throw new AccountError('SETTING_INVALID', `At most ${MAX_AUTO_COMMANDS} auto-commands per network; remove some first (!autocmd clear).`);
    }
    const clean = lines.map((line) => sanitizeRawLine(line));
    this.setters.auto_commands.run(userId, network, JSON.stringify(clean), this.now());
    return clean;
  }

  addAutoCommand(userId: UserId, network: NetworkId, line: string): string[] {
    return this.setAutoCommands(userId, network, [...this.get(userId, network).autoCommands, line]);
  }

  /** Networks the user has any setting for. */
  networksOf(userId: UserId): NetworkId[] {
    return this.networks.all(userId).map((r) => r.network as NetworkId);
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
