import { randomBytes } from 'node:crypto';
import { asRoomId, asUserId, type RoomId } from '@bridgekit/appservice';
import { IrcAccounts } from '../../accounts';
import { openTempStore, type TempStore } from '../../accounts/testing';
import { IrcError, JoinFailedError, type WhoisInfo } from '../../irc';
import type { IrcChannel, IrcNick, NetworkId } from '../../mapping';
import type { PermissionLevel } from '../permissions';
import { CommandRegistry, type CommandOutcome } from '../registry';
import { FakeAdminOps } from '../testing';
import { adminCommands, formatWhois } from './index';

const alice = asUserId('@alice:example.org');
const room = asRoomId('!admin:example.org');
const libera = 'libera' as NetworkId;
const oftc = 'oftc' as NetworkId;

let temp: TempStore;
let accounts: IrcAccounts;
let ops: FakeAdminOps;
let progress: string[];

beforeEach(() => {
  temp = openTempStore();
  accounts = new IrcAccounts(temp.store.tables, randomBytes(32), { authMethod: (n) => (n === oftc ? 'nickserv' : 'sasl') });
  ops = new FakeAdminOps();
  progress = [];
});
afterEach(() => temp.close());

function registryFor(fake: FakeAdminOps, rawCommandPermission?: 'user' | 'admin'): CommandRegistry {
  return new CommandRegistry(adminCommands({ ops: fake, accounts, ...(rawCommandPermission ? { rawCommandPermission } : {}) }), {
    networks: () => fake.networks().map((n) => n.id),
  });
}

async function run(body: string, level: PermissionLevel = 'user', fake = ops, raw?: 'user' | 'admin'): Promise<CommandOutcome> {
  return registryFor(fake, raw).execute({ userId: alice, roomId: room, level, reply: async (t) => void progress.push(t) }, body);
}

const twoNetworks = () => new FakeAdminOps([{ id: libera, name: 'Libera.Chat' }, { id: oftc, name: 'OFTC' }]);

describe('!nick', () => {
  it('saves the nick for later when not connected', async () => {
    expect((await run('!nick Alice_')).reply).toBe('Saved: you will be Alice_ on Libera.Chat from your next connection.');
    expect(accounts.settings.get(alice, libera).nick).toBe('Alice_');
  });

  it('changes the nick live and saves what the server confirmed', async () => {
    const puppet = ops.connect(alice, libera, 'alice');
    expect((await run('!nick Alice2 libera')).reply).toBe('You are now Alice2 on Libera.Chat.');
    expect(puppet.sent).toEqual(['NICK Alice2']);
    expect(accounts.settings.get(alice, libera).nick).toBe('Alice2');
  });

  it('keeps the old preference when the server refuses', async () => {
    ops.connect(alice, libera).refuseNick = new IrcError('IRC_NICK_UNAVAILABLE', 'The nick Taken is in use.');
    const outcome = await run('!nick Taken');
    expect(outcome).toMatchObject({ kind: 'refused', reply: 'Taken is not available on Libera.Chat (someone may be using it); choose another nick.' });
    expect(accounts.settings.get(alice, libera).nick).toBeUndefined();
  });

  it('says when the server finds the nick invalid, and reports other errors as failures', async () => {
    const puppet = ops.connect(alice, libera);
    puppet.refuseNick = new IrcError('IRC_NICK_INVALID', 'Cannot change nick to x-: Erroneous nickname.');
    expect(await run('!nick x-')).toMatchObject({ kind: 'refused', reply: 'Libera.Chat does not accept x- as a nick; choose another.' });
    puppet.refuseNick = new IrcError('IRC_REPLY_TIMEOUT', 'The IRC server did not answer NICK for x within 30 seconds; try again later.');
    expect(await run('!nick x')).toMatchObject({ kind: 'failed', reply: expect.stringContaining('did not answer NICK') });
  });

  it('refuses invalid nicks', async () => {
    expect(await run('!nick "two words"')).toMatchObject({ kind: 'refused', reply: expect.stringContaining('Not a valid IRC nick') });
  });
});

describe('!username', () => {
  it('saves a valid username and says when it applies', async () => {
    expect((await run('!username alice')).reply).toContain('is alice from your next connection (say !reconnect libera');
    expect(accounts.settings.get(alice, libera).username).toBe('alice');
    expect(await run('!username waytoolongusername')).toMatchObject({ kind: 'refused' });
  });
});

describe('!mode', () => {
  it('sets user modes on the own nick, connecting if needed', async () => {
    expect((await run('!mode +iw-x')).reply).toBe('Sent MODE alice +iw-x on Libera.Chat.');
    expect(ops.calls).toEqual([`puppetFor ${alice} libera`]);
    expect(ops.puppets.get(`${alice}/libera`)?.sent).toEqual(['MODE alice +iw-x']);
  });

  it('refuses anything but user modes', async () => {
    for (const modes of ['i', '+', '+1', '+b *!*@*']) {
      const outcome = await run(`!mode ${modes}`);
      expect(outcome.kind).toBe('refused');
    }
    expect((await run('!mode i')).reply).toContain('not a list of user modes');
  });
});

describe('!reconnect and !quit', () => {
  it('reconnects, says so first, and answers when done', async () => {
    expect((await run('!reconnect')).reply).toBe('Reconnected to Libera.Chat as alice_reconnected.');
    expect(progress).toEqual(['Reconnecting to Libera.Chat…']);
    expect(ops.calls).toEqual([`reconnect ${alice} libera`]);
  });

  it('reports a failed reconnect', async () => {
    ops.failReconnect = new IrcError('IRC_CONNECT_FAILED', 'Cannot reach irc.libera.chat:6697.');
    expect(await run('!reconnect')).toMatchObject({ kind: 'failed', reply: '!reconnect failed: Cannot reach irc.libera.chat:6697.' });
  });

  it('quits and tells whether there was a connection', async () => {
    ops.connect(alice, libera);
    expect((await run('!quit')).reply).toBe('Disconnected from Libera.Chat. Say !reconnect libera to connect again.');
    expect((await run('!quit')).reply).toBe('You were not connected to Libera.Chat.');
  });

  it('asks for the network when there are several', async () => {
    expect(await run('!quit', 'user', twoNetworks())).toMatchObject({ kind: 'refused', reply: expect.stringContaining('Which network?') });
  });
});

describe('!join, !part, !listrooms', () => {
  it('joins with and without a key on the named network', async () => {
    const fake = twoNetworks();
    expect((await run('!join #matrix oftc', 'user', fake)).reply).toBe('Joined #matrix on OFTC. Its room is #irc_oftc_#matrix:example.org (you are invited if you are not in it yet).');
    await run('!join #secret s3cret libera', 'user', fake);
    expect(fake.calls).toEqual([`join ${alice} oftc #matrix`, `join ${alice} libera #secret s3cret`]);
  });

  it('parts and says when the user was not in the channel', async () => {
    await run('!join #matrix');
    expect((await run('!part #matrix')).reply).toBe('Left #matrix on Libera.Chat.');
    expect((await run('!part #matrix')).reply).toBe('You are not in #matrix on Libera.Chat.');
  });

  it('lists each channel with its network and the alias of its room, or the room ID when it has no alias', async () => {
    expect((await run('!listrooms')).reply).toContain('You are not in any bridged IRC channel');
    await run('!join #a');
    ops.connect(alice, libera);
    ops.rooms.push({ network: libera, channel: '#linked' as IrcChannel, roomId: '!linked:example.org' as RoomId });
    expect((await run('!listrooms')).reply).toBe(
      'Your IRC channels:\n#a on Libera.Chat → #irc_libera_#a:example.org\n#linked on Libera.Chat → !linked:example.org (no alias)',
    );
  });

  it('lists the channels kept while the user is disconnected, and says how to be back in them', async () => {
    const fake = twoNetworks();
    await run('!join #a libera', 'user', fake);
    await run('!join #b oftc', 'user', fake);
    fake.connect(alice, oftc);
    expect((await run('!listrooms', 'user', fake)).reply).toBe(
      'Your IRC channels:\n#a on Libera.Chat → #irc_libera_#a:example.org\n#b on OFTC → #irc_oftc_#b:example.org\n' +
      'You are not connected to Libera.Chat right now: say !reconnect libera to be back in its channels.',
    );
  });

  it.each([
    ['475', 'Cannot join channel (+k)', '#k needs a key (+k): join with !join #k <key>, and check the key if you gave one.'],
    ['473', 'Cannot join channel (+i)', '#k is invite-only (+i): ask one of its operators to invite you, then join again.'],
    ['474', 'Cannot join channel (+b)', 'You are banned from #k (+b); ask one of its operators if you think this is a mistake.'],
  ])('says what to do when the server refuses the JOIN with %s', async (numeric, reason, reply) => {
    ops.failJoin = new JoinFailedError('#k', numeric, reason);
    expect(await run('!join #k')).toMatchObject({ kind: 'refused', reply });
  });

  it('reports a refusal without advice as the server put it', async () => {
    ops.failJoin = new JoinFailedError('#k', '437', 'Channel temporarily unavailable');
    expect(await run('!join #k')).toMatchObject({ kind: 'failed', reply: '!join failed: Cannot join #k: Channel temporarily unavailable (437).' });
  });

  it('refuses channel names without a prefix', async () => {
    expect(await run('!join matrix')).toMatchObject({ kind: 'refused', reply: expect.stringContaining('Not a valid IRC channel') });
  });
});

describe('!whois', () => {
  const info: WhoisInfo = {
    nick: 'Bob' as IrcNick, ident: '~bob', host: 'example.net', realname: 'Bob B', server: 'irc.example.net',
    channels: ['@#ops', '#chat'], account: 'bob', idleSeconds: 3723, away: 'lunch', operator: true, secure: true,
  };

  it('shows what the server says', async () => {
    ops.connect(alice, libera).whoisAnswers.set('bob', info);
    expect((await run('!whois Bob')).reply).toBe(
      'Bob!~bob@example.net (Bob B)\nServer: irc.example.net\nChannels: @#ops #chat\nLogged in as: bob\nIdle: 1h 2m\nAway: lunch\nIRC operator, secure connection',
    );
  });

  it('asks through the bot when the user is not connected, without connecting them', async () => {
    ops.botWhoisAnswers.set('bob', info);
    expect((await run('!whois Bob')).reply).toContain('Bob!~bob@example.net (Bob B)');
    expect(ops.calls).toEqual([`whois ${alice} libera Bob via bot`]);
    expect(ops.connectedPuppet(alice, libera)).toBeUndefined();
  });

  it('says when nobody has the nick', async () => {
    expect((await run('!whois ghost')).reply).toBe('No such nick on Libera.Chat: ghost; check the spelling, or try again once they are online.');
  });

  it('formats sparse answers', () => {
    expect(formatWhois({ nick: 'x' as IrcNick, channels: [], idleSeconds: 5, operator: false, secure: false })).toBe('x\nIdle: 5s');
  });
});

describe('!storepass and !removepass', () => {
  it('stores the rest of the line exactly, marks the command sensitive and never echoes the password', async () => {
    const outcome = await run('!storepass  my "zebra" word:with:colons ');
    expect(outcome.kind).toBe('ok');
    expect(outcome.sensitive).toBe(true);
    expect(outcome.reply).toContain('used with SASL as your nick');
    expect(outcome.reply).not.toContain('zebra');
    expect(accounts.credentialsFor(alice, libera)).toEqual({ method: 'sasl', password: 'my "zebra" word:with:colons ' });
  });

  it('takes an account with --account= and a leading network', async () => {
    const fake = twoNetworks();
    expect((await run('!storepass oftc --account=AliceAcct ünï cödé', 'user', fake)).reply).toContain('NickServ IDENTIFY as account AliceAcct');
    expect(accounts.credentialsFor(alice, oftc)).toEqual({ method: 'nickserv', account: 'AliceAcct', password: 'ünï cödé' });
    expect(accounts.credentialsFor(alice, libera)).toBeUndefined();
  });

  it('refuses unusable passwords and stores nothing', async () => {
    expect(await run('!storepass --account=x')).toMatchObject({ kind: 'refused', sensitive: true });
    expect(await run('!storepass a\nb')).toMatchObject({ kind: 'refused', reply: expect.stringContaining('line break') });
    expect(await run('!storepass')).toMatchObject({ kind: 'refused', sensitive: true, reply: expect.stringContaining('Usage: !storepass [network] <password>') });
    expect(accounts.passwords.has(alice, libera)).toBe(false);
  });

  it('removes the password', async () => {
    await run('!storepass pw');
    expect((await run('!removepass')).reply).toBe('Deleted your stored password for Libera.Chat.');
    expect((await run('!removepass libera')).reply).toBe('You had no stored password for Libera.Chat.');
    expect(accounts.passwords.has(alice, libera)).toBe(false);
  });
});

describe('!feature', () => {
  it('lists, shows and sets toggles', async () => {
    expect((await run('!feature')).reply).toContain('autojoin: on (default) — Rejoin your IRC channels');
    expect((await run('!feature autojoin off')).reply).toBe('autojoin is now off for you.');
    expect((await run('!feature AUTOJOIN')).reply).toBe('autojoin is off for you.');
    expect((await run('!feature')).reply).toContain('autojoin: off —');
    expect(accounts.features.isEnabled(alice, 'autojoin')).toBe(false);
    expect(await run('!feature nope on')).toMatchObject({ kind: 'refused', reply: expect.stringContaining('There is no feature "nope"') });
    expect(await run('!feature autojoin maybe')).toMatchObject({ kind: 'refused' });
  });
});

describe('!cmd and !autocmd', () => {
  it('are admin-only by default and user-level when configured', async () => {
    expect(await run('!cmd WHO #a')).toMatchObject({ kind: 'denied' });
    expect(await run('!autocmd list')).toMatchObject({ kind: 'denied' });
    expect(await run('!cmd WHO #a', 'user', ops, 'user')).toMatchObject({ kind: 'ok', reply: 'Sent to Libera.Chat: WHO #a' });
  });

  it('sends one sanitized line with the network first', async () => {
    const fake = twoNetworks();
    expect((await run('!cmd oftc /PRIVMSG ChanServ :INFO #a "x"', 'admin', fake)).reply).toBe('Sent to OFTC: PRIVMSG ChanServ :INFO #a "x"');
    expect(fake.puppets.get(`${alice}/oftc`)?.sent).toEqual(['PRIVMSG ChanServ :INFO #a "x"']);
  });

  it('are redacted like !storepass and never show the password of IDENTIFY, PASS or OPER', async () => {
    const fake = twoNetworks();
    expect(await run('!cmd libera PRIVMSG NickServ :IDENTIFY alice s3cret', 'admin', fake)).toMatchObject({
      kind: 'ok', sensitive: true, reply: 'Sent to Libera.Chat: PRIVMSG NickServ :IDENTIFY ***',
    });
    expect(fake.puppets.get(`${alice}/libera`)?.sent).toEqual(['PRIVMSG NickServ :IDENTIFY alice s3cret']);
    expect(await run('!autocmd add OPER alice operpw', 'admin')).toMatchObject({ sensitive: true, reply: 'Auto-commands on Libera.Chat:\n1. OPER alice ***' });
    expect((await run('!autocmd add NS identify pw2', 'admin')).reply).toContain('2. NS identify ***');
    expect((await run('!autocmd list', 'admin')).reply).not.toMatch(/operpw|pw2/);
    expect(accounts.settings.get(alice, libera).autoCommands).toEqual(['OPER alice operpw', 'NS identify pw2']);
  });

  it('refuses line breaks and session commands', async () => {
    expect(await run('!cmd PRIVMSG x :a\r\nQUIT', 'admin')).toMatchObject({ kind: 'refused', reply: expect.stringContaining('single line') });
    expect(await run('!cmd QUIT :bye', 'admin')).toMatchObject({ kind: 'refused', reply: expect.stringContaining('!quit') });
    expect(ops.calls).toEqual([]);
  });

  it('manages auto-commands', async () => {
    expect((await run('!autocmd add MODE alice +R', 'admin')).reply).toBe('Auto-commands on Libera.Chat:\n1. MODE alice +R');
    expect((await run('!autocmd libera add /join #x', 'admin')).reply).toContain('2. join #x');
    expect((await run('!autocmd list', 'admin')).reply).toBe('Auto-commands on Libera.Chat:\n1. MODE alice +R\n2. join #x');
    expect(await run('!autocmd add', 'admin')).toMatchObject({ kind: 'refused', reply: expect.stringContaining('Say which line') });
    expect((await run('!autocmd clear', 'admin')).reply).toBe('No auto-commands on Libera.Chat.');
    expect(accounts.settings.get(alice, libera).autoCommands).toEqual([]);
  });
});

describe('!reload', () => {
  it('is for admins only, and answers what was applied and what needs a restart in one reply', async () => {
    expect(await run('!reload')).toMatchObject({ kind: 'denied' });
    ops.reloadReport = { ok: true, problems: [], applied: ['logging.level', 'irc.networks.libera.flood'], needsRestart: ['appservice.port'] };
    expect((await run('!reload', 'admin')).reply).toBe('Reloaded: logging.level, irc.networks.libera.flood. Needs a restart: appservice.port.');
    ops.reloadReport = { ok: true, problems: [], applied: [], needsRestart: [] };
    expect((await run('!reload', 'admin')).reply).toBe('Reloaded; nothing that can change live had changed.');
  });

  it('says the running config stays when the file is refused, naming the problem', async () => {
    ops.reloadReport = { ok: false, problems: ['irc.networks.libera.flood.burst: must be an integer'], applied: [], needsRestart: [] };
    expect((await run('!reload', 'admin')).reply).toBe('The config was not reloaded; the running one stays. Fix: irc.networks.libera.flood.burst: must be an integer');
  });
});

describe('!bridgeversion and !help', () => {
  it('answers the version', async () => {
    expect((await run('!bridgeversion')).reply).toBe('bridgekit-irc 0.1.0-test');
  });

  it('lists every user command in !help and the raw ones only for admins', async () => {
    const help = (await run('!help')).reply;
    for (const name of ['help', 'nick', 'username', 'mode', 'reconnect', 'quit', 'join', 'part', 'listrooms', 'whois', 'bridgeversion', 'storepass', 'removepass', 'feature']) {
      expect(help).toContain(`!${name}`);
    }
    expect(help).not.toContain('!cmd');
    expect((await run('!help', 'admin')).reply).toContain('!cmd [network] <line>');
    expect((await run('!help storepass')).reply).toContain('--account=NAME');
  });
});
