import type { BridgeContext, Connector } from './connector';
import type { MatrixEvent } from './events';
import { asRoomId } from './ids';
import { createTestBridge, type TestBridge } from './testing';

// The whole bridge, as Synapse meets it: a push past a gap in the transaction IDs is refused
// (503, not handed to the connector), the missing one then the refused one are handled in order,
// and after a restart the gap is judged from the ID the store recorded last.

class Recorder implements Connector {
  readonly name = 'recorder';
  handled: string[] = [];
  async start(_ctx: BridgeContext): Promise<void> {}
  async stop(): Promise<void> {}
  async onMatrixEvent(event: MatrixEvent): Promise<void> { this.handled.push(String(event.content.body)); }
}

const room = asRoomId('!gaps:hs.test');
const wire = (body: string) => ({
  event_id: `$${body}`, room_id: room, sender: '@alice:hs.test', type: 'm.room.message',
  content: { msgtype: 'm.text', body }, origin_server_ts: 1000,
});

describe('a bridge meeting a gap in the transaction IDs', () => {
  let tb: TestBridge;
  let connector: Recorder;
  beforeEach(async () => {
    connector = new Recorder();
    tb = await createTestBridge({ connector });
  });
  afterEach(() => tb.stop());

  const push = async (txnId: string) => {
    const { status, body } = await tb.push.transaction([wire(`m${txnId}`)], { txnId });
    await tb.settle();
    return { status, body };
  };

  it('refuses the push past the gap, then handles the missing one and the refused one in order, also across a restart', async () => {
    expect((await push('5')).status).toBe(200);
    expect(await push('7')).toEqual({ status: 503, body: { errcode: 'M_UNKNOWN', error: expect.stringContaining('6') } });
    expect(connector.handled).toEqual(['m5']);
    expect((await push('6')).status).toBe(200);
    expect((await push('7')).status).toBe(200);
    expect(connector.handled).toEqual(['m5', 'm6', 'm7']);
    expect(tb.logLines()).toContainEqual(expect.objectContaining({ level: 'warn', meta: expect.objectContaining({ expected: '6', received: '7' }) }));

    await tb.restart();
    expect((await push('9')).status).toBe(503);
    expect((await push('8')).status).toBe(200);
    expect((await push('9')).status).toBe(200);
    expect(connector.handled).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
  });
});
