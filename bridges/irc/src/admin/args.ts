/**
 * Typed argument specs for admin commands and the parser that fills them. A command declares
 * its arguments once; the same declaration produces its usage line, its `!help` entry and the
 * typed object its handler receives.
 *
 * Network arguments are special: they may be left out when the bridge has one network, and they
 * are recognised by name (a word that is a configured network), so `!join #chan libera` and
 * `!join #chan key libera` both work and `!storepass libera pass word` reads the network first.
 */
import { asIrcChannel, asIrcNick, type IrcChannel, type IrcNick, type NetworkId } from '../mapping';
import { CommandError } from './errors';
import { ArgCursor } from './tokenize';

interface ArgBase {
  name: string;
  /** One line for `!help <command>`. */
  help: string;
  optional?: boolean;
}

export type ArgSpec =
  | (ArgBase & { kind: 'word' })
  | (ArgBase & { kind: 'nick' })
  | (ArgBase & { kind: 'channel' })
  /** Optional whenever one network is configured; always resolved before the handler runs. */
  | (ArgBase & { kind: 'network' })
  /** on/off, yes/no, true/false. */
  | (ArgBase & { kind: 'toggle' })
  | (ArgBase & { kind: 'choice'; choices: readonly string[] })
  /** The rest of the line exactly as typed (no quote processing). Must be the last argument. */
  | (ArgBase & { kind: 'rest' });

type ValueOf<S extends ArgSpec> = S extends { kind: 'nick' } ? IrcNick
  : S extends { kind: 'channel' } ? IrcChannel
  : S extends { kind: 'network' } ? NetworkId
  : S extends { kind: 'toggle' } ? boolean
  : S extends { kind: 'choice'; choices: readonly (infer C)[] } ? C
  : string;

/** The handler's view of its arguments: optional ones may be undefined, networks never are. */
export type ArgValues<A extends readonly ArgSpec[]> = {
  [S in A[number] as S['name']]: S extends { kind: 'network' } ? NetworkId
    : S extends { optional: true } ? ValueOf<S> | undefined
    : ValueOf<S>;
};

/** Channel prefixes accepted in commands; the connection checks the server's own CHANTYPES. */
const CHANNEL_PREFIXES = '#&+!';
const TOGGLES: Record<string, boolean> = { on: true, off: false, yes: true, no: false, true: true, false: false, enable: true, disable: false };

export function usageOf(name: string, args: readonly ArgSpec[]): string {
  const parts = args.map((a) => {
    const label = a.kind === 'channel' ? `#${a.name}` : a.kind === 'toggle' ? 'on|off' : a.kind === 'choice' ? a.choices.join('|') : a.name;
    return a.optional || a.kind === 'network' ? `[${label}]` : `<${label}>`;
  });
  return [`!${name}`, ...parts].join(' ');
}

export interface ParseContext {
  command: string;
  /** Configured networks, in config order. */
  networks: readonly NetworkId[];
}

/** Parses `input` (the text after the command name) against `specs`; throws CommandError with the usage. */
export function parseArgs(specs: readonly ArgSpec[], input: string, context: ParseContext): Record<string, unknown> {
  checkSpecs(specs, context.command);
  const raw = specs.some((s) => s.kind === 'rest') ? assignWithRest(specs, input, context) : assignWords(specs, input, context);
  const values: Record<string, unknown> = {};
  for (const spec of specs) {
    const value = raw.get(spec.name);
    if (spec.kind === 'network') values[spec.name] = resolveNetwork(value, context);
    else if (value === undefined) values[spec.name] = undefined;
    else values[spec.name] = convert(spec, value, context);
  }
  return values;
}

/** Words only: optional arguments are filled when there are words to spare; networks by name. */
function assignWords(specs: readonly ArgSpec[], input: string, context: ParseContext): Map<string, string> {
  const words = new ArgCursor(input).words();
  const assigned = new Map<string, string>();
  const required = specs.filter((s) => !s.optional && s.kind !== 'network').length;
  const network = specs.find((s) => s.kind === 'network');
  if (words.length < required) throw usageError(specs, context, 'missing arguments');
  if (network && words.length > required) {
    const atEnd = specs[specs.length - 1] === network;
    const candidate = atEnd ? words[words.length - 1]! : words[0]!;
    if (isNetwork(candidate, context)) {
      assigned.set(network.name, candidate);
      if (atEnd) words.pop();
      else words.shift();
    }
  }
  let spare = words.length - required;
  for (const spec of specs) {
    if (spec.kind === 'network') continue;
    if (spec.optional) {
      if (spare <= 0) continue;
      spare--;
    }
    assigned.set(spec.name, words.shift()!);
  }
  if (words.length > 0) {
    if (network && !assigned.has(network.name)) {
      // Either a misspelt network or one word too many (`!username my name`): the usage covers both.
      throw usageError(specs, context, `"${words[words.length - 1]}" is not a network; ${networkList(context).toLowerCase().replace(/\.$/, '')}`);
    }
    throw usageError(specs, context, 'too many arguments');
  }
  return assigned;
}

/** Words up to the `rest` argument, which takes the remaining text verbatim. */
function assignWithRest(specs: readonly ArgSpec[], input: string, context: ParseContext): Map<string, string> {
  const cursor = new ArgCursor(input);
  const assigned = new Map<string, string>();
  for (const spec of specs) {
    if (spec.kind === 'rest') {
      const text = cursor.rest();
      if (text.length > 0) assigned.set(spec.name, text);
      else if (!spec.optional) throw usageError(specs, context, `missing ${spec.name}`);
      continue;
    }
    const word = cursor.peek();
    if (spec.kind === 'network' || spec.optional) {
      // Taken only when it is clearly this argument and the required ones after it still have text.
      const later = specs.slice(specs.indexOf(spec) + 1).some((s) => !s.optional && s.kind !== 'network');
      const fits = spec.kind === 'network' ? word !== undefined && isNetwork(word, context) : word !== undefined;
      if (!fits || (later && cursor.restAfterPeek().length === 0)) continue;
    } else if (word === undefined) {
      throw usageError(specs, context, `missing ${spec.name}`);
    }
    assigned.set(spec.name, cursor.next()!);
  }
  return assigned;
}

function convert(spec: ArgSpec, value: string, context: ParseContext): unknown {
  switch (spec.kind) {
    case 'nick':
    case 'channel':
      try {
        return spec.kind === 'nick' ? asIrcNick(value) : asIrcChannel(value, CHANNEL_PREFIXES);
      } catch (error) {
        throw new CommandError(`${(error as Error).message} (${usageOf(context.command, [spec])})`);
      }
    case 'toggle': {
      const toggle = TOGGLES[value.toLowerCase()];
      if (toggle === undefined) throw new CommandError(`"${value}" is not on or off.`);
      return toggle;
    }
    case 'choice': {
      const choice = spec.choices.find((c) => c === value.toLowerCase());
      if (choice === undefined) throw new CommandError(`"${value}" is not one of ${spec.choices.join(', ')}.`);
      return choice;
    }
    default:
      return value;
  }
}

function resolveNetwork(value: string | undefined, context: ParseContext): NetworkId {
  if (value !== undefined) return value.toLowerCase() as NetworkId;
  if (context.networks.length === 1) return context.networks[0]!;
  if (context.networks.length === 0) throw new CommandError('The bridge has no IRC networks configured.');
  throw new CommandError(`Which network? Add its name to the command. ${networkList(context)}`);
}

function isNetwork(word: string, context: ParseContext): boolean {
  return context.networks.includes(word.toLowerCase() as NetworkId);
}

function networkList(context: ParseContext): string {
  return `Networks: ${context.networks.join(', ')}.`;
}

function usageError(specs: readonly ArgSpec[], context: ParseContext, problem: string): CommandError {
  return new CommandError(`Usage: ${usageOf(context.command, specs)} (${problem}). Say !help ${context.command} for details.`);
}

// Declaration mistakes are programming errors of a command, caught by its first test.
function checkSpecs(specs: readonly ArgSpec[], command: string): void {
  const rest = specs.findIndex((s) => s.kind === 'rest');
  if (rest !== -1 && rest !== specs.length - 1) throw new TypeError(`!${command}: a "rest" argument must be the last one`);
  if (specs.filter((s) => s.kind === 'network').length > 1) throw new TypeError(`!${command}: at most one network argument`);
  const network = specs.findIndex((s) => s.kind === 'network');
  if (rest === -1 && network > 0 && network !== specs.length - 1) {
    throw new TypeError(`!${command}: a network argument goes first or last`);
  }
}
