import { Registry } from 'prom-client';
import { asRoomId, asUserId, type Logger } from '@bridgekit/appservice';
import { AccountError } from '../accounts';
import { IrcError } from '../irc';
import type { NetworkId } from '../mapping';
import { defineCommand, type AdminCommand } from './command';
import { CommandError } from './errors';
import { CommandRegistry, type CommandInvocation } from './registry';
import type { PermissionLevel } from './permissions';

const user = asUserId('@alice:example.org');
const room = asRoomId('!admin:example.org');

function invocation(level: PermissionLevel = 'user', replies: string[] = []): CommandInvocation {
  return { userId: user, roomId: room, level, reply: async (t) => void replies.push(t) };
}

function recordingLogger(lines: string[]): Logger {
  const log: Logger = {
    error: (m, meta) => lines.push(`error ${m} ${JSON.stringify(meta)}`),
    warn: (m, meta) => lines.push(`warn ${m} ${JSON.stringify(meta)}`),
    info: (m, meta) => lines.push(`info ${m} ${JSON.stringify(meta)}`),
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

const seen: unknown[] = [];
const commands: AdminCommand[] = [
  defineCommand({
    name: 'echo',
    args: [{ name: 'text', kind: 'rest', help: 'what to echo' }],
    help: 'Echoes text.\n\nA second paragraph only in details.',
    permission: 'user',
    handler: async (_ctx, { text }) => `echo: ${text}`,
  }),
  defineCommand({
    name: 'secret',
    args: [{ name: 'password', kind: 'rest', help: 'a secret' }],
    help: 'Takes a secret.',
    permission: 'user',
    sensitive: true,
    handler: async (_ctx, { password }) => {
      seen.push(password);
      throw new Error(`backend exploded`);
    },
  }),
  defineCommand({
    name: 'root',
    args: [],
    help: 'Admin only.',
    permission: 'admin',
    handler: async (ctx) => {
      await ctx.reply('working…');
      return `done as ${ctx.level}`;
    },
  }),
  defineCommand({ name: 'refuse', args: [], help: 'Refuses.', permission: 'user', handler: async () => { throw new CommandError('No, because.'); } }),
  defineCommand({ name: 'account', args: [], help: 'Account error.', permission: 'user', handler: async () => { throw new AccountError('SETTING_INVALID', 'Bad setting.'); } }),
  defineCommand({ name: 'ircfail', args: [], help: 'IRC error.', permission: 'user', handler: async () => { throw new IrcError('IRC_NOT_CONNECTED', 'Not connected to libera.'); } }),
];

function registry(lines: string[] = [], metrics?: Registry): CommandRegistry {
  return new CommandRegistry(commands, { networks: () => ['libera' as NetworkId], log: recordingLogger(lines), ...(metrics ? { metrics } : {}) });
}

describe('CommandRegistry.execute', () => {
  it('runs a command with parsed arguments; names are case-insensitive', async () => {
    await expect(registry().execute(invocation(), '!ECHO  hello "world"')).resolves.toEqual({ kind: 'ok', command: 'echo', reply: 'echo: hello "world"', sensitive: false });
  });

  it('answers unknown commands with a pointer to !help', async () => {
    await expect(registry().execute(invocation(), '!nope x')).resolves.toEqual({ kind: 'unknown', reply: 'Unknown command !nope. Say !help for the list.', sensitive: false });
  });

  it('denies commands above the sender level, and everything to "none"', async () => {
    expect((await registry().execute(invocation('user'), '!root')).reply).toBe('!root is only for bridge admins.');
    expect((await registry().execute(invocation('none'), '!echo x')).kind).toBe('denied');
    const replies: string[] = [];
    await expect(registry().execute(invocation('admin', replies), '!root')).resolves.toMatchObject({ kind: 'ok', reply: 'done as admin' });
    expect(replies).toEqual(['working…']);
  });

  it('reports usage problems, CommandErrors and AccountErrors as refusals without logging', async () => {
    const lines: string[] = [];
    const r = registry(lines);
    expect(await r.execute(invocation(), '!echo')).toMatchObject({ kind: 'refused', reply: expect.stringContaining('Usage: !echo <text>') });
    expect(await r.execute(invocation(), '!refuse')).toMatchObject({ kind: 'refused', reply: 'No, because.' });
    expect(await r.execute(invocation(), '!account')).toMatchObject({ kind: 'refused', reply: 'Bad setting.' });
    expect(lines).toEqual([]);
  });

  it('reports failures, logs them with context but never the arguments, and keeps the sensitive flag', async () => {
    const lines: string[] = [];
    const r = registry(lines);
    expect(await r.execute(invocation(), '!ircfail')).toEqual({ kind: 'failed', command: 'ircfail', reply: '!ircfail failed: Not connected to libera.', sensitive: false });
    expect(await r.execute(invocation(), '!secret hunter2 pass')).toEqual({ kind: 'failed', command: 'secret', reply: "!secret failed: the bridge ran into a problem; an admin can find the details in the bridge's log", sensitive: true });
    expect(seen).toContain('hunter2 pass');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^warn Admin command failed .*"code":"IRC_NOT_CONNECTED"/);
    expect(lines[1]).toMatch(/^error Admin command failed .*"command":"secret".*backend exploded/);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('keeps the sensitive flag when the sensitive command is refused or denied', async () => {
    expect((await registry().execute(invocation('none'), '!secret pw')).sensitive).toBe(true);
  });

  it('counts every outcome by command', async () => {
    const metrics = new Registry();
    const r = registry([], metrics);
    await r.execute(invocation(), '!echo a');
    await r.execute(invocation(), '!echo');
    await r.execute(invocation(), '!what');
    await r.execute(invocation(), '!root');
    const text = await metrics.metrics();
    expect(text).toContain('bridgekit_irc_admin_commands_total{command="echo",outcome="ok"} 1');
    expect(text).toContain('bridgekit_irc_admin_commands_total{command="echo",outcome="refused"} 1');
    expect(text).toContain('bridgekit_irc_admin_commands_total{command="unknown",outcome="unknown"} 1');
    expect(text).toContain('bridgekit_irc_admin_commands_total{command="root",outcome="denied"} 1');
  });

  it('refuses two commands with one name', () => {
    expect(() => new CommandRegistry([commands[0]!, commands[0]!], { networks: () => [] })).toThrow('Two admin commands are called !echo');
    expect(() => defineCommand({ name: 'Bad', args: [], help: '', permission: 'user', handler: async () => '' })).toThrow(TypeError);
  });

  it('recognises command messages', () => {
    expect(CommandRegistry.isCommand('!help')).toBe(true);
    expect(CommandRegistry.isCommand('  !join #a')).toBe(true);
    expect(CommandRegistry.isCommand('! help')).toBe(false);
    expect(CommandRegistry.isCommand('hello !help')).toBe(false);
  });
});

describe('help', () => {
  it('lists the commands the sender may run, generated from the records', async () => {
    const user = (await registry().execute(invocation('user'), '!help')).reply;
    expect(user).toContain('!echo <text> — Echoes text.');
    expect(user).toContain('!help [command] — Lists the commands, or explains one.');
    expect(user).not.toContain('A second paragraph');
    expect(user).not.toContain('!root');
    expect((await registry().execute(invocation('admin'), '!help')).reply).toContain('!root — Admin only.');
  });

  it('explains one command with its arguments', async () => {
    expect((await registry().execute(invocation(), '!help echo')).reply).toBe(
      '!echo <text>\nEchoes text.\nA second paragraph only in details.\n  text: what to echo',
    );
    expect((await registry().execute(invocation(), '!help !root')).reply).toContain('Only bridge admins may use this command.');
    expect((await registry().execute(invocation(), '!help nothing')).reply).toBe('There is no command !nothing. Say !help for the list.');
  });
});
