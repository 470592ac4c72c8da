// The bot's channel-mode query after its own JOIN: a query the closing connection never sent is
// not a problem to report (the rejoin asks again); any other failure is.
import { SendQueueClearedError, SendQueueFullError } from '../../irc/flood';
import { channelJoins } from './membership';

async function joinWhileQueryFails(error: Error): Promise<jest.Mock> {
  const warn = jest.fn();
  const rt = {
    portals: { roomsForChannel: () => ['!room:hs'] },
    ctx: { store: { kv: {} } },
    log: { warn },
  };
  const network = { id: 'net', fold: (s: string) => s.toLowerCase(), bot: { client: { requestModes: () => Promise.reject(error) } } };
  const event = { self: true, channel: '#chan', nick: 'bot' };
  (channelJoins.handle as (e: unknown, origin: unknown, rt: unknown) => void)(event, { network }, rt);
  await new Promise((resolve) => setImmediate(resolve));
  return warn;
}

describe('the bot\'s mode query after joining', () => {
  it('logs nothing when the connection closed before the query was sent', async () => {
    const warn = await joinWhileQueryFails(new SendQueueClearedError('the connection is quitting'));
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns about any other failure', async () => {
    const warn = await joinWhileQueryFails(new SendQueueFullError(200));
    expect(warn).toHaveBeenCalledWith('Could not ask for channel modes', expect.objectContaining({ channel: '#chan' }));
  });
});
