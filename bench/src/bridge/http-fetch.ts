/**
 * Experiment `http-fetch` (`npm run bench -- --experiment http-fetch`): a `fetch` built on
 * node:http with a keep-alive agent, handed to the Bridge instead of the global (undici) fetch.
 * It answers "how much would the core save if csapi/transport.ts used node:http instead of
 * fetch?" without changing the core. Only what MatrixTransport uses is supported: method,
 * string/bytes body, headers, AbortSignal; the response body is buffered.
 */
import http from 'node:http';

export function createHttpFetch(): typeof fetch {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const httpFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const body = init?.body as string | Uint8Array | undefined;
    return new Promise<Response>((resolve, reject) => {
      const req = http.request({
        host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: init?.method ?? 'GET', agent,
        headers: { ...(init?.headers as Record<string, string> | undefined), ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
        ...(init?.signal ? { signal: init.signal } : {}),
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 500;
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  return httpFetch as typeof fetch;
}
