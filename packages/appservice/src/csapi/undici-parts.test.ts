import { Pool, undiciErrors } from './undici-parts';

describe('undici parts loaded from their own files', () => {
  it('are the Pool and error classes that undici exports, with the request API on the Pool', async () => {
    // Loaded after the parts, so a Pool without undici's own index is what is checked above it.
    const pool = new Pool('http://127.0.0.1:9');
    expect(typeof pool.request).toBe('function');
    const undici = await import('undici');
    expect(Pool).toBe(undici.Pool);
    expect(undiciErrors).toBe(undici.errors);
    const agent = new undici.Agent();
    expect(pool.request).toBe(agent.request);
    expect(new undiciErrors.ConnectTimeoutError()).toBeInstanceOf(undici.errors.UndiciError);
    await Promise.all([pool.close(), agent.close()]);
  });
});
