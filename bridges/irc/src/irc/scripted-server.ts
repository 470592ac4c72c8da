/**
 * Scripted in-process IRC servers for IrcConnection's unit tests: each line the connection sends
 * goes to a script, which answers as a server would. `closeScripted` closes what was made here.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { asIrcNick } from '../mapping/ids';
import { IrcConnection, type IrcConnectOptions } from './connection';

export type Script = (line: string, send: (raw: string | Buffer) => void, socket: net.Socket) => void;

export interface FakeServer {
  port: number;
  received: string[];
  close(): Promise<void>;
}

const servers: FakeServer[] = [];
const connections: IrcConnection[] = [];

/** Quits every connection and closes every server made here (call it in the test file's afterEach). */
export async function closeScripted(): Promise<void> {
  await Promise.all(connections.splice(0).map((c) => c.quit().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => s.close()));
}

/** A self-signed test CA and a server certificate for 127.0.0.1 it signed (valid until 2126; test use only). */
export const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name));

export async function fakeServer(script: Script, options: { tls?: boolean } = {}): Promise<FakeServer> {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    const send = (raw: string | Buffer) => socket.write(typeof raw === 'string' ? `${raw}\r\n` : Buffer.concat([raw, Buffer.from('\r\n')]));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      const lines = buffer.split('\r\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        received.push(line);
        script(line, send, socket);
      }
    });
  };
  const server = options.tls
    ? tls.createServer({ cert: fixture('test-server.pem'), key: fixture('test-server.key') }, onConnection)
    : net.createServer(onConnection);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const fake: FakeServer = {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () => new Promise((r) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => r());
    }),
  };
  servers.push(fake);
  return fake;
}

/** Registers whoever says NICK/USER (after CAP END, like a real server); `extra` handles the rest. */
export function welcoming(extra: Script = () => undefined, caps = ''): Script {
  let nick = '';
  let negotiating = false;
  let userSeen = false;
  const welcome = (send: (raw: string) => void) => {
    send(`:srv 001 ${nick} :Welcome`);
    send(`:srv 005 ${nick} NICKLEN=16 CASEMAPPING=rfc1459 CHANTYPES=# PREFIX=(ov)@+ :are supported`);
    send(`:srv 376 ${nick} :End of MOTD`);
  };
  return (line, send, socket) => {
    if (line.startsWith('CAP LS')) {
      negotiating = true;
      send(`:srv CAP * LS :${caps}`);
    } else if (line.startsWith('CAP REQ')) {
      send(`:srv CAP * ACK :${line.slice(line.indexOf(':') + 1)}`);
    } else if (line === 'CAP END') {
      negotiating = false;
      if (userSeen) welcome(send);
    } else if (line.startsWith('NICK ')) {
      nick = line.slice(5);
    } else if (line.startsWith('USER ')) {
      userSeen = true;
      if (!negotiating) welcome(send);
    } else if (line.startsWith('WHOIS ')) {
      send(`:srv 401 ${nick} ${line.slice(6)} :No such nick`);
      send(`:srv 318 ${nick} ${line.slice(6)} :End of /WHOIS list`);
    }
    extra(line, send, socket);
  };
}

export function connection(port: number, overrides: Partial<IrcConnectOptions> = {}): IrcConnection {
  const c = new IrcConnection({ host: '127.0.0.1', port, nick: asIrcNick('me'), username: 'me', realname: 'Me', ...overrides });
  connections.push(c);
  return c;
}

