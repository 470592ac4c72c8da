/**
 * The puppet line filter on a real socket: lines dropped from their bytes (never decoded) must
 * not swallow, merge or cut the lines around them, however the server's bytes are split into
 * reads, with CRLF or bare LF endings, and with bytes that are not UTF-8.
 */
import type net from 'node:net';
import { closeScripted, connection, fakeServer, welcoming } from './scripted-server';

jest.setTimeout(10_000);

afterEach(closeScripted);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers, joins #c, then hands the raw socket to the test (after the JOIN reply). */
async function joinedPuppet() {
  let socket: net.Socket | undefined;
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((r) => { joined = r; });
  const server = await fakeServer(welcoming((line, send, s) => {
    if (line !== 'JOIN #c') return;
    send(':me!me@h JOIN #c');
    socket = s;
    s.setNoDelay(true);
    joined();
  }));
  const c = connection(server.port, { onlyOwnTraffic: true, encoding: 'latin1' });
  const seen: string[] = [];
  c.on('message', (m) => seen.push(`${m.nick} ${m.target} ${m.text}`));
  c.on('part', (e) => seen.push(`part ${e.nick}`));
  await c.connect();
  await c.join('#c');
  await ready;
  /** Writes each piece as its own read on the puppet's side, then waits for `last` to arrive. */
  const deliver = async (pieces: Array<string | Buffer>, last: string) => {
    for (const piece of pieces) {
      socket!.write(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
      await pause(15);
    }
    for (let i = 0; i < 100 && !seen.some((s) => s.endsWith(last)); i++) await pause(10);
  };
  return { seen, deliver };
}

describe('the puppet line filter over a socket', () => {
  it('drops other users\' channel lines split across reads and keeps the lines around them whole', async () => {
    const { seen, deliver } = await joinedPuppet();
    await deliver([
      ':bob!b@h PRIVMSG #c :chat one',
      '\r\n:bob!b@h PRIVMSG me :pm one\r',
      '\n:bob!b@h PRI',
      'VMSG #c :chat two\n:bob!b@h JOIN #c\r\n:bob!b@h PRIVMSG me :pm',
      ' two\r\n:carol!c@h PRIVMSG #c :chat three\r\n@time=2026-12-07T21:00:00.000Z :bob!b@h PRIVMSG me :pm three\n',
      ':me!me@h PART #c :bye\r\n',
      ':bob!b@h PRIVMSG me :done\r\n',
    ], 'done');
    expect(seen).toEqual(['bob me pm one', 'bob me pm two', 'bob me pm three', 'part me', 'bob me done']);
  });

  it('leaves lines with bytes that are not ASCII to the decoded path, which keeps what is addressed to the puppet', async () => {
    const { seen, deliver } = await joinedPuppet();
    await deliver([
      Buffer.from(':b\xe9b!b@h PRIVMSG #c :caf\xe9\r\n', 'latin1'), // another user's channel line: dropped after decoding
      Buffer.from(':b\xe9b!b@h PRIVMSG me :caf\xe9\r\n', 'latin1'),
      Buffer.concat([Buffer.from(':bob!b@h PRIVMSG me :'), Buffer.from('☕ split', 'utf8').subarray(0, 2)]),
      Buffer.concat([Buffer.from('☕ split', 'utf8').subarray(2), Buffer.from('\r\n:bob!b@h PRIVMSG #c :\xff\xfe\r\n', 'latin1')]),
      ':bob!b@h PRIVMSG me :done\r\n',
    ], 'done');
    expect(seen).toEqual(['béb me café', 'bob me ☕ split', 'bob me done']);
  });
});
