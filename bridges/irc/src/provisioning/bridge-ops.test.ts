// The provisioning API's view of the bridge (ProvisioningOps) over the runtime, on the fakes,
// and the API's listener started by the connector.
import { asRoomId, asUserId } from '@bridgekit/appservice';
import { freePort } from '@bridgekit/appservice/testing';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping/ids';
import { provisioningBridgeOps } from './bridge-ops';
import { ADMIN, alice, bob, BOT, BOT_NICK, DOMAIN, startHarness as startIrcHarness, type Harness, type HarnessOptions } from '../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const net = 'net' as NetworkId;
const room = asRoomId(`!plumbed:${DOMAIN}`);
/** With the room to plumb existing (an admin's public room), as it does before anyone links it. */
const startHarness = (options: HarnessOptions = {}) => startIrcHarness({ rooms: [room], ...options });

describe('provisioningBridgeOps', () => {
  it('links a room (bot joins channel and room, who approved is kept) and unlinks it (bot parts)', async () => {
    h = await startHarness();
    const ops = provisioningBridgeOps(h.connector.bridge);
    await ops.linkChannel(room, net, '#plumb' as IrcChannel, { linkedBy: alice, approvedBy: 'op' as IrcNick });
    await h.settle();
    expect(ops.channelsOfRoom(room)).toEqual([{ roomId: room, network: 'net', channel: '#plumb', origin: 'provisioning' }]);
    expect(h.store.sync.portals.byRoom(room)[0]!.metadata).toMatchObject({ meta: { linkedBy: alice, approvedBy: 'op' } });
    expect(h.server.client(BOT_NICK)?.joinedChannels.has('#plumb')).toBe(true);
    expect(h.tb.sent.memberships(room)).toContainEqual(expect.objectContaining({ action: 'join', userId: BOT }));
    h.server.userSays('carol', '#plumb', 'hello plumbed room');
    await h.settle();
    expect(h.messagesIn(room).map((e) => e.content.body)).toEqual(['hello plumbed room']);

    expect(await ops.unlinkChannel(room, net, '#plumb' as IrcChannel)).toBe(true);
    expect(await ops.unlinkChannel(room, net, '#plumb' as IrcChannel)).toBe(false);
    expect(h.server.client(BOT_NICK)?.joinedChannels.has('#plumb')).toBe(false);
  });

  it('lets users link rooms only with enough power to send state', async () => {
    h = await startHarness();
    // The bot is in the room (it reads the power levels as a member, as Synapse requires).
    const { model } = h.tb.homeserver;
    model.join(BOT, room);
    model.sendState(ADMIN, room, 'm.room.power_levels', '', { users: { [alice]: 100, [ADMIN]: 100 }, users_default: 0, state_default: 50 });
    const ops = provisioningBridgeOps(h.connector.bridge);
    expect(await ops.userMayLinkRoom(room, alice)).toBe(true);
    expect(await ops.userMayLinkRoom(room, bob)).toBe(false);
  });

  it('lets the creators of a room version 12 room link it (they outrank everyone without a power level entry)', async () => {
    h = await startHarness();
    const carol = asUserId('@carol:hs.test');
    const { model } = h.tb.homeserver;
    const v12 = model.createRoom(alice, { room_version: '12', preset: 'public_chat' });
    // Synapse puts the additional creators in the create event; creators are not listed in the power levels.
    model.append(model.room(v12), alice, 'm.room.create', { room_version: '12', additional_creators: [bob] }, '');
    expect(model.stateOf(v12, 'm.room.power_levels')).toMatchObject({ users: {} });
    model.join(BOT, v12);
    const ops = provisioningBridgeOps(h.connector.bridge);
    expect(await ops.userMayLinkRoom(v12, alice)).toBe(true);
    expect(await ops.userMayLinkRoom(v12, bob)).toBe(true);
    expect(await ops.userMayLinkRoom(v12, carol)).toBe(false);
  });

  it('describes a network', async () => {
    h = await startHarness();
    expect(provisioningBridgeOps(h.connector.bridge).network(net)).toEqual({
      id: 'net', name: 'Test Net', connected: true, chanTypes: '#&', casemapping: 'rfc1459', channelRefusal: expect.any(Function),
    });
    expect(provisioningBridgeOps(h.connector.bridge).network('nope' as NetworkId)).toBeUndefined();
  });

  it('serves the API on the appservice listener when enabled, behind the bearer secret', async () => {
    h = await startHarness({ top: { provisioning: { enabled: true, secret: 'provisioning-secret' } } });
    expect(h.tb.addresses.routes ?? {}).toEqual({});
    const url = `${h.tb.url}/_bridgekit/provision/v1/network/net`;
    expect((await fetch(url)).status).toBe(401);
    const ok = await fetch(url, { headers: { Authorization: 'Bearer provisioning-secret' } });
    expect(ok.status).toBe(200);
  });

  it('serves the API on a port of its own where the admin set one, at the same path', async () => {
    const port = await freePort();
    h = await startHarness({ top: { provisioning: { enabled: true, secret: 'provisioning-secret', port } } });
    expect(h.tb.addresses.routes?.provisioning).toEqual({ host: '127.0.0.1', port });
    const path = '/_bridgekit/provision/v1/network/net';
    const ok = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Authorization: 'Bearer provisioning-secret' } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${h.tb.url}${path}`)).status).toBe(404);
  });

  it('adds no route and opens no port while disabled', async () => {
    h = await startHarness({ top: { provisioning: { port: await freePort() } } });
    expect(h.tb.addresses.routes ?? {}).toEqual({});
    expect((await fetch(`${h.tb.url}/_bridgekit/provision/v1/network/net`)).status).toBe(404);
  });
});
