/** Fails early, naming the port and the variable that moves it, when another program holds a port. */
import { createServer } from 'node:net';
import { StackError } from './errors';
import type { PortSetting } from './settings';

/** Resolves with the bind error's code (EADDRINUSE, EACCES) or undefined when the port is free. */
function tryListen(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    // Same address the servers bind; a program on 0.0.0.0 or [::] also makes this fail.
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

export async function assertPortsFree(ports: readonly PortSetting[]): Promise<void> {
  for (const setting of ports) {
    const code = await tryListen(setting.port);
    if (code === undefined) continue;
    const why = code === 'EADDRINUSE' ? 'is already in use by another program' : code === 'EACCES' ? 'needs privileges this user lacks' : `cannot be used (${code})`;
    throw new StackError(
      `Port ${setting.port} on 127.0.0.1, for ${setting.owner}, ${why}.`,
      `Stop that program (\`ss -ltnp 'sport = :${setting.port}'\` shows which one), or choose another port: ${setting.envVar}=<port> npm run stack`,
    );
  }
}
