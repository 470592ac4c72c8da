// Unit tests of the joined-ghost memory of portal rooms.
import type { RoomId, UserId } from '@bridgekit/appservice';
import { GhostPresence } from './presence';

const room = (n: number) => `!r${n}:hs.test` as RoomId;
const g = (n: string) => `@_irc_net_${n}:hs.test` as UserId;

describe('GhostPresence', () => {
  it('loads a room once, keeps only ghosts, and follows the bridge\'s own changes', async () => {
    const loads: RoomId[] = [];
    const presence = new GhostPresence({
      load: async (roomId) => { loads.push(roomId); return [g('carol'), '@alice:hs.test' as UserId]; },
      isGhost: (u) => u.startsWith('@_irc_'),
      maxRooms: 10,
    });
    expect(presence.isJoined(room(1), g('carol'))).toBeUndefined();
    presence.joined(room(1), g('dave')); // not loaded, not loading: ignored
    const [a, b] = await Promise.all([presence.ghostsIn(room(1)), presence.ghostsIn(room(1))]);
    expect(a).toBe(b);
    expect([...a]).toEqual([g('carol')]);
    presence.joined(room(1), g('erin'));
    presence.left(room(1), g('carol'));
    expect([...(await presence.ghostsIn(room(1)))]).toEqual([g('erin')]);
    expect(loads).toEqual([room(1)]);
  });

  it('keeps joins that happen while the room loads, and forgets the least recently used room', async () => {
    let finish!: (members: UserId[]) => void;
    const presence = new GhostPresence({
      load: (roomId) => (roomId === room(1) ? new Promise((r) => { finish = r; }) : Promise.resolve([])),
      isGhost: () => true,
      maxRooms: 2,
    });
    const loading = presence.ghostsIn(room(1));
    presence.joined(room(1), g('late'));
    finish([g('early')]);
    expect([...(await loading)].sort()).toEqual([g('early'), g('late')]);
    await presence.ghostsIn(room(2));
    await presence.ghostsIn(room(1)); // touched: room 2 is now the oldest
    await presence.ghostsIn(room(3));
    expect(presence.size).toBe(2);
    expect(presence.isJoined(room(2), g('x'))).toBeUndefined();
    expect(presence.isJoined(room(1), g('late'))).toBe(true);
  });
});
