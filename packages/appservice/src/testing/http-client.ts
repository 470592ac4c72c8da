import { request } from 'node:http';

/** What a homeserver-side call to the bridge got back. */
export interface PlainResponse {
  status: number;
  text: string;
}

/**
 * One HTTP request on its own connection (no keep-alive), as the kit's "homeserver" calls the
 * bridge. A kept-alive socket that turns idle just after the bridge began to stop would hold
 * its listener open until the client's idle timeout, making every test's `stop()` slow.
 */
export function plainRequest(url: string, method: string, headers: Record<string, string>, body?: string): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = request(url, {
      method, agent: false,
      headers: { ...headers, connection: 'close', ...(payload ? { 'content-length': String(payload.length) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
