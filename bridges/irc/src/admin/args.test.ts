import { parseArgs, usageOf, type ArgSpec } from './args';
import { CommandError } from './errors';
import type { IrcNick, NetworkId } from '../mapping';
import { defineCommand, type CommandContext } from './command';

const one = { command: 'x', networks: ['libera'] as NetworkId[] };
const two = { command: 'x', networks: ['libera', 'oftc'] as NetworkId[] };
const network = { name: 'network', kind: 'network', help: '' } as const;

const join: ArgSpec[] = [
  { name: 'channel', kind: 'channel', help: '' },
  { name: 'key', kind: 'word', optional: true, help: '' },
  network,
];
const storepass: ArgSpec[] = [network, { name: 'password', kind: 'rest', help: '' }];
const autocmd: ArgSpec[] = [
  network,
  { name: 'action', kind: 'choice', choices: ['add', 'list', 'clear'], help: '' },
  { name: 'line', kind: 'rest', optional: true, help: '' },
];

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CommandError) return error.message;
    throw error;
  }
  throw new Error('expected a CommandError');
}

describe('parseArgs with words', () => {
  it.each<[string, typeof one, Record<string, unknown>]>([
    ['#chan', one, { channel: '#chan', key: undefined, network: 'libera' }],
    ['#chan libera', one, { channel: '#chan', key: undefined, network: 'libera' }],
    ['#chan LIBERA', one, { channel: '#chan', key: undefined, network: 'libera' }],
    ['#chan k3y', one, { channel: '#chan', key: 'k3y', network: 'libera' }],
    ['#chan k3y libera', one, { channel: '#chan', key: 'k3y', network: 'libera' }],
    ['#chan oftc', two, { channel: '#chan', key: undefined, network: 'oftc' }],
    ['#chan "key with space" oftc', two, { channel: '#chan', key: 'key with space', network: 'oftc' }],
    ['&local', one, { channel: '&local', key: undefined, network: 'libera' }],
  ])('join %j', (input, ctx, expected) => {
    expect(parseArgs(join, input, ctx)).toEqual(expected);
  });

  it('asks for the network when there are several', () => {
    expect(errorOf(() => parseArgs(join, '#chan', two))).toBe('Which network? Add its name to the command. Networks: libera, oftc.');
    expect(errorOf(() => parseArgs(join, '#chan', { command: 'x', networks: [] }))).toContain('no IRC networks');
  });

  it('names an unknown network', () => {
    expect(errorOf(() => parseArgs(join, '#chan key efnet', { ...two, command: 'join' }))).toBe(
      'Usage: !join <#channel> [key] [network] ("efnet" is not a network; networks: libera, oftc). Say !help join for details.',
    );
    expect(errorOf(() => parseArgs([network], 'efnet', two))).toContain('"efnet" is not a network');
    // One word too many reads the same way, with the usage showing what was meant.
    expect(errorOf(() => parseArgs([{ name: 'username', kind: 'word', help: '' }, network], 'my name', { ...one, command: 'username' }))).toBe(
      'Usage: !username <username> [network] ("name" is not a network; networks: libera). Say !help username for details.',
    );
  });

  it('gives the usage for missing and extra arguments', () => {
    expect(errorOf(() => parseArgs(join, '', { ...one, command: 'join' }))).toBe('Usage: !join <#channel> [key] [network] (missing arguments). Say !help join for details.');
    expect(errorOf(() => parseArgs(join, '#a k extra libera', one))).toContain('too many arguments');
  });

  it('validates channels, nicks, toggles and choices', () => {
    expect(errorOf(() => parseArgs(join, 'nochan', one))).toContain('Not a valid IRC channel');
    expect(errorOf(() => parseArgs([{ name: 'n', kind: 'nick', help: '' }], '"bad nick"', one))).toContain('Not a valid IRC nick');
    const toggle: ArgSpec[] = [{ name: 'v', kind: 'toggle', help: '' }];
    expect(parseArgs(toggle, 'ON', one)).toEqual({ v: true });
    expect(parseArgs(toggle, 'no', one)).toEqual({ v: false });
    expect(errorOf(() => parseArgs(toggle, 'maybe', one))).toBe('"maybe" is not on or off.');
    expect(errorOf(() => parseArgs(autocmd, 'remove x', one))).toBe('"remove" is not one of add, list, clear.');
  });

  it('reads a leading network by name', () => {
    expect(parseArgs([network], '', one)).toEqual({ network: 'libera' });
    expect(parseArgs([network], 'oftc', two)).toEqual({ network: 'oftc' });
  });
});

describe('parseArgs with a rest argument', () => {
  it.each<[string, typeof one, Record<string, unknown>]>([
    ['hunter2', one, { network: 'libera', password: 'hunter2' }],
    ['libera hunter2', one, { network: 'libera', password: 'hunter2' }],
    ['libera', one, { network: 'libera', password: 'libera' }],
    ['pass word with spaces ', one, { network: 'libera', password: 'pass word with spaces ' }],
    ['oftc "quoted" it\'s:colon', two, { network: 'oftc', password: '"quoted" it\'s:colon' }],
    ['  ünï cödé 🔑', one, { network: 'libera', password: 'ünï cödé 🔑' }],
  ])('storepass %j', (input, ctx, expected) => {
    expect(parseArgs(storepass, input, ctx)).toEqual(expected);
  });

  it('requires a required rest', () => {
    expect(errorOf(() => parseArgs(storepass, '', { ...one, command: 'storepass' }))).toContain('missing password');
    expect(errorOf(() => parseArgs(storepass, 'libera', two))).toContain('Which network?');
  });

  it.each<[string, Record<string, unknown>]>([
    ['list', { network: 'libera', action: 'list', line: undefined }],
    ['libera list', { network: 'libera', action: 'list', line: undefined }],
    ['add MODE me :+x "y', { network: 'libera', action: 'add', line: 'MODE me :+x "y' }],
  ])('autocmd %j', (input, expected) => {
    expect(parseArgs(autocmd, input, one)).toEqual(expected);
  });

  it('refuses misdeclared commands', () => {
    expect(() => parseArgs([{ name: 'r', kind: 'rest', help: '' }, network], '', one)).toThrow(TypeError);
    expect(() => parseArgs([network, network], '', one)).toThrow(TypeError);
    expect(() => parseArgs([{ name: 'a', kind: 'word', help: '' }, network, { name: 'b', kind: 'word', help: '' }], '', one)).toThrow(TypeError);
  });
});

describe('usageOf', () => {
  it('renders required, optional, toggle and choice arguments', () => {
    expect(usageOf('join', join)).toBe('!join <#channel> [key] [network]');
    expect(usageOf('storepass', storepass)).toBe('!storepass [network] <password>');
    expect(usageOf('autocmd', autocmd)).toBe('!autocmd [network] <add|list|clear> [line]');
    expect(usageOf('feature', [{ name: 'name', kind: 'word', help: '' }, { name: 'value', kind: 'toggle', optional: true, help: '' }])).toBe('!feature <name> [on|off]');
  });
});

describe('ArgValues (checked by tsc)', () => {
  it('types handler arguments from the declaration', async () => {
    const command = defineCommand({
      name: 'typed',
      args: [
        { name: 'nick', kind: 'nick', help: '' },
        { name: 'key', kind: 'word', optional: true, help: '' },
        { name: 'mode', kind: 'choice', choices: ['a', 'b'], help: '' },
        network,
      ],
      help: '',
      permission: 'user',
      handler: async (_ctx, args) => {
        const nick: IrcNick = args.nick;
        const key: string | undefined = args.key;
        const mode: 'a' | 'b' = args.mode;
        const net: NetworkId = args.network;
        // @ts-expect-error an undeclared argument does not exist
        void args.other;
        // @ts-expect-error an optional argument may be undefined
        const definite: string = args.key;
        return [nick, key, mode, net, definite].join(',');
      },
    });
    const values = parseArgs(command.args, 'bob k b', one);
    await expect(command.handler({} as CommandContext, values as never)).resolves.toBe('bob,k,b,libera,k');
  });
});
