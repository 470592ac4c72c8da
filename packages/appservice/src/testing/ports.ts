import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * Ports a test writes into a config and binds later (a registration's `url` that Synapse reads
 * before the bridge starts, a port rebound after a restart) must not come from the kernel's
 * ephemeral range: every outgoing connection in the meantime takes a port from that range, and
 * one did take such a port in CI (EADDRINUSE minutes after it was chosen). So we pick below it.
 */
const FALLBACK_EPHEMERAL_LOW = 32768;
const SPAN = 12_000;
const ATTEMPTS_PER_PORT = 50;

function ephemeralRangeLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && Number.isInteger(low) && low > 2048 ? low : FALLBACK_EPHEMERAL_LOW;
  } catch {
    return FALLBACK_EPHEMERAL_LOW; // not Linux: the IANA range starts at 49152, so this is below it too
  }
}

function tryListen(server: Server, port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = (): void => resolve(false);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(true);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

/**
 * `count` distinct loopback ports that are free now and outside the ephemeral range, so no
 * outgoing connection takes them before the test binds them. Candidates are random (parallel
 * jest workers rarely collide) and each is proved by binding it; all stay bound until every port
 * is found, so one call never returns the same port twice.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const high = ephemeralRangeLow() - 1;
  const low = Math.max(1025, high - SPAN);
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      let found: number | undefined;
      for (let attempt = 0; attempt < ATTEMPTS_PER_PORT && found === undefined; attempt++) {
        const candidate = low + Math.floor(Math.random() * (high - low + 1));
        if (ports.includes(candidate)) continue;
        const server = createServer();
        if (await tryListen(server, candidate, host)) {
          held.push(server);
          found = candidate;
        }
      }
      if (found === undefined) throw new Error(`No free port on ${host} between ${low} and ${high} after ${ATTEMPTS_PER_PORT} tries`);
      ports.push(found);
    }
    return ports;
  } finally {
    await Promise.all(held.map(close));
  }
}

/** One port from {@link freePorts}. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port as number;
}
