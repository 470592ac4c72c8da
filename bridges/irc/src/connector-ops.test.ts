// The IRC connector as an admin operates it: readiness for /ready, the QUIT message at shutdown,
// and a config reload that changes what it can without dropping a connection.
import { alice, BOT_NICK, startHarness, type Harness } from './testing/harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('readiness', () => {
  it('is ready only while every network bot is connected, naming each network\'s state', async () => {
    h = await startHarness({ moreNetworks: { other: { host: 'irc.other', tls: false, bot: { nick: 'OtherBot' } } } });
    expect(h.connector.readiness()).toEqual({ ready: true, details: { networks: { net: 'connected', other: 'connected' } } });
    h.server.client('OtherBot')!.drop();
    await h.settle();
    expect(h.connector.readiness()).toEqual({ ready: false, details: { networks: { net: 'connected', other: 'backoff' } } });
  });
});

describe('shutdown', () => {
  it('QUITs the bot and every user with the configured message', async () => {
    h = await startHarness({ network: { quit_message: 'Bridge upgrading, back in a minute' } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    const bot = h.server.client(BOT_NICK)!;
    const puppet = h.server.client('alice[m]')!;
    const botQuit = jest.spyOn(bot, 'quit');
    const puppetQuit = jest.spyOn(puppet, 'quit');
    await h.connector.stop();
    expect(botQuit).toHaveBeenCalledWith('Bridge upgrading, back in a minute');
    expect(puppetQuit).toHaveBeenCalledWith('Bridge upgrading, back in a minute');
  });
});
