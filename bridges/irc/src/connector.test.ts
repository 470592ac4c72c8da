// Unit tests of the connector in a real Bridge (the core's test kit: an in-process homeserver)
// against the fake IRC server: portals, messages both ways, echo suppression, restarts.
import { asRoomAlias, asRoomId, type RoomId, type UserId } from '@bridgekit/appservice';
import { freePort } from '@bridgekit/appservice/testing';
import { alice, ALIAS, bob, BOT, BOT_NICK, CHANNEL, DOMAIN, ghostOf, startHarness, type Harness } from './testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const created = () => h.tb.sent.to('createRoom').filter((r) => r.status === 200);
const roomOf = (request: { response?: Record<string, unknown> }) => request.response!.room_id as RoomId;
const profileOf = (userId: UserId) => h.tb.homeserver.model.profiles.get(userId);
const errorsLogged = () => h.tb.logLines().filter((l) => l.level === 'error');

/** A Matrix user joins the portal with a display name (the bridge learns it from the member event). */
async function joinAs(roomId: RoomId, userId: UserId, displayname: string): Promise<void> {
  await h.matrixEvent(roomId, userId, { membership: 'join', displayname }, 'm.room.member', { stateKey: userId });
}

/** A file on the homeserver, as a Matrix client uploaded it. */
function uploaded(mxc: string): void {
  h.tb.homeserver.model.media.set(mxc.slice('mxc://'.length), { data: Buffer.from(`content of ${mxc}`), contentType: 'text/plain' });
}

describe('portals', () => {
  it('answers an alias query by creating the room with that alias, linking it and joining the channel', async () => {
    h = await startHarness();
    expect(await h.connector.onAliasQuery(ALIAS)).toBe(true);
    await h.settle();
    const [request] = created();
    expect(request!.body).toMatchObject({ room_alias_name: 'irc_net_#chan', name: '#chan', preset: 'public_chat' });
    expect(h.store.sync.portals.byRemote({ network: 'net', remoteId: '#chan', kind: 'channel' }).map((l) => l.roomId)).toEqual([roomOf(request!)]);
    expect(h.server.client(BOT_NICK)?.joinedChannels.has('#chan')).toBe(true);
  });

  it('refuses aliases of unknown networks, non-channels and networks without dynamic portals', async () => {
    h = await startHarness({ network: { dynamic_portals: false } });
    expect(await h.connector.onAliasQuery(ALIAS)).toBe(false);
    expect(await h.connector.onAliasQuery(asRoomAlias(`#irc_other_#chan:${DOMAIN}`))).toBe(false);
    expect(await h.connector.onAliasQuery(asRoomAlias(`#irc_net_chan:${DOMAIN}`))).toBe(false);
    expect(created()).toHaveLength(0);
  });

  it('says at start-up when the alias template is outside the registration (e.g. an old registration after the default changed)', async () => {
    h = await startHarness();
    expect(errorsLogged()).toEqual([]);
    await h.stop();
    h = await startHarness({ top: { alias_template: '#chat_$NETWORK_$CHANNEL' } });
    const errors = errorsLogged().map((l) => l.message);
    expect(errors).toEqual([expect.stringContaining("set irc.alias_template: '#irc_$NETWORK_$CHANNEL'")]);
  });

  it('creates one room when the homeserver asks twice at once', async () => {
    h = await startHarness();
    const answers = await Promise.all([h.connector.onAliasQuery(ALIAS), h.connector.onAliasQuery(ALIAS)]);
    expect(answers).toEqual([true, true]);
    expect(created()).toHaveLength(1);
  });

  it('links static rooms from the config and joins their channels', async () => {
    h = await startHarness({ network: { static_rooms: [{ channel: '#Static', room_id: `!static:${DOMAIN}` }] } });
    expect(h.store.sync.portals.byRemote({ network: 'net', remoteId: '#static', kind: 'channel' }).map((l) => l.roomId)).toEqual([`!static:${DOMAIN}`]);
    expect(h.server.client(BOT_NICK)?.joinedChannels.has('#static')).toBe(true);
    expect(h.tb.sent.memberships(asRoomId(`!static:${DOMAIN}`))).toContainEqual(expect.objectContaining({ action: 'join', userId: BOT }));
  });

  it('keeps every portal across a restart: the bot rejoins and messages flow again', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const server = h.server;
    await h.restart();
    const bots = server.clients.filter((c) => c.nick === BOT_NICK && c.isRegistered);
    expect(bots).toHaveLength(1);
    expect(bots[0]!.joinedChannels.has('#chan')).toBe(true);
    server.userSays('carol', CHANNEL, 'still here');
    await h.settle();
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual(['still here']);
  });

  it('runs several networks in one process, each with its own bot, portals and ghosts', async () => {
    h = await startHarness({ moreNetworks: { other: { host: 'other.test', tls: false, bot: { nick: 'OtherBot' } } } });
    expect(await h.connector.onAliasQuery(asRoomAlias(`#irc_other_#chan:${DOMAIN}`))).toBe(true);
    const roomOnNet = await h.portal();
    await h.settle();
    const roomOnOther = roomOf(created().find((r) => r.body.room_alias_name === 'irc_other_#chan')!);
    expect(h.server.clients.map((c) => [c.options.host, c.nick])).toEqual([['irc.test', BOT_NICK], ['other.test', 'OtherBot']]);
    // The fake relays by channel name only, so one line reaches both bots: each bridges it as its own network's user.
    h.server.userSays('Carol', CHANNEL, 'hi');
    await h.settle();
    expect(h.messagesIn(roomOnNet).map((e) => e.sender)).toEqual([ghostOf('Carol')]);
    expect(h.messagesIn(roomOnOther).map((e) => e.sender)).toEqual([`@_irc_other__carol:${DOMAIN}`]);
    await h.matrixEvent(roomOnOther, alice, { msgtype: 'm.text', body: 'only on other' });
    expect(h.server.clients.filter((c) => c.options.nick === 'alice[m]').map((c) => c.options.host)).toEqual(['other.test']);
  });

  it("brings back the users who were connected before a restart, with the same nick, but not those who quit", async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await joinAs(roomId, alice, 'Alice L');
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    await h.matrixEvent(roomId, bob, { msgtype: 'm.text', body: 'hi' });
    await h.connector.bridge.network('net')!.puppets.disconnect(bob, 'going away');
    const server = h.server;
    const membershipsBefore = h.tb.sent.memberships().length;
    await h.restart();
    expect(server.client('Alice_L[m]')?.joinedChannels.has('#chan')).toBe(true);
    expect(server.client('bob[m]')).toBeUndefined();
    expect(h.tb.sent.memberships().slice(membershipsBefore).filter((m) => m.userId !== BOT)).toEqual([]);
  });

  it('answers user queries for ghosts of configured networks only', async () => {
    h = await startHarness();
    expect(await h.connector.onUserQuery(ghostOf('Carol'))).toBe(true);
    expect(profileOf(ghostOf('Carol'))).toEqual({ displayname: 'Carol' });
    expect(await h.connector.onUserQuery(`@_irc_other_carol:${DOMAIN}` as never)).toBe(false);
  });
});

describe('IRC → Matrix', () => {
  it('sends PRIVMSG, NOTICE and ACTION as m.text, m.notice and m.emote from the ghost, with formatting', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.userSays('Carol', CHANNEL, '\x02bold\x02 and plain');
    h.server.userSays('Carol', CHANNEL, 'a notice', 'notice');
    h.server.userSays('Carol', CHANNEL, 'waves', 'action');
    await h.settle();
    const sent = h.messagesIn(roomId);
    expect(sent.map((e) => e.sender)).toEqual([ghostOf('Carol'), ghostOf('Carol'), ghostOf('Carol')]);
    expect(sent.map((e) => e.content.msgtype)).toEqual(['m.text', 'm.notice', 'm.emote']);
    expect(sent[0]!.content).toMatchObject({ body: 'bold and plain', format: 'org.matrix.custom.html', formatted_body: '<b>bold</b> and plain' });
    expect(profileOf(ghostOf('Carol'))).toEqual({ displayname: 'Carol' });
  });

  it('keeps the order of many lines of one channel', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    for (let i = 0; i < 50; i++) h.server.userSays(i % 2 ? 'Carol' : 'dave', CHANNEL, `line ${i}`);
    await h.settle();
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
  });

  it('keeps lines said while the homeserver is down (longer than the core\'s own retries) and delivers them in order, once', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.userSays('Carol', CHANNEL, 'before');
    await h.settle();
    h.tb.failNext(Infinity, { network: true }); // the homeserver is unreachable
    h.server.userSays('Carol', CHANNEL, 'during 1');
    h.server.userSays('Carol', CHANNEL, 'during 2');
    await h.advance(60_000);
    h.tb.clearFaults();
    h.server.userSays('Carol', CHANNEL, 'after');
    await h.settle();
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual(['before']);
    await h.advance(30_000);
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual(['before', 'during 1', 'during 2', 'after']);
    expect(errorsLogged()).toEqual([]);
  });

  it('retries a line whose send reached the homeserver but whose answer was lost with the same transaction ID, so it shows once', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.tb.failNext(1, { lostResponse: true }, { endpoint: 'send' });
    h.server.userSays('Carol', CHANNEL, 'said once');
    await h.settle();
    await h.advance(30_000);
    const attempts = h.tb.sent.to('send').filter((r) => r.params[0] === roomId).map((r) => r.params[2]);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]).toBe(attempts[0]);
    expect(h.tb.homeserver.model.room(roomId).timeline.filter((e) => e.content.body === 'said once')).toHaveLength(1);
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual(['said once']);
  });

  it('turns nicks of channel members into pills: ghosts for IRC users, the real user for puppets', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await joinAs(roomId, bob, 'Bob');
    await h.matrixEvent(roomId, bob, { msgtype: 'm.text', body: 'hello' });
    h.server.userJoins('dave', CHANNEL);
    h.server.userSays('Carol', CHANNEL, 'Bob[m]: hi, dave');
    await h.settle();
    const last = h.messagesIn(roomId).at(-1)!;
    expect(last.content['m.mentions']).toEqual({ user_ids: [bob, ghostOf('dave')] });
    expect(last.content.formatted_body).toContain(`href="https://matrix.to/#/${bob}"`);
  });

  it('pills neither a short nick used as a word nor the speaker, but a short nick addressed at the start', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.userJoins('the', CHANNEL);
    h.server.userJoins('Carol', CHANNEL);
    h.server.userSays('Carol', CHANNEL, 'the quick brown fox jumps over the lazy dog, says Carol');
    h.server.userSays('Carol', CHANNEL, 'the: Carol here');
    await h.settle();
    const [plain, addressed] = h.messagesIn(roomId).slice(-2);
    expect(plain!.content['m.mentions']).toEqual({});
    expect(plain!.content.formatted_body).toBeUndefined();
    expect(addressed!.content['m.mentions']).toEqual({ user_ids: [ghostOf('the')] });
  });

  it('ignores channels without a portal and lines only ops see', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.server.client(BOT_NICK)!.join('#elsewhere');
    h.server.userSays('Carol', '#elsewhere', 'not bridged');
    h.server.client(BOT_NICK)!.emitEvent('message', {
      kind: 'privmsg', nick: 'Carol' as never, ident: 'u', host: 'h', all: {}, target: CHANNEL, statusPrefix: '@', text: 'ops only', fromServer: false, self: false,
    });
    await h.settle();
    expect(h.messagesIn(roomId)).toHaveLength(0);
  });
});

describe('Matrix → IRC', () => {
  it("connects the sender's own puppet with the nick template, joins the channel and says the message", async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await joinAs(roomId, alice, 'Alice Liddell');
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hello IRC' });
    const puppet = h.server.clients.find((c) => c.options.nick === 'Alice_Liddell[m]')!;
    expect(puppet.options).toMatchObject({ username: 'alice', realname: `Alice Liddell (${alice})` });
    expect(puppet.joinedChannels.has('#chan')).toBe(true);
    expect(h.server.sent).toContainEqual({ from: 'Alice_Liddell[m]', kind: 'say', target: '#chan', text: 'hello IRC' });
  });

  it('suppresses the echo: the bot hears the puppet but nothing comes back into Matrix', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'one' });
    await h.matrixEvent(roomId, alice, { msgtype: 'm.emote', body: 'two' });
    expect(h.server.sent.filter((l) => l.from === 'alice[m]').map((l) => l.kind)).toEqual(['say', 'action']);
    expect(h.messagesIn(roomId)).toHaveLength(0);
  });

  it('sends emotes, notices and HTML formatting the IRC way', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.emote', body: 'dances' });
    await h.matrixEvent(roomId, alice, { msgtype: 'm.notice', body: 'fyi' });
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'bold', format: 'org.matrix.custom.html', formatted_body: '<b>bold</b>' });
    expect(h.server.sent.filter((l) => l.from === 'alice[m]')).toEqual([
      { from: 'alice[m]', kind: 'action', target: '#chan', text: 'dances' },
      { from: 'alice[m]', kind: 'notice', target: '#chan', text: 'fyi' },
      { from: 'alice[m]', kind: 'say', target: '#chan', text: '\x02bold' },
    ]);
  });

  it('sends inline code and strikethrough as `x` and ~~x~~, and as control codes only where the config says so', async () => {
    const message = { msgtype: 'm.text', body: 'x', format: 'org.matrix.custom.html', formatted_body: 'run <code>make</code>, not <del>cmake</del>' };
    h = await startHarness();
    await h.matrixEvent(await h.portal(), alice, message);
    expect(h.server.sent.filter((l) => l.from === 'alice[m]').map((l) => l.text)).toEqual(['run `make`, not ~~cmake~~']);
    await h.stop();
    h = await startHarness({ network: { messages: { formatting: { monospace_codes: true, strikethrough_codes: true } } } });
    await h.matrixEvent(await h.portal(), alice, message);
    expect(h.server.sent.filter((l) => l.from === 'alice[m]').map((l) => l.text)).toEqual(['run \x11make\x11, not \x1ecmake']);
  });

  it('renders a reply to an IRC message as a short quote and an edit as a correction', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.userSays('Carol', CHANNEL, 'does anyone know how the bridge works, really?');
    await h.settle();
    const original = h.messagesIn(roomId)[0]!;
    const reply = await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'yes', 'm.relates_to': { 'm.in_reply_to': { event_id: original.eventId } } });
    await h.matrixEvent(roomId, alice, {
      msgtype: 'm.text', body: '* yes!', 'm.new_content': { msgtype: 'm.text', body: 'yes!' }, 'm.relates_to': { rel_type: 'm.replace', event_id: reply.eventId },
    });
    expect(h.server.sent.filter((l) => l.from === 'alice[m]').map((l) => l.text)).toEqual([
      'Carol: "does anyone know how the bridge works,…" <- yes',
      '* yes!',
    ]);
  });

  it('sends media as links and long messages as a paste link', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.image', body: 'cat.png', url: 'mxc://hs.test/abc123' });
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: ['first line', 'b', 'c', 'd', 'e'].join('\n') });
    const lines = h.server.sent.filter((l) => l.from === 'alice[m]').map((l) => l.text);
    expect(lines[0]).toBe('http://127.0.0.1:8008/_matrix/media/v3/download/hs.test/abc123/cat.png');
    const mxc = String(h.tb.sent.to('upload')[0]!.response!.content_uri);
    expect(h.tb.homeserver.model.media.get(mxc.slice('mxc://'.length))!.data.toString('utf8')).toBe('first line\nb\nc\nd\ne\n');
    expect(lines[1]).toBe(`first line (long message, 5 lines: http://127.0.0.1:8008/_matrix/media/v3/download/${mxc.slice('mxc://'.length)}/message.txt)`);
    expect(lines).toHaveLength(2);
  });

  it('serves proxy links on the appservice listener under the public URL', async () => {
    h = await startHarness({ top: { media: { public_url: 'https://bridge.example/' } } });
    const roomId = await h.portal();
    uploaded('mxc://hs.test/abc123');
    await h.matrixEvent(roomId, alice, { msgtype: 'm.image', body: 'cat.png', url: 'mxc://hs.test/abc123' });
    const link = h.server.sent.find((l) => l.from === 'alice[m]')!.text;
    expect(link).toMatch(/^https:\/\/bridge\.example\/_bridgekit\/media\/v1\/hs\.test\/abc123\/\d+\/[\w-]+\/cat\.png$/);
    expect(h.tb.addresses.routes ?? {}).toEqual({});
    const served = await fetch(link.replace('https://bridge.example', h.tb.url));
    expect(served.status).toBe(200);
    expect(await served.text()).toBe('content of mxc://hs.test/abc123');
  });

  it('serves the media proxy on a port of its own where the admin set one, shared with provisioning on the same port', async () => {
    const port = await freePort();
    h = await startHarness({
      top: {
        media: { public_url: `http://127.0.0.1:${port}`, port },
        provisioning: { enabled: true, secret: 'provisioning-secret', port },
      },
    });
    expect(Object.keys(h.tb.addresses.routes ?? {})).toEqual(['provisioning']);
    const roomId = await h.portal();
    uploaded('mxc://hs.test/doc1');
    await h.matrixEvent(roomId, alice, { msgtype: 'm.file', body: 'report.txt', url: 'mxc://hs.test/doc1' });
    const link = /https?:\/\/\S+/.exec(h.server.sent.find((l) => l.from === 'alice[m]')!.text)![0];
    expect(await (await fetch(link)).text()).toBe('content of mxc://hs.test/doc1');
    const network = await fetch(`http://127.0.0.1:${port}/_bridgekit/provision/v1/network/net`, { headers: { Authorization: 'Bearer provisioning-secret' } });
    expect(network.status).toBe(200);
  });

  it('warns once at start-up when media links default to direct, and not when direct was chosen', async () => {
    h = await startHarness();
    const warnings = h.tb.logLines().filter((l) => l.level === 'warn' && l.message.includes('authenticated media'));
    expect(warnings).toHaveLength(1);
    // One sentence that names the keys to set and where they are documented (it used to be 560 characters).
    const warning = warnings[0]!.message;
    expect(warning).toMatch(/^IRC users cannot open Matrix media .*: set irc\.media\.public_url .*irc\.media\.mode: direct .*config\.sample\.yaml\)\.$/);
    expect(warning.length).toBeLessThanOrEqual(240);
    expect(warning.split(/[.!?] /)).toHaveLength(1);
    await h.stop();
    h = await startHarness({ top: { media: { mode: 'direct' } } });
    expect(h.tb.logLines().filter((l) => l.message.includes('authenticated media'))).toEqual([]);
  });

  it('still starts with the deprecated homeserver_outage.max_held_per_room, and says to remove it', async () => {
    h = await startHarness({ top: { homeserver_outage: { retry_minutes: 15, max_held_per_room: 500 } } });
    const deprecated = (lines: ReturnType<typeof h.tb.logLines>) => lines.filter((l) => l.level === 'warn' && l.message.includes('max_held_per_room'));
    expect(deprecated(h.tb.logLines()).map((l) => l.message)).toEqual(['irc.homeserver_outage.max_held_per_room is no longer used (held lines wait in the journal): remove it from the config.']);
    expect(await h.connector.onAliasQuery(ALIAS)).toBe(true);
    await h.stop();
    h = await startHarness();
    expect(deprecated(h.tb.logLines())).toEqual([]);
  });

  it('ignores rooms that are not bridged', async () => {
    h = await startHarness();
    await h.matrixEvent(asRoomId(`!random:${DOMAIN}`), alice, { msgtype: 'm.text', body: 'hello?' });
    expect(h.server.clients).toHaveLength(1);
    expect(h.tb.sent.events()).toHaveLength(0);
  });
});

describe('redactions', () => {
  it('are ignored by default and noted with a NOTICE when configured', async () => {
    h = await startHarness({ network: { messages: { redactions: 'notice' } } });
    const roomId = await h.portal();
    const said = await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'oops, wrong channel' });
    await h.matrixEvent(roomId, alice, {}, 'm.room.redaction', { redacts: said.eventId });
    expect(h.server.sent.at(-1)).toEqual({ from: 'alice[m]', kind: 'notice', target: '#chan', text: '(deleted their message: "oops, wrong channel")' });
    await h.stop();
    h = await startHarness();
    const room2 = await h.portal();
    const said2 = await h.matrixEvent(room2, alice, { msgtype: 'm.text', body: 'x' });
    await h.matrixEvent(room2, alice, {}, 'm.room.redaction', { redacts: said2.eventId });
    expect(h.server.sent.filter((l) => l.kind === 'notice')).toEqual([]);
  });
});

describe('secrets', () => {
  it('registers every secret from the config for log redaction, so a log line quoting one is redacted', async () => {
    h = await startHarness({
      network: {
        password: 'server-pass-1', bot: { nick: BOT_NICK, sasl: { account: 'bot', password: 'bot-sasl-2' } },
        static_rooms: [{ channel: '#keyed', room_id: `!keyed:${DOMAIN}`, key: 'chan-key-3' }],
      },
      top: { provisioning: { secret: 'prov-secret-4' } },
    });
    h.connector.bridge.ctx.log.warn('server said: bad password server-pass-1', { key: 'chan-key-3', also: 'bot-sasl-2 prov-secret-4' });
    await h.settle();
    expect(h.tb.logLines().find((l) => l.message.startsWith('server said'))).toMatchObject({
      message: 'server said: bad password <redacted>', meta: { key: '<redacted>', also: '<redacted> <redacted>' },
    });
    expect(h.tb.logs.join('\n')).not.toMatch(/server-pass-1|bot-sasl-2|chan-key-3|prov-secret-4/);
  });
});
