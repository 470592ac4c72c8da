import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/** Starts `app` on host:port (0 = a free port) and resolves once it accepts connections. */
export function listen(app: Express, host: string, port: number): Promise<{ server: Server; address: { host: string; port: number } }> {
  return new Promise((resolvePromise, reject) => {
    const server = app.listen(port, host);
    const onError = (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'EADDRINUSE' ? `: port ${port} on ${host} is taken; stop what uses it or pick another port in the config` : '';
      reject(new Error(`Cannot listen on ${host}:${port}${hint} (${err.message})`));
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      const info = server.address() as AddressInfo;
      resolvePromise({ server, address: { host, port: info.port } });
    });
  });
}

/** Stops accepting connections and closes idle keep-alive sockets, so shutdown is not held up. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => {
    server.close(() => resolvePromise());
    server.closeIdleConnections();
  });
}
