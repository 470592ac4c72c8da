/**
 * The `irc:` section as the bridge reads it: the schema's own type (camelCased, defaults filled,
 * see schema.ts and config.sample.yaml), with only what parse.ts adds on top spelt out here —
 * values computed from other keys, files read, names checked and branded, the network map.
 */
import type { RoomId, SectionValue } from '@bridgekit/appservice';
import type { NetworkAuthMethod } from '../accounts/accounts';
import type { FormattingCodes } from '../format/matrix-to-irc';
import type { IrcChannel, NetworkId } from '../mapping/ids';
import type { IRC_SECTION_SCHEMA } from './schema';

export type { NetworkAuthMethod };

/** The validated section before parse.ts: the schema's type, camelCased. */
export type IrcSection = SectionValue<typeof IRC_SECTION_SCHEMA>;
type NetworkSection = IrcSection['networks'][string];

export type IrcBridgeConfig = Omit<IrcSection, 'passwordKeyFile' | 'permissions' | 'media' | 'networks'> & {
  /** Key file (32 random bytes, base64) used to encrypt stored IRC passwords; absolute path. */
  passwordKeyFile: string;
  /** Who may use the bridge and its admin commands (default: everyone on this homeserver is a user). */
  permissions: Record<string, PermissionLevel>;
  media: MediaConfig;
  networks: ReadonlyMap<NetworkId, IrcNetworkConfig>;
};

export type PermissionLevel = NonNullable<IrcSection['permissions']>[string];
export type ProvisioningConfig = IrcSection['provisioning'];

/**
 * How IRC users reach Matrix media (files, images, pastes). `direct` links to the homeserver's
 * legacy download path (works only where authenticated media is off); `proxy` links to the
 * bridge's own listener, which checks an HMAC signature and streams the file with the bridge's
 * credentials.
 */
export type MediaConfig = Omit<IrcSection['media'], 'mode' | 'publicUrl' | 'signingKeyFile'> & {
  mode: 'proxy' | 'direct';
  /**
   * Whether `mode` was written in the config. Left out, it is `proxy` when `public_url` is set and
   * `direct` otherwise; a defaulted `direct` is warned about at start-up (authenticated media).
   */
  modeConfigured: boolean;
  /** Base URL IRC users can reach: the proxy's public address, or the homeserver's for `direct`. */
  publicUrl: string;
  /** Absolute path of the HMAC key; created with 32 random bytes on first start. */
  signingKeyFile: string;
};

export type IrcNetworkConfig = Omit<NetworkSection, 'name' | 'port' | 'caFile' | 'staticRooms' | 'modePowerLevels' | 'messages'> & {
  /** Config key, `[a-z0-9-]+`; appears in ghost IDs and aliases. */
  id: NetworkId;
  name: string;
  port: number;
  /** PEM contents of an extra CA to trust for this network's TLS (read from `ca_file`). */
  ca?: string;
  staticRooms: ReadonlyArray<{ channel: IrcChannel; roomId: RoomId; key?: string }>;
  modePowerLevels: Readonly<Record<string, number>>;
  messages: MessagesConfig;
};

export type MessagesConfig = Omit<NetworkSection['messages'], 'formatting'> & {
  /**
   * Which styles go to IRC as control codes (YAML `formatting.monospace_codes` /
   * `strikethrough_codes`); by default neither: inline code as `backticks`, strikethrough as ~~this~~.
   */
  formatting: FormattingCodes;
};
