/**
 * Test helper (not exported): makes this host accept a random ULA /64 as source addresses, as an
 * admin does for `irc.networks.*.ipv6` — an AnyIP route on loopback plus
 * net.ipv6.ip_nonlocal_bind=1 (Node cannot set IP_FREEBIND, so binding an address that is
 * routed but not assigned needs the sysctl) — and puts both back afterwards. Needs root; without
 * it, or when the route cannot be added, it throws saying why: these tests fail, never skip.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NONLOCAL_BIND = '/proc/sys/net/ipv6/ip_nonlocal_bind';

export interface AnyIpTestHost {
  /** The prefix's first 64 bits, e.g. `fd42:b1d6:1a2b:3c4d` (addresses are `<base>::1`, ...). */
  base: string;
  /** `<base>::/64`. */
  prefix: string;
  /** Turns non-local binding off or on (to test a host that refuses the addresses). */
  setNonlocalBind(on: boolean): void;
  /** Removes the route and restores the sysctl as it was. */
  restore(): Promise<void>;
}

/** `tag`: the second group of the prefix, so two test files never share a prefix. */
export async function routeTestPrefix(tag: string, why: string): Promise<AnyIpTestHost> {
  if (process.getuid?.() !== 0) throw new Error(`This test needs root: ${why}. Run it as root (CI does).`);
  const hex = () => Math.floor(Math.random() * 0xffff).toString(16);
  // A fresh /64 per run, so a route left by a killed run never collides with this one.
  const base = `fd42:${tag}:${hex()}:${hex()}`;
  const prefix = `${base}::/64`;
  try {
    await run('ip', ['-6', 'route', 'add', 'local', prefix, 'dev', 'lo']);
  } catch (error) {
    throw new Error(`Could not add the AnyIP route this test needs (ip -6 route add local ${prefix} dev lo): ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }
  const before = readFileSync(NONLOCAL_BIND, 'utf8').trim();
  const setNonlocalBind = (on: boolean) => writeFileSync(NONLOCAL_BIND, on ? '1' : '0');
  setNonlocalBind(true);
  return {
    base,
    prefix,
    setNonlocalBind,
    restore: async () => {
      if (before === '0' || before === '1') writeFileSync(NONLOCAL_BIND, before);
      await run('ip', ['-6', 'route', 'del', 'local', prefix, 'dev', 'lo']);
    },
  };
}
