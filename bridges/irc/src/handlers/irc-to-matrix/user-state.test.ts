// Unit tests (in-process fakes) of what the bot learns about IRC users unasked: away → ghost
// presence (`away_presence`), and account / host / away kept for `!whois` without a WHOIS.
import type { IrcConnectionEvents } from '../../irc/events';
import type { IrcNick, NetworkId } from '../../mapping/ids';
import { adminBridgeOps } from '../../admin/bridge-ops';
import type { FakeIrcClient } from '../../testing/fake-irc-client';
import { BOT_NICK, CHANNEL, ghostOf, startHarness, type Harness } from '../../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const net = 'net' as NetworkId;
const LIVE_CAPS = ['account-notify', 'away-notify', 'extended-join', 'chghost'];

function bot(): FakeIrcClient {
  const client = h.server.client(BOT_NICK);
  if (!client) throw new Error('the bot is not connected');
  return client;
}

function fromServer<E extends keyof IrcConnectionEvents>(event: E, value: IrcConnectionEvents[E]): void {
  bot().emitEvent(event, value);
}

/** Fake time passes a second at a time, so each send's next timer is armed before it is due. */
async function seconds(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await h.advance(1_000);
}

const away = (nick: string, message: string | undefined) => fromServer('away', { nick: nick as IrcNick, all: {}, message });

describe('away_presence', () => {
  it('sets the presence of ghosts in the room once the change has settled, and only theirs', async () => {
    h = await startHarness({ network: { away_presence: true } });
    const roomId = await h.portal();
    h.server.userJoins('carol', CHANNEL);
    h.server.userJoins('dave', CHANNEL);
    h.server.userSays('carol', CHANNEL, 'hello'); // lazy: carol's ghost joins, dave has none
    await h.settle();
    expect(h.tb.homeserver.model.room(roomId).membership(ghostOf('carol'))).toBe('join');
    away('carol', 'lunch');
    away('dave', 'lunch');
    await h.advance(1_000);
    expect(h.tb.sent.presence()).toEqual([]);
    await h.advance(1_500);
    expect(h.tb.sent.presence()).toEqual([{ userId: ghostOf('carol'), state: 'unavailable', statusMsg: 'lunch' }]);
    away('carol', undefined);
    await h.advance(3_000);
    expect(h.tb.sent.presence().at(-1)).toEqual({ userId: ghostOf('carol'), state: 'online' });
  });

  it('keeps an away ghost unavailable with refreshes, and lets it go when the user quits', async () => {
    h = await startHarness({ network: { away_presence: true } });
    await h.portal();
    h.server.userJoins('carol', CHANNEL);
    h.server.userSays('carol', CHANNEL, 'hello');
    await h.settle();
    away('carol', 'lunch');
    await seconds(45);
    expect(h.tb.sent.presence()).toHaveLength(3); // at 2 s, 22 s and 42 s
    h.server.userQuits('carol', 'bye');
    await seconds(60);
    expect(h.tb.sent.presence()).toHaveLength(3);
  });

  it('is off unless configured', async () => {
    h = await startHarness();
    await h.portal();
    h.server.userJoins('carol', CHANNEL);
    h.server.userSays('carol', CHANNEL, 'hello');
    await h.settle();
    away('carol', 'lunch');
    await h.advance(5_000);
    expect(h.tb.sent.presence()).toEqual([]);
  });
});

describe('!whois from what the bot knows', () => {
  async function setup(caps: string[]) {
    h = await startHarness();
    await h.portal();
    bot().capabilities = caps;
    const asked: string[] = [];
    bot().whois = async (nick: string) => {
      asked.push(nick);
      return undefined;
    };
    return { ops: adminBridgeOps(h.connector.bridge), asked };
  }

  it('answers without a WHOIS for a user it saw join with extended-join, following ACCOUNT, AWAY and CHGHOST', async () => {
    const { ops, asked } = await setup(LIVE_CAPS);
    fromServer('join', { nick: 'carol' as IrcNick, ident: 'c', host: 'home.example', all: {}, channel: CHANNEL as never, self: false, account: null, realname: 'Carol C' });
    fromServer('account', { nick: 'carol' as IrcNick, ident: 'c', host: 'home.example', all: {}, account: 'carolacct' });
    away('carol', 'lunch');
    fromServer('hostChange', { nick: 'carol' as IrcNick, ident: 'c', host: 'home.example', all: {}, newIdent: 'cc', newHost: 'cloak.example' });
    fromServer('nick', { nick: 'carol' as IrcNick, ident: 'cc', host: 'cloak.example', all: {}, newNick: 'Carola' as IrcNick, self: false });
    await h.settle();
    expect(await ops.whois(ghostOf('x'), net, 'carola' as IrcNick)).toEqual({
      nick: 'Carola', ident: 'cc', host: 'cloak.example', realname: 'Carol C', channels: ['#chan'], account: 'carolacct', away: 'lunch',
      operator: false, secure: false, fromBridge: true,
    });
    fromServer('account', { nick: 'Carola' as IrcNick, ident: 'cc', host: 'cloak.example', all: {}, account: null });
    away('Carola', undefined);
    expect(await ops.whois(ghostOf('x'), net, 'Carola' as IrcNick)).not.toHaveProperty('account');
    expect(asked).toEqual([]);
  });

  it('learns the account from the account tag on a user\'s lines', async () => {
    const { ops, asked } = await setup([...LIVE_CAPS, 'account-tag']);
    fromServer('join', { nick: 'carol' as IrcNick, ident: 'c', host: 'h', all: {}, channel: CHANNEL as never, self: false, account: null });
    h.server.userSays('carol', CHANNEL, 'hi', 'privmsg', { account: 'carolacct' });
    await h.settle();
    expect(await ops.whois(ghostOf('x'), net, 'carol' as IrcNick)).toMatchObject({ account: 'carolacct', fromBridge: true });
    expect(asked).toEqual([]);
  });

  it('asks the server when the server does not keep it told, or for users it only saw in NAMES, or after they left', async () => {
    const { ops, asked } = await setup(LIVE_CAPS);
    h.server.userJoins('dave', CHANNEL); // a JOIN without extended-join: account unknown
    fromServer('join', { nick: 'erin' as IrcNick, ident: 'e', host: 'h', all: {}, channel: CHANNEL as never, self: false, account: 'erinacct' });
    h.server.userParts('erin', CHANNEL, 'bye');
    await h.settle();
    await ops.whois(ghostOf('x'), net, 'dave' as IrcNick);
    await ops.whois(ghostOf('x'), net, 'erin' as IrcNick);
    bot().capabilities = ['extended-join'];
    fromServer('join', { nick: 'frank' as IrcNick, ident: 'f', host: 'h', all: {}, channel: CHANNEL as never, self: false, account: 'frankacct' });
    await ops.whois(ghostOf('x'), net, 'frank' as IrcNick);
    expect(asked).toEqual(['dave', 'erin', 'frank']);
  });

  it('forgets what it knew when the server withdraws account-notify or away-notify', async () => {
    const { ops, asked } = await setup(LIVE_CAPS);
    fromServer('join', { nick: 'carol' as IrcNick, ident: 'c', host: 'h', all: {}, channel: CHANNEL as never, self: false, account: 'carolacct' });
    expect(await ops.whois(ghostOf('x'), net, 'carol' as IrcNick)).toMatchObject({ account: 'carolacct', fromBridge: true });
    bot().capabilities = ['account-notify', 'extended-join'];
    fromServer('capabilities', { added: [], removed: ['away-notify'], enabled: bot().capabilities });
    await ops.whois(ghostOf('x'), net, 'carol' as IrcNick);
    expect(asked).toEqual(['carol']);
  });
});
