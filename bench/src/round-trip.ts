/**
 * `node bench/dist/round-trip.js [--requests N] [--runs R]`: the ceiling that one awaited send
 * at a time puts on a room's msg/s on this machine. A client process sends N message PUTs to the
 * fake homeserver (the burst's, echo off) one after another through undici's Pool, as the
 * bridge's transport does, and doing nothing else; it reports requests per second and its own
 * CPU per request. A bridge that keeps a room's order cannot relay one room's lines faster than
 * this, whatever it spends on the rest of each line.
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadAverage } from './env';
import { FakeHomeserver } from './fake-hs/server';

const AS_TOKEN = 'round-trip-as-token';
const ROOM = '!roundtrip:bench.test';

interface ClientResult { perSecond: number; cpuPerRequestMs: number }

async function client(url: string, requests: number): Promise<ClientResult> {
  const { Pool } = await import('undici');
  const pool = new Pool(url, { connections: 4, pipelining: 1, keepAliveTimeout: 60_000 });
  const send = async (i: number) => {
    const res = await pool.request({
      method: 'PUT',
      path: `/_matrix/client/v3/rooms/${encodeURIComponent(ROOM)}/send/m.room.message/rt${i}?user_id=${encodeURIComponent('@irc_alice:bench.test')}`,
      headers: { authorization: `Bearer ${AS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'm.text', body: `round trip ${i}` }),
    });
    await res.body.json();
  };
  for (let i = 0; i < 200; i++) await send(-i - 1); // warm-up: JIT and the keep-alive connection
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) await send(i);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  return { perSecond: requests / (ms / 1000), cpuPerRequestMs: (cpu.user + cpu.system) / 1000 / requests };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--client') {
    const result = await client(process.argv[3]!, Number(process.argv[4]));
    process.send!(result);
    return;
  }
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '3000' }, runs: { type: 'string', default: '3' } } });
  for (let run = 1; run <= Number(values.runs); run++) {
    const hs = new FakeHomeserver({ domain: 'bench.test', asToken: AS_TOKEN, hsToken: 'unused', botUserId: '@bridge:bench.test', echo: false });
    await hs.listen();
    const before = loadAverage().join('/');
    const child = fork(__filename, ['--client', hs.url, values.requests!], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const result = await new Promise<ClientResult>((resolve, reject) => {
      child.once('message', (m) => resolve(m as ClientResult));
      child.once('exit', (code) => reject(new Error(`round-trip client exited (${code})`)));
    });
    await hs.close();
    console.log(`round-trip run ${run}: ${result.perSecond.toFixed(0)} req/s, client CPU ${result.cpuPerRequestMs.toFixed(3)} ms/request, load ${before}`);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
