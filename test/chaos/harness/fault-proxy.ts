/**
 * An HTTP proxy on node:http that sits between the bridge and Synapse (or Synapse and the
 * bridge) and misbehaves on purpose for a share of the requests: 429 in the three shapes a
 * homeserver or a reverse proxy uses (`retry_after_ms` in the body, `Retry-After` in seconds,
 * `Retry-After` as an HTTP date), 500, a connection reset before any answer, or a stall that
 * answers nothing for a while. A fault is decided before the request is forwarded, so a faulted
 * request never reached Synapse: what the bridge does next (retry with the same transaction ID)
 * is what the scenario counts. It also tells a scenario which requests are in flight, so a
 * kill -9 can land while a transaction is half-handled.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'retry_after_ms' | 'retry_after_seconds' | 'retry_after_date' | 'error500' | 'reset' | 'stall';
export const ALL_FAULTS: readonly Fault[] = ['retry_after_ms', 'retry_after_seconds', 'retry_after_date', 'error500', 'reset', 'stall'];

export interface FaultProxyOptions {
  /** Where requests go, e.g. Synapse's http://127.0.0.1:port. */
  target: string;
  /** Port to listen on; 0 for any. */
  port?: number;
  /** How long a stall holds a request before closing it unanswered. */
  stallMs?: number;
}

export interface FaultPlan {
  /** Share of matching requests answered with a fault, 0..1. */
  rate: number;
  faults: readonly Fault[];
  /** Which requests may be faulted (default: every request). */
  match?: (method: string, path: string) => boolean;
}

export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  plan: FaultPlan;
  /** Requests seen, by outcome: 'forwarded' or a fault name. */
  readonly counts: Map<string, number>;
  /** Requests forwarded and not yet answered, by method and path. */
  inFlight(match?: (method: string, path: string) => boolean): number;
  /** Resolves once a forwarded request matching `match` is in flight (sent on, no answer yet). */
  whenInFlight(match: (method: string, path: string) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** Seeded, so a failing run can be replayed: the fault sequence depends only on the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOO_MANY = { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests (injected by the chaos proxy)' };

export async function startFaultProxy(options: FaultProxyOptions, seed = Number(process.env.CHAOS_SEED ?? 0x5eed)): Promise<FaultProxy> {
  const random = prng(seed);
  const target = new URL(options.target);
  const stallMs = options.stallMs ?? 10_000;
  const counts = new Map<string, number>();
  const flying = new Set<{ method: string; path: string }>();
  const waiters = new Set<{ match: (m: string, p: string) => boolean; resolve: () => void }>();
  const held = new Set<ServerResponse>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);

  const proxy: FaultProxy = {
    url: '',
    port: 0,
    plan: { rate: 0, faults: ALL_FAULTS },
    counts,
    inFlight: (match = () => true) => [...flying].filter((r) => match(r.method, r.path)).length,
    whenInFlight: (match) => new Promise<void>((resolve) => {
      if ([...flying].some((r) => match(r.method, r.path))) resolve();
      else waiters.add({ match, resolve });
    }),
    close: async () => {
      for (const res of held) res.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  function injure(fault: Fault, res: ServerResponse): void {
    count(fault);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    switch (fault) {
      case 'retry_after_ms': return json(429, { ...TOO_MANY, retry_after_ms: 300 });
      case 'retry_after_seconds': return json(429, TOO_MANY, { 'Retry-After': '1' });
      case 'retry_after_date': return json(429, TOO_MANY, { 'Retry-After': new Date(Date.now() + 1_500).toUTCString() });
      case 'error500': return json(500, { errcode: 'M_UNKNOWN', error: 'Internal server error (injected by the chaos proxy)' });
      case 'reset': res.socket?.destroy(); return;
      case 'stall': {
        held.add(res);
        setTimeout(() => { held.delete(res); res.socket?.destroy(); }, stallMs).unref();
        return;
      }
    }
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    count('forwarded');
    const entry = { method: req.method ?? 'GET', path: req.url ?? '/' };
    flying.add(entry);
    for (const w of [...waiters]) if (w.match(entry.method, entry.path)) { waiters.delete(w); w.resolve(); }
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => flying.delete(entry));
    });
    upstream.on('error', () => { flying.delete(entry); res.socket?.destroy(); });
    res.on('close', () => flying.delete(entry));
    req.pipe(upstream);
  }

  const server = http.createServer((req, res) => {
    const { rate, faults, match } = proxy.plan;
    const eligible = faults.length > 0 && (match?.(req.method ?? 'GET', req.url ?? '/') ?? true);
    if (eligible && random() < rate) {
      // Read the body first, as a real server would, so the client sees its request taken.
      req.resume();
      req.on('end', () => injure(faults[Math.floor(random() * faults.length)] as Fault, res));
      return;
    }
    forward(req, res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(proxy, { port, url: `http://127.0.0.1:${port}` });
  return proxy;
}
