// Shared by the http module's unit tests only (excluded from the build: it uses jest's globals).
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Ingestor } from '../../ingest/ingestor';
import { MemoryJournal } from '../../ingest/memory-journal';
import type { QueuedItem, TransactionJournal } from '../../ingest/types';
import type { Logger } from '../../log/types';
import { createAppServiceApp, type AppServiceAppDeps } from '../appservice-app';
import { createHttpMetrics } from '../metrics';

export const HS_TOKEN = 'Qm3vX9tLp2ZcR8wKs5Jd';
export const TXN = '/_matrix/app/v1/transactions';

export const wireEvent = (n: number, extra: Record<string, unknown> = {}) => ({
  event_id: `$e${n}`, room_id: '!room:hs.test', sender: '@alice:hs.test', type: 'm.room.message',
  content: { body: `m${n}` }, origin_server_ts: 1000 + n, ...extra,
});

/** Every log line as `level message {meta}`, so a test can search the whole output. */
export function recordingLogger(lines: string[]): Logger {
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  };
  const log: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: () => log };
  return log;
}

export interface RawResponse {
  status: number;
  body: Record<string, unknown> | undefined;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no normalisation, so malformed escapes reach the server. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Defaults to the right hs_token; null sends none. */
  token?: string | null;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** The appservice app on a loopback port, with a real Ingestor over `journal`. */
export async function startApp(opts: { journal?: TransactionJournal; overrides?: Partial<AppServiceAppDeps> } = {}) {
  const handled: QueuedItem[] = [];
  const lines: string[] = [];
  const journal = opts.journal ?? new MemoryJournal();
  const log = recordingLogger(lines);
  const ingestor = new Ingestor({
    journal, handle: async (item) => { handled.push(item); }, isEcho: () => false,
    roomConcurrency: 2, maxAttempts: 1, retryDelay: () => 0, slowHandlerMs: 60_000, log,
  });
  const registry = new Registry();
  const app = createAppServiceApp({
    hsToken: HS_TOKEN, ingest: ingestor, maxBodyBytes: 64 * 1024, log, metrics: createHttpMetrics(registry), ...opts.overrides,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  const { port } = server.address() as AddressInfo;

  const send = (req: RawRequest): Promise<RawResponse> => new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...req.headers };
    const token = req.token === undefined ? HS_TOKEN : req.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    if (body) headers['Content-Length'] = String(body.length);
    const r = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(body);
  });

  /** A counter's total over all its label sets. */
  const metric = async (name: string): Promise<number> => {
    const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    return (found?.values ?? []).reduce((sum, v) => sum + v.value, 0);
  };
  return { send, handled, journal, ingestor, lines, registry, metric };
}
