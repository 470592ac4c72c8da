/**
 * `node bench/dist/round-trip.js [--requests N] [--runs R] [--client undici|node-http]`: the ceiling that one awaited send
 * at a time puts on a room's msg/s on this machine. A client process sends N message PUTs to the
 * fake homeserver (the burst's, echo off) one after another through undici's Pool, as the
 * bridge's transport does, and doing nothing else; it reports requests per second, its own CPU
 * per request and the homeserver's (a node:http server, as the bridge's transaction listener is). A bridge that keeps a room's order cannot relay one room's lines faster than
 * this, whatever it spends on the rest of each line.
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadAverage } from './env';
import { FakeHomeserver } from './fake-hs/server';

const AS_TOKEN = 'round-trip-as-token';
const ROOM = '!roundtrip:bench.test';

interface ClientResult { perSecond: number; cpuPerRequestMs: number }
type Kind = 'undici' | 'node-http';

const pathOf = (i: number) => `/_matrix/client/v3/rooms/${encodeURIComponent(ROOM)}/send/m.room.message/rt${i}?user_id=${encodeURIComponent('@irc_alice:bench.test')}`;
const headers = { authorization: `Bearer ${AS_TOKEN}`, 'content-type': 'application/json' };
const bodyOf = (i: number) => JSON.stringify({ msgtype: 'm.text', body: `round trip ${i}` });

/** One PUT at a time: undici's Pool (what the bridge uses) or, for comparison, node:http with a keep-alive Agent. */
async function sender(url: string, kind: Kind): Promise<{ send(i: number): Promise<void>; close(): Promise<void> }> {
  if (kind === 'undici') {
    const { Pool } = await import('undici');
    const pool = new Pool(url, { connections: 4, pipelining: 1, keepAliveTimeout: 60_000 });
    return {
      async send(i) {
        const res = await pool.request({ method: 'PUT', path: pathOf(i), headers, body: bodyOf(i) });
        await res.body.json();
      },
      close: () => pool.close(),
    };
  }
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const { hostname, port } = new URL(url);
  return {
    send: (i) => new Promise<void>((resolve, reject) => {
      const body = bodyOf(i);
      const req = http.request({ host: hostname, port, method: 'PUT', path: pathOf(i), agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { JSON.parse(Buffer.concat(chunks).toString('utf8')); resolve(); });
      });
      req.on('error', reject);
      req.end(body);
    }),
    close: async () => agent.destroy(),
  };
}

async function client(url: string, requests: number, kind: Kind): Promise<ClientResult> {
  const { send, close } = await sender(url, kind);
  for (let i = 0; i < 200; i++) await send(-i - 1); // warm-up: JIT and the keep-alive connection
  process.send!({ spanStart: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) await send(i);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.send!({ spanDone: true });
  await close();
  return { perSecond: requests / (ms / 1000), cpuPerRequestMs: (cpu.user + cpu.system) / 1000 / requests };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--client') {
    const result = await client(process.argv[3]!, Number(process.argv[4]), process.argv[5] as Kind);
    process.send!(result);
    return;
  }
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '3000' }, runs: { type: 'string', default: '3' }, client: { type: 'string', default: 'undici' } } });
  const kind = values.client as Kind;
  if (kind !== 'undici' && kind !== 'node-http') throw new Error('--client is undici or node-http');
  for (let run = 1; run <= Number(values.runs); run++) {
    const hs = new FakeHomeserver({ domain: 'bench.test', asToken: AS_TOKEN, hsToken: 'unused', botUserId: '@bridge:bench.test', echo: false });
    await hs.listen();
    const before = loadAverage().join('/');
    const child = fork(__filename, ['--client', hs.url, values.requests!, kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // The homeserver's own CPU over the client's timed span: what answering one send costs node:http.
    let serverCpu0 = process.cpuUsage();
    let serverCpu = serverCpu0;
    const result = await new Promise<ClientResult>((resolve, reject) => {
      child.on('message', (m: ClientResult & { spanStart?: boolean; spanDone?: boolean }) => {
        if (m.spanStart) serverCpu0 = process.cpuUsage();
        else if (m.spanDone) serverCpu = process.cpuUsage(serverCpu0);
        else resolve(m);
      });
      child.once('exit', (code) => reject(new Error(`round-trip client exited (${code})`)));
    });
    await hs.close();
    const serverMs = (serverCpu.user + serverCpu.system) / 1000 / Number(values.requests);
    console.log(`round-trip run ${run} (${kind}): ${result.perSecond.toFixed(0)} req/s, client CPU ${result.cpuPerRequestMs.toFixed(3)} ms/request, `
      + `fake homeserver CPU ${serverMs.toFixed(3)} ms/request, load ${before}`);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
