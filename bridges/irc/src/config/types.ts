/**
 * The `irc:` section of the bridge config, camelCased (the YAML file uses snake_case; every key
 * is documented in config.sample.yaml). Produced by `parseIrcConfig`, which validates, fills
 * defaults and resolves relative paths; nothing else reads the raw section.
 */
import type { RoomId } from '@bridgekit/appservice';
import type { NetworkAuthMethod } from '../accounts/accounts';
import type { FormattingCodes } from '../format/matrix-to-irc';
import type { IrcChannel, NetworkId } from '../mapping/ids';

export type { NetworkAuthMethod };

export interface IrcBridgeConfig {
  /** The bridge bot's localpart, used by `generate-registration` (the registration file wins at run time). */
  senderLocalpart: string;
  /** Localpart prefix of ghost users, e.g. `_irc_` → `@_irc_libera_alice:hs`. Must match the registration's user namespace. */
  ghostPrefix: string;
  /** Portal alias template, e.g. `#_irc_$NETWORK_$CHANNEL`; its literal start is the alias namespace prefix. */
  aliasTemplate: string;
  /** `mxc://` icon of the `irc` third-party protocol (clients show it beside the networks); none when unset. */
  protocolIcon?: string;
  /** Key file (32 random bytes, base64) used to encrypt stored IRC passwords; absolute path. */
  passwordKeyFile: string;
  /** Who may use the bridge and its admin commands: a user ID, a server name, or `*` → level. */
  permissions: Record<string, PermissionLevel>;
  media: MediaConfig;
  provisioning: ProvisioningConfig;
  /** Ghost joins/leaves sent to the homeserver (NAMES syncs, JOIN/PART/QUIT, netsplits), all networks together. */
  membershipPacing: { ratePerSecond: number; burst: number; maxQueued: number };
  /**
   * IRC lines (and other IRC → Matrix work) the homeserver does not take — unreachable, 5xx,
   * 429 — are retried for up to `retryMinutes` (0 = not at all), the room's later lines held
   * behind them in order, at most `maxHeldPerRoom` per room (the oldest are dropped beyond).
   */
  homeserverOutage: { retryMinutes: number; maxHeldPerRoom: number };
  networks: ReadonlyMap<NetworkId, IrcNetworkConfig>;
}

export type PermissionLevel = 'none' | 'user' | 'admin';

/**
 * How IRC users reach Matrix media (files, images, pastes). `direct` links to the homeserver's
 * legacy download path (works only where authenticated media is off); `proxy` links to the
 * bridge's own listener, which checks an HMAC signature and streams the file with the bridge's
 * credentials.
 */
export interface MediaConfig {
  mode: 'proxy' | 'direct';
  /**
   * Whether `mode` was written in the config. Left out, it is `proxy` when `public_url` is set and
   * `direct` otherwise; a defaulted `direct` is warned about at start-up (authenticated media).
   */
  modeConfigured: boolean;
  /**
   * Base URL IRC users can reach: where the bridge's `/_bridgekit/media/` paths are served
   * (the appservice listener, or the proxy's own port), or the homeserver's for `direct`.
   */
  publicUrl: string;
  /** Used with `port` only. */
  bindAddress: string;
  /** A listener of the proxy's own; absent: the proxy is a route on the appservice listener. */
  port?: number;
  /** Absolute path of the HMAC key; created with 32 random bytes on first start. */
  signingKeyFile: string;
  /** How long a signed link stays valid. */
  linkTtlSeconds: number;
  /** Largest file the proxy streams. */
  maxBytes: number;
}

export interface ProvisioningConfig {
  enabled: boolean;
  /** Used with `port` only. */
  bindAddress: string;
  /** A listener of the API's own; absent: its routes are on the appservice listener. */
  port?: number;
  secret?: string;
  maxLinksPerRoom: number;
}

export interface IrcNetworkConfig {
  /** Config key, `[a-z0-9-]+`; appears in ghost IDs and aliases. */
  id: NetworkId;
  /** Human name, shown in notices and admin replies. */
  name: string;
  host: string;
  port: number;
  tls: boolean;
  /** PEM contents of an extra CA to trust for this network's TLS (read from `ca_file`). */
  ca?: string;
  /** false accepts any certificate: test networks only. */
  tlsRejectUnauthorized: boolean;
  /** Server password (PASS), if the network needs one for everyone. Never logged. */
  password?: string;
  /** How a password a user stored with !storepass logs them in (see `NetworkAuthMethod`). */
  auth: NetworkAuthMethod;
  /** The bridge bot's own IRC presence, which listens to every bridged channel. */
  bot: { nick: string; username: string; realname: string; sasl?: { account: string; password: string } };
  /** Matrix users' connections. Template variables: $DISPLAY, $LOCALPART, $USERID. */
  puppets: {
    nickTemplate: string;
    usernameTemplate: string;
    realnameTemplate: string;
    /** Most Matrix users connected to this network at once; the next one gets a notice. */
    maxConnections: number;
    /** Disconnect a puppet after this long without activity (0 = never). Room memberships are kept. */
    idleTimeoutSeconds: number;
  };
  /** New connections per second to this network (shared by the bot and all puppets). */
  connectRatePerSecond: number;
  /** Token bucket per connection: `burst` lines at once, then `linesPerSecond`. */
  flood: { burst: number; linesPerSecond: number; maxQueued: number };
  reconnect: { baseDelaySeconds: number; maxDelaySeconds: number };
  /** Keepalive: PING after this much silence, give up after `pingTimeoutSeconds` more. */
  keepalive: { pingIntervalSeconds: number; pingTimeoutSeconds: number };
  /** Encoding tried when a line is not valid UTF-8. */
  fallbackEncoding: string;
  /** Whether joining `#<alias for a channel>` creates a portal on demand. */
  dynamicPortals: boolean;
  /** Channels bridged to existing rooms, from config. */
  staticRooms: ReadonlyArray<{ channel: IrcChannel; roomId: RoomId; key?: string }>;
  /** Which IRC members get ghosts in the room at start/join: all, none, or only when they speak. */
  membershipSync: 'all' | 'none' | 'lazy';
  /** Netsplit QUITs are mirrored only if the user has not rejoined within this time. */
  netsplitGraceSeconds: number;
  /** Channel prefix mode letter (o, v, h, a, q...) → power level of the IRC user's ghost; the highest wins. */
  modePowerLevels: Readonly<Record<string, number>>;
  /** Whether IRC users may open a private conversation with a Matrix user (and the reverse). */
  privateMessages: boolean;
  /**
   * Whether portals the bridge creates are listed in the homeserver's room directory (never
   * while the channel is secret, +s). Plumbed rooms are never touched.
   */
  publishPortals: boolean;
  messages: MessagesConfig;
}

export interface MessagesConfig {
  /** Messages that would take more than this many IRC lines become a link to the full text. */
  pasteThresholdLines: number;
  /** How a reply is shown on IRC: $NICK (who was replied to), $QUOTE (their words, shortened), $REPLY. */
  replyTemplate: string;
  /** Longest $QUOTE, in characters. */
  replyQuoteLength: number;
  /** How an edit is shown on IRC: $NEW (the new text). */
  editTemplate: string;
  /** Redactions of bridged messages: ignore, or send a short note to IRC. */
  redactions: 'ignore' | 'notice';
  /**
   * Which styles go to IRC as control codes (YAML `formatting.monospace_codes` /
   * `strikethrough_codes`); by default neither: inline code as `backticks`, strikethrough as ~~this~~.
   */
  formatting: FormattingCodes;
}
