/**
 * What the server announced about itself in RPL_ISUPPORT (005), as typed values with the
 * protocol's defaults, and the mode-string parser that depends on it. Pure: connection.ts feeds
 * in irc-framework's raw option map.
 */
import { parseCasemapping, type Casemapping } from '../mapping/casefold';

export interface PrefixMode {
  /** Channel mode letter, e.g. 'o'. */
  mode: string;
  /** Symbol shown in NAMES, e.g. '@'. */
  symbol: string;
}

/** CHANMODES=A,B,C,D: which channel modes take a parameter, and when. */
export interface ChanModes {
  /** Type A: list modes (bans, ...), always a parameter. */
  list: string;
  /** Type B: always a parameter (key). */
  alwaysParam: string;
  /** Type C: a parameter only when set (limit). */
  paramWhenSet: string;
  /** Type D: never a parameter. */
  noParam: string;
}

export interface Isupport {
  nickLength: number;
  casemapping: Casemapping;
  /** Highest rank first, as the server lists them. */
  prefix: readonly PrefixMode[];
  chanModes: ChanModes;
  chanTypes: string;
  /** CHANNELLEN: the longest channel name (bytes, prefix included) the server accepts; unknown = no known limit. */
  channelLength?: number;
  topicLength?: number;
  /** Full line length including CRLF (LINELEN, 512 unless announced). */
  lineLength: number;
  /** NETWORK=, the network's own name. */
  network?: string;
  /** TARGMAX's JOIN entry: most channels one JOIN line may name; unknown or empty = no known limit. */
  joinTargets?: number;
}

export const DEFAULT_ISUPPORT: Isupport = Object.freeze({
  nickLength: 9,
  casemapping: 'rfc1459',
  prefix: Object.freeze([{ mode: 'o', symbol: '@' }, { mode: 'v', symbol: '+' }]),
  chanModes: Object.freeze({ list: 'b', alwaysParam: 'k', paramWhenSet: 'l', noParam: 'imnpst' }),
  chanTypes: '#&',
  lineLength: 512,
});

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function isPrefixList(value: unknown): value is PrefixMode[] {
  return Array.isArray(value) && value.every((p) => typeof p?.mode === 'string' && typeof p?.symbol === 'string');
}

/**
 * Reads irc-framework's `network.options`: raw strings, except PREFIX, CHANTYPES and CHANMODES,
 * which it has already split. Absent tokens get the RFC defaults.
 */
export function isupportFrom(options: Readonly<Record<string, unknown>>): Isupport {
  const chanModes = Array.isArray(options.CHANMODES) ? options.CHANMODES.map(String) : undefined;
  const chanTypes = Array.isArray(options.CHANTYPES) ? options.CHANTYPES.join('') : typeof options.CHANTYPES === 'string' ? options.CHANTYPES : undefined;
  return {
    nickLength: positiveInt(options.NICKLEN) ?? DEFAULT_ISUPPORT.nickLength,
    casemapping: parseCasemapping(typeof options.CASEMAPPING === 'string' ? options.CASEMAPPING : undefined),
    prefix: isPrefixList(options.PREFIX) ? options.PREFIX.map((p) => ({ mode: p.mode, symbol: p.symbol })) : DEFAULT_ISUPPORT.prefix,
    chanModes: chanModes
      ? { list: chanModes[0] ?? '', alwaysParam: chanModes[1] ?? '', paramWhenSet: chanModes[2] ?? '', noParam: chanModes[3] ?? '' }
      : DEFAULT_ISUPPORT.chanModes,
    chanTypes: chanTypes || DEFAULT_ISUPPORT.chanTypes,
    channelLength: positiveInt(options.CHANNELLEN),
    topicLength: positiveInt(options.TOPICLEN),
    lineLength: positiveInt(options.LINELEN) ?? DEFAULT_ISUPPORT.lineLength,
    network: typeof options.NETWORK === 'string' ? options.NETWORK : undefined,
    joinTargets: targmax(options.TARGMAX, 'JOIN'),
  };
}

/**
 * Why the server will refuse `channel` as a name, by what it announced (CHANTYPES, CHANNELLEN),
 * as a sentence for the user; undefined when the name looks acceptable. Spaces, commas and
 * control characters never reach here: the alias grammar (mapping/) refuses them already.
 */
export function channelNameProblem(channel: string, isupport: Pick<Isupport, 'chanTypes' | 'channelLength'>): string | undefined {
  if (channel.length < 2 || !isupport.chanTypes.includes(channel[0] ?? '')) {
    return `${channel} is not a channel name on this network: channel names start with ${[...isupport.chanTypes].map((t) => `"${t}"`).join(' or ')}.`;
  }
  const bytes = Buffer.byteLength(channel, 'utf8');
  if (isupport.channelLength !== undefined && bytes > isupport.channelLength) {
    return `${channel} is too long for this network: channel names may be at most ${isupport.channelLength} bytes long (this one is ${bytes}).`;
  }
  return undefined;
}

export interface ModeChange {
  adding: boolean;
  mode: string;
  param?: string;
}

/**
 * Parses "+o-v+k alice bob key" into changes. Whether a letter takes a parameter comes from
 * PREFIX (always) and CHANMODES (A and B always, C only when set). User modes (`forUser`) take
 * none. A missing parameter leaves `param` undefined rather than shifting the rest.
 */
export function parseModeChanges(modes: string, params: readonly string[], isupport: Isupport, forUser = false): ModeChange[] {
  const changes: ModeChange[] = [];
  const always = forUser ? '' : isupport.prefix.map((p) => p.mode).join('') + isupport.chanModes.list + isupport.chanModes.alwaysParam;
  const whenSet = forUser ? '' : isupport.chanModes.paramWhenSet;
  let adding = true;
  let next = 0;
  for (const mode of modes) {
    if (mode === '+' || mode === '-') {
      adding = mode === '+';
      continue;
    }
    const takesParam = always.includes(mode) || (adding && whenSet.includes(mode));
    const change: ModeChange = { adding, mode };
    if (takesParam && next < params.length) change.param = params[next++];
    changes.push(change);
  }
  return changes;
}

/** Prefix symbols ('@+') → mode letters ('ov'), in the server's rank order. */
export function prefixesToModes(prefixes: string, isupport: Isupport): string {
  return isupport.prefix.filter((p) => prefixes.includes(p.symbol)).map((p) => p.mode).join('');
}

/** Mode letters ('vo') → prefix symbols ('@+'), in the server's rank order. */
export function modesToPrefixes(modes: string, isupport: Isupport): string {
  return isupport.prefix.filter((p) => modes.includes(p.mode)).map((p) => p.symbol).join('');
}

/** One command's limit in TARGMAX (`JOIN:5,PRIVMSG:4,KICK:`, raw or already split at commas); undefined when not limited. */
function targmax(value: unknown, command: string): number | undefined {
  const entries = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  for (const entry of entries) {
    const [name = '', limit] = entry.split(':');
    if (name.toUpperCase() === command) return positiveInt(limit);
  }
  return undefined;
}
