// The identd as the connector runs it: started with the bridge when `irc.ident.enabled`, closed
// with it, and a port it cannot open stops the start with the reason and the fix.
// The connector runs in a real Bridge on the core's test kit.
import net from 'node:net';
import { startHarness, type Harness } from '../testing/harness';

let h: Harness | undefined;
let blocker: net.Server | undefined;
afterEach(async () => {
  await h?.stop();
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  h = undefined;
  blocker = undefined;
});

async function listenAnywhere(): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

async function startWithIdent(port: number): Promise<void> {
  h = await startHarness({ top: { ident: { enabled: true, address: '127.0.0.1', port } } });
}

function ask(port: number, query: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(query));
    let received = '';
    socket.on('data', (chunk) => { received += chunk.toString(); });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('the identd in the connector', () => {
  it('listens while the bridge runs and answers NO-USER for connections it does not own', async () => {
    const probe = await listenAnywhere();
    const port = portOf(probe);
    await new Promise((resolve) => probe.close(resolve));
    await startWithIdent(port);
    expect(await ask(port, '50000 , 6667\r\n')).toBe('50000 , 6667 : ERROR : NO-USER\r\n');
    await h!.stop();
    await expect(ask(port, '50000 , 6667\r\n')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses to start when the port is taken, saying what to do', async () => {
    blocker = await listenAnywhere();
    await expect(startWithIdent(portOf(blocker))).rejects.toThrow(
      new RegExp(`^The identd cannot listen on 127\\.0\\.0\\.1 port ${portOf(blocker)} \\(EADDRINUSE\\): another process .* may hold the port; stop it or choose irc\\.ident\\.port\\.$`),
    );
  });
});
