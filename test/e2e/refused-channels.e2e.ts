/** Channel names the IRC server does not accept get no portal: ngIRCd announces CHANNELLEN=50. */
import { connectIrc, uniqueNick } from './harness/irc-client';
import { joinPortal, matrixUser, bridgeForThisFile, portalAlias, uniqueChannel } from './harness/irc-bridge';
import { MatrixClient } from './harness/matrix-client';

const bridge = bridgeForThisFile();

/** Rooms on the homeserver whose name contains `term` (Synapse's admin room list). */
async function roomsNamed(admin: MatrixClient, term: string): Promise<string[]> {
  const reply = await admin.request<{ rooms: Array<{ room_id: string; name: string | null }> }>('GET', `/_synapse/admin/v1/rooms?search_term=${encodeURIComponent(term)}`);
  return reply.rooms.map((r) => r.room_id);
}

describe('channels the IRC server refuses', () => {
  it('an alias for a 60-character channel answers 404 and creates no room; a 50-character one opens a portal', async () => {
    const admin = await MatrixClient.register(undefined, { admin: true });
    const op = await connectIrc(uniqueNick('op'));
    const alice = await matrixUser();
    const base = uniqueChannel('len');
    // Exactly CHANNELLEN: accepted. Opening it first also proves the bot is connected, so the bridge knows the limit.
    const fits = base + 'f'.repeat(50 - base.length);
    await op.join(fits);
    const roomId = await joinPortal(alice.client, fits, op);
    expect(await roomsNamed(admin, fits.slice(1))).toEqual([roomId]);

    const tooLong = base + 'g'.repeat(60 - base.length);
    await expect(alice.client.joinRoom(portalAlias(tooLong))).rejects.toMatchObject({ status: 404, errcode: 'M_NOT_FOUND' });
    await expect(alice.client.resolveAlias(portalAlias(tooLong))).rejects.toMatchObject({ status: 404 });
    expect(await roomsNamed(admin, tooLong.slice(1))).toEqual([]);
    expect(bridge().logTail(400)).toMatch(/No portal for a channel name the IRC server does not accept.*at most 50 bytes long \(this one is 60\)/);
  });
});
