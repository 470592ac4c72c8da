// The provisioning API's view of the bridge (ProvisioningOps) over the runtime, on the fakes,
// and the API's listener started by the connector.
import { asRoomId, asUserId } from '@bridgekit/appservice';
import { freePort } from '../irc/test-ircd';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping/ids';
import { provisioningBridgeOps } from './bridge-ops';
import { DOMAIN } from '../testing/fake-bridge';
import { alice, bob, BOT_NICK, startHarness, type Harness } from '../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const net = 'net' as NetworkId;
const room = asRoomId(`!plumbed:${DOMAIN}`);

describe('provisioningBridgeOps', () => {
  it('links a room (bot joins channel and room, who approved is kept) and unlinks it (bot parts)', async () => {
    h = await startHarness();
    const ops = provisioningBridgeOps(h.connector.bridge);
    await ops.linkChannel(room, net, '#plumb' as IrcChannel, { linkedBy: alice, approvedBy: 'op' as IrcNick });
    await h.settle();
    expect(ops.channelsOfRoom(room)).toEqual([{ roomId: room, network: 'net', channel: '#plumb', origin: 'provisioning' }]);
    expect(h.bridge.store.sync.portals.byRoom(room)[0]!.metadata).toMatchObject({ meta: { linkedBy: alice, approvedBy: 'op' } });
    expect(h.server.client(BOT_NICK)?.joinedChannels.has('#plumb')).toBe(true);
    expect(h.bridge.matrix.joins).toContainEqual({ userId: `@ircbot:${DOMAIN}`, roomId: room });
    h.server.userSays('carol', '#plumb', 'hello plumbed room');
    await h.settle();
    expect(h.bridge.matrix.messagesIn(room).map((e) => e.content.body)).toEqual(['hello plumbed room']);

    expect(await ops.unlinkChannel(room, net, '#plumb' as IrcChannel)).toBe(true);
    expect(await ops.unlinkChannel(room, net, '#plumb' as IrcChannel)).toBe(false);
    expect(h.server.client(BOT_NICK)?.joinedChannels.has('#plumb')).toBe(false);
  });

  it('lets users link rooms only with enough power to send state', async () => {
    h = await startHarness();
    h.bridge.matrix.state.set(`${room} m.room.power_levels `, { users: { [alice]: 100 }, users_default: 0, state_default: 50 });
    const ops = provisioningBridgeOps(h.connector.bridge);
    expect(await ops.userMayLinkRoom(room, alice)).toBe(true);
    expect(await ops.userMayLinkRoom(room, bob)).toBe(false);
  });

  it('lets the creators of a room version 12 room link it (they outrank everyone without a power level entry)', async () => {
    h = await startHarness();
    const carol = asUserId('@carol:hs.test');
    h.bridge.matrix.state.set(`${room} m.room.create `, { room_version: '12', additional_creators: [bob] });
    h.bridge.matrix.stateSenders.set(`${room} m.room.create `, alice);
    h.bridge.matrix.state.set(`${room} m.room.power_levels `, { users: {}, users_default: 0, state_default: 50 });
    const ops = provisioningBridgeOps(h.connector.bridge);
    expect(await ops.userMayLinkRoom(room, alice)).toBe(true);
    expect(await ops.userMayLinkRoom(room, bob)).toBe(true);
    expect(await ops.userMayLinkRoom(room, carol)).toBe(false);
  });

  it('describes a network', async () => {
    h = await startHarness();
    expect(provisioningBridgeOps(h.connector.bridge).network(net)).toEqual({ id: 'net', name: 'Test Net', connected: true, chanTypes: '#&', casemapping: 'rfc1459' });
    expect(provisioningBridgeOps(h.connector.bridge).network('nope' as NetworkId)).toBeUndefined();
  });

  it('starts the API on its own port when enabled, behind the bearer secret', async () => {
    const port = await freePort();
    h = await startHarness({ top: { provisioning: { enabled: true, secret: 'provisioning-secret', port } } });
    const url = `http://127.0.0.1:${port}/_bridgekit/provision/v1/network/net`;
    expect((await fetch(url)).status).toBe(401);
    const ok = await fetch(url, { headers: { Authorization: 'Bearer provisioning-secret' } });
    expect(ok.status).toBe(200);
  });
});
