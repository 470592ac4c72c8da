import { asEventId, asRoomId, asUserId, type Intent } from '@bridgekit/appservice';
import { matrixOpsFromIntent } from './ops';

describe('matrixOpsFromIntent', () => {
  it('acts as the bot: join, leave, m.notice, redact', async () => {
    const calls: unknown[][] = [];
    const room = asRoomId('!r:example.org');
    const bot = {
      userId: asUserId('@bot:example.org'),
      join: async (...a: unknown[]) => { calls.push(['join', ...a]); return room; },
      leave: async (...a: unknown[]) => void calls.push(['leave', ...a]),
      sendMessage: async (...a: unknown[]) => { calls.push(['sendMessage', ...a]); return asEventId('$n'); },
      redact: async (...a: unknown[]) => { calls.push(['redact', ...a]); return asEventId('$r'); },
    } as unknown as Intent;
    const ops = matrixOpsFromIntent(bot);
    expect(ops.botUserId).toBe('@bot:example.org');
    await ops.join(room);
    await ops.leave(room);
    await expect(ops.sendNotice(room, 'hi')).resolves.toBe('$n');
    await ops.redact(room, asEventId('$e'), 'why');
    expect(calls).toEqual([
      ['join', room],
      ['leave', room],
      ['sendMessage', room, { msgtype: 'm.notice', body: 'hi' }],
      ['redact', room, '$e', 'why'],
    ]);
  });
});
