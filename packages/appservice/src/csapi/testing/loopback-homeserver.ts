/**
 * A scripted homeserver on 127.0.0.1 for the transport's tests: real sockets, so keep-alive,
 * timeouts, resets and streaming are exercised as a homeserver would exercise them, which an
 * in-process interceptor cannot do for undici's own request API.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';

export interface ScriptedReply {
  status?: number;
  /** Sent as `application/json`; a function builds it from the request. */
  json?: unknown;
  /** Sent as is (a proxy's HTML page, media bytes). */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Drop the connection instead of answering (a crashed or restarted homeserver). */
  reset?: boolean;
  /** How many requests this reply answers (default 1). */
  times?: number;
  /** Answer only requests with these query parameters (others may be present too) ... */
  query?: Record<string, string>;
  /** ... and this JSON body. */
  requestJson?: unknown;
}

export interface RecordedRequest {
  method: string;
  /** The path as sent, still percent-encoded, without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Route {
  method: string;
  path: string | RegExp;
  reply: ScriptedReply;
  left: number;
}

export class LoopbackHomeserver {
  readonly requests: RecordedRequest[] = [];
  /** Requests no scripted reply matched; answered 404 M_UNRECOGNIZED. */
  readonly unmatched: RecordedRequest[] = [];
  /** Called for every request as it arrives, before it is answered. */
  onRequest?: (req: RecordedRequest) => void;
  /** TCP connections opened by the client, to see keep-alive at work. */
  connections = 0;
  private readonly routes: Route[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<LoopbackHomeserver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const hs = new LoopbackHomeserver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('connection', (socket) => {
      hs.connections++;
      hs.sockets.add(socket);
      socket.on('close', () => hs.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [path = '', search = ''] = (req.url ?? '').split('?', 2);
        const recorded: RecordedRequest = {
          method: req.method ?? '', path, query: new URLSearchParams(search), headers: req.headers, body: Buffer.concat(chunks).toString(),
        };
        hs.requests.push(recorded);
        hs.onRequest?.(recorded);
        const route = hs.take(recorded);
        if (!route) {
          hs.unmatched.push(recorded);
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode: 'M_UNRECOGNIZED' }));
          return;
        }
        const answer = () => {
          if (route.reset) {
            req.socket.destroy();
            return;
          }
          const json: unknown = typeof route.json === 'function' ? (route.json as (r: RecordedRequest) => unknown)(recorded) : route.json;
          const payload = json !== undefined ? JSON.stringify(json) : route.body ?? '';
          const headers = {
            'content-length': String(Buffer.byteLength(payload)),
            ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
            ...route.headers,
          };
          res.writeHead(route.status ?? 200, headers).end(payload);
        };
        if (route.delayMs) setTimeout(answer, route.delayMs);
        else answer();
      });
    });
    return hs;
  }

  /** Scripts the next answers to `method path` (a string matches the encoded path exactly). */
  on(method: string, path: string | RegExp, ...replies: ScriptedReply[]): this {
    for (const reply of replies) this.routes.push({ method, path, reply, left: reply.times ?? 1 });
    return this;
  }

  /** Scripted replies not used yet, as `METHOD path` lines. */
  pending(): string[] {
    return this.routes.filter((r) => r.left > 0).map((r) => `${r.method} ${String(r.path)}`);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(req: RecordedRequest): ScriptedReply | undefined {
    const route = this.routes.find((r) => r.left > 0 && r.method === req.method
      && (typeof r.path === 'string' ? r.path === req.path : r.path.test(req.path))
      && Object.entries(r.reply.query ?? {}).every(([k, v]) => req.query.get(k) === v)
      && (r.reply.requestJson === undefined || (req.body !== '' && isDeepStrictEqual(JSON.parse(req.body), r.reply.requestJson))));
    if (!route) return undefined;
    route.left--;
    return route.reply;
  }
}
