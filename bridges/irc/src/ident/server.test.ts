// The identd on real loopback sockets (an OS-chosen port): answers for registered connections
// to the host they go to, NO-USER for everything else, and bounds what a hostile client can do.
import net from 'node:net';
import { TestLogger } from '@bridgekit/appservice/testing';
import { errorReply, parseIdentQuery, userIdReply } from './protocol';
import { IdentRegistry, plainAddress } from './registry';
import { IdentServer, type IdentOutcome } from './server';

let server: IdentServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.stop();
  server = undefined;
});

async function startIdent(options: { idleTimeoutMs?: number; maxConnections?: number } = {}) {
  const registry = new IdentRegistry();
  const outcomes: IdentOutcome[] = [];
  server = new IdentServer({ registry, address: '127.0.0.1', port: 0, log: new TestLogger(), onQuery: (o) => outcomes.push(o), ...options });
  await server.start();
  return { registry, outcomes, port: server.port };
}

/** Sends `data` (as is), resolves with everything received until the server closes. */
function exchange(port: number, data: string | Buffer, from = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
    sockets.push(socket);
    let received = '';
    socket.on('data', (chunk) => { received += chunk.toString('latin1'); });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.on('connect', () => socket.write(data));
  });
}

describe('ident protocol', () => {
  it('reads a query with or without spaces and knows a port from a number', () => {
    expect(parseIdentQuery('6193, 23')).toEqual({ localPort: 6193, remotePort: 23, validPorts: true });
    expect(parseIdentQuery(' 6193 ,23 ')).toEqual({ localPort: 6193, remotePort: 23, validPorts: true });
    expect(parseIdentQuery('70000 , 23')?.validPorts).toBe(false);
    expect(parseIdentQuery('0 , 23')?.validPorts).toBe(false);
    expect(parseIdentQuery('6193 23')).toBeUndefined();
    expect(parseIdentQuery('GET / HTTP/1.0')).toBeUndefined();
  });

  it('answers in RFC 1413 form', () => {
    expect(userIdReply({ localPort: 6193, remotePort: 23 }, 'alice')).toBe('6193 , 23 : USERID : UNIX : alice\r\n');
    expect(errorReply({ localPort: 6193, remotePort: 23 }, 'NO-USER')).toBe('6193 , 23 : ERROR : NO-USER\r\n');
  });

  it('spells an address one way whatever the socket reports', () => {
    expect(plainAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(plainAddress('FD42:0:0::1')).toBe('fd42::1');
  });
});

describe('IdentServer', () => {
  it('names the user of a registered connection to the host it goes to, and NO-USER once it closed', async () => {
    const { registry, outcomes, port } = await startIdent();
    const remove = registry.add({ localAddress: '127.0.0.1', localPort: 40001, remoteAddress: '127.0.0.1', remotePort: 6667 }, 'alice');
    expect(await exchange(port, '40001 , 6667\r\n')).toBe('40001 , 6667 : USERID : UNIX : alice\r\n');
    remove();
    expect(await exchange(port, '40001 , 6667\r\n')).toBe('40001 , 6667 : ERROR : NO-USER\r\n');
    expect(outcomes).toEqual(['user', 'no_user']);
    expect(registry.size).toBe(0);
  });

  it('tells nobody but the connection\'s own server who owns it', async () => {
    const { registry, port } = await startIdent();
    // The connection goes to 127.0.0.2; the query comes from 127.0.0.1.
    registry.add({ localAddress: '127.0.0.1', localPort: 40002, remoteAddress: '127.0.0.2', remotePort: 6667 }, 'bob');
    expect(await exchange(port, '40002,6667\n')).toBe('40002 , 6667 : ERROR : NO-USER\r\n');
    expect(await exchange(port, '40002,6667\n', '127.0.0.2')).toBe('40002 , 6667 : USERID : UNIX : bob\r\n');
  });

  it('answers a port out of range with INVALID-PORT and garbage with UNKNOWN-ERROR', async () => {
    const { outcomes, port } = await startIdent();
    expect(await exchange(port, '99999 , 6667\r\n')).toBe('99999 , 6667 : ERROR : INVALID-PORT\r\n');
    expect(await exchange(port, Buffer.from([0xff, 0x00, 0x41, 0x0a]))).toBe('0 , 0 : ERROR : UNKNOWN-ERROR\r\n');
    expect(outcomes).toEqual(['invalid', 'invalid']);
  });

  it('does not buffer a line without end: past 1000 bytes it answers and closes', async () => {
    const { outcomes, port } = await startIdent();
    expect(await exchange(port, 'x'.repeat(64 * 1024))).toBe('0 , 0 : ERROR : UNKNOWN-ERROR\r\n');
    expect(outcomes).toEqual(['invalid']);
  });

  it('closes a connection that sends its query too slowly', async () => {
    const { port } = await startIdent({ idleTimeoutMs: 200 });
    const started = Date.now();
    expect(await exchange(port, '4000')).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('closes connections beyond its limit on arrival, and still serves once they are gone', async () => {
    const { registry, port } = await startIdent({ maxConnections: 2, idleTimeoutMs: 5_000 });
    registry.add({ localAddress: '127.0.0.1', localPort: 40003, remoteAddress: '127.0.0.1', remotePort: 6667 }, 'carol');
    const idle = await Promise.all([0, 1].map(() => new Promise<net.Socket>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
      sockets.push(s);
    })));
    await new Promise((r) => setTimeout(r, 50)); // the server has accepted both
    expect(await exchange(port, '40003 , 6667\r\n')).toBe('');
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(await exchange(port, '40003 , 6667\r\n')).toBe('40003 , 6667 : USERID : UNIX : carol\r\n');
  });
});
