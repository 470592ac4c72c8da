/** Puts the provisioning app on its own listener. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface ProvisioningListener {
  address: string;
  /** The bound port (useful with port 0 in tests). */
  port: number;
  close(): Promise<void>;
}

export function listenProvisioning(app: Express, options: { bindAddress: string; port: number }): Promise<ProvisioningListener> {
  const server: Server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(
        `The provisioning API cannot listen on ${options.bindAddress}:${options.port}: ${error.code ?? error.message}. ` +
          'Change irc.provisioning.bind_address / port, or stop whatever uses that port.',
        { cause: error },
      ));
    });
    server.listen(options.port, options.bindAddress, () => {
      const address = server.address() as AddressInfo;
      resolve({
        address: address.address,
        port: address.port,
        close: () =>
          new Promise<void>((done, fail) => {
            // Link requests may be waiting for an op for minutes: do not wait for them at shutdown.
            server.closeAllConnections();
            server.close((error) => (error ? fail(error) : done()));
          }),
      });
    });
  });
}
