/**
 * The `irc:` section of the bridge config, camelCased (the YAML file uses snake_case; see
 * config.sample.yaml). Parsed and defaulted by config/parse.ts.
 */
export interface IrcBridgeConfig {
  /** Localpart prefix of ghost users, e.g. `_irc_` → `@_irc_libera_alice:hs`. Must match the registration's user namespace. */
  ghostPrefix: string;
  /** Localpart prefix of portal aliases, e.g. `irc_` → `#irc_libera_#matrix:hs`. Must match the alias namespace. */
  aliasPrefix: string;
  /** Key file (32 random bytes, base64) used to encrypt stored IRC passwords. Created on first start if missing. */
  passwordKeyFile: string;
  /** Who may use the bridge and its admin commands: a user ID, a server name, or `*` → level. */
  permissions: Record<string, PermissionLevel>;
  /** Media links handed to IRC users: through the bridge's signed proxy (`proxy`) or the homeserver URL (`direct`). */
  media: { mode: 'proxy' | 'direct'; publicUrl?: string; signingKeyFile?: string };
  provisioning: { enabled: boolean; bindAddress: string; port: number; secret?: string; maxLinksPerRoom: number };
  networks: Record<string, IrcNetworkConfig>;
}

export type PermissionLevel = 'none' | 'user' | 'admin';

export interface IrcNetworkConfig {
  /** Config key, `[a-z0-9-]+`; appears in ghost IDs and aliases. */
  id: string;
  /** Human name, shown in the bridge info event and admin replies. */
  name: string;
  host: string;
  port: number;
  tls: boolean;
  /** Extra CA file to trust for this network's TLS. */
  caFile?: string;
  /** Server password (PASS), if the network needs one for everyone. */
  password?: string;
  /** The bridge bot's own IRC presence, which listens to every bridged channel. */
  bot: { nick: string; username: string; realname: string; sasl?: { account: string; password: string } };
  /** Matrix users' connections. Variables: $DISPLAY, $LOCALPART, $USERID. */
  puppets: {
    nickTemplate: string;
    usernameTemplate: string;
    realnameTemplate: string;
    maxConnections: number;
    /** Disconnect a puppet after this long without activity (0 = never). Room memberships are kept. */
    idleTimeoutMinutes: number;
  };
  /** New connections per second to this network (shared by all puppets) so mass reconnects are fast but polite. */
  connectRatePerSecond: number;
  flood: { burst: number; linesPerSecond: number };
  /** Encoding tried when a line is not valid UTF-8. */
  fallbackEncoding: string;
  dynamicPortals: boolean;
  /** Channels bridged to existing rooms, from config. */
  staticRooms: Array<{ channel: string; roomId: string }>;
  /** Which IRC members get ghosts in the room at start/join: all, none, or only when they speak. */
  membershipSync: 'all' | 'none' | 'lazy';
  messages: {
    /** Messages longer than this many lines become a link to the full text. */
    pasteThresholdLines: number;
    /** How a reply is shown on IRC: $NICK, $QUOTE, $REPLY. */
    replyTemplate: string;
    /** How an edit is shown on IRC: $NEW. */
    editTemplate: string;
    /** Redactions: ignore, or send a short note. */
    redactions: 'ignore' | 'notice';
  };
}
