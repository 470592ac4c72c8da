import type { RoomId } from '@bridgekit/appservice';
import { RunningRoomWork } from './running-work';

const A = '!a:hs.test' as RoomId;
const B = '!b:hs.test' as RoomId;

describe('RunningRoomWork', () => {
  it('settles once the work running in the room has settled, failed work included, not waiting for other rooms', async () => {
    const work = new RunningRoomWork();
    let finish!: () => void;
    const order: string[] = [];
    const joining = work.track(A, () => new Promise<void>((resolve) => { finish = resolve; }).then(() => void order.push('join')));
    const failing = work.track(A, async () => { throw new Error('refused'); }).catch((e: Error) => e.message);
    void work.track(B, () => new Promise<void>(() => undefined)); // never settles
    const waiting = work.settled(A).then(() => void order.push('levels'));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    finish();
    await waiting;
    expect(order).toEqual(['join', 'levels']);
    await expect(joining).resolves.toBeUndefined();
    await expect(failing).resolves.toBe('refused'); // the caller still gets the failure
  });

  it('has nothing to wait for in a room without running work', async () => {
    await expect(new RunningRoomWork().settled(A)).resolves.toBeUndefined();
  });
});
