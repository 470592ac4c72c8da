import express from 'express';
import { listenProvisioning } from './server';

describe('listenProvisioning', () => {
  it('binds the given address, reports the port and closes', async () => {
    const app = express();
    app.get('/ping', (_req, res) => void res.json({ ok: true }));
    const listener = await listenProvisioning(app, { bindAddress: '127.0.0.1', port: 0 });
    try {
      expect(listener.address).toBe('127.0.0.1');
      expect(listener.port).toBeGreaterThan(0);
      const response = await fetch(`http://127.0.0.1:${listener.port}/ping`);
      expect(await response.json()).toEqual({ ok: true });
    } finally {
      await listener.close();
    }
    await expect(fetch(`http://127.0.0.1:${listener.port}/ping`)).rejects.toThrow();
  });

  it('says which setting to change when the port is taken', async () => {
    const first = await listenProvisioning(express(), { bindAddress: '127.0.0.1', port: 0 });
    try {
      await expect(listenProvisioning(express(), { bindAddress: '127.0.0.1', port: first.port })).rejects.toThrow(
        `The provisioning API cannot listen on 127.0.0.1:${first.port}: EADDRINUSE. Change irc.provisioning.bind_address / port`,
      );
    } finally {
      await first.close();
    }
  });
});
