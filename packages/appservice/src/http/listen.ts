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

/** How often a closing server looks for keep-alive sockets that just finished their request. */
const IDLE_SWEEP_MS = 25;

/**
 * Stops accepting connections and lets requests in flight finish, for up to `graceMs`; then cuts
 * what is left. A keep-alive socket that was busy when the close began would otherwise stay
 * open for the keep-alive timeout after its response (Node closes only the sockets idle at the
 * moment of the call), so idle sockets are swept until the server is closed.
 */
export function closeServer(server: Server, graceMs = 5_000): Promise<void> {
  return new Promise((resolvePromise) => {
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolvePromise();
    });
    server.closeIdleConnections();
  });
}
