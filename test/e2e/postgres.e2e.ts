/**
 * The whole IRC bridge on PostgreSQL (`database.url`): real Synapse, real ngIRCd, and a
 * throwaway PostgreSQL cluster (the one the store's tests use; `test/e2e/setup postgres`
 * installs it). A message each way, a restart of the bridge that keeps its portal and ghosts
 * and repeats nothing, and a database restart under traffic that loses nothing.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { startPostgresCluster, type PostgresCluster } from '../../packages/appservice/src/store/postgres/testing/cluster';
import { connectIrc, uniqueNick } from './harness/irc-client';
import { bridgeForThisFile, channelScene, type ChannelScene } from './harness/irc-bridge';
import { senderUserId } from './harness/namespaces';
import { isAlive } from './harness/processes';
import { delay, pollUntil } from './harness/wait';

let cluster: PostgresCluster | undefined;
let databaseUrl = '';

const bridge = bridgeForThisFile(async () => {
  cluster = await startPostgresCluster();
  databaseUrl = await cluster.createDatabase('bridge');
  return { database: { url: databaseUrl, pool_size: 4, statement_timeout_ms: 10_000 } };
});
afterAll(() => cluster?.stop());

async function count(sql: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe('the bridge on PostgreSQL', () => {
  let scene: ChannelScene;

  it('bridges a message each way, its portal stored in PostgreSQL', async () => {
    scene = await channelScene('pg');
    expect(await count("SELECT count(*) AS n FROM portals WHERE kind = 'channel'")).toBeGreaterThanOrEqual(1);
    expect(bridge().logTail(400)).toMatch(/Store open.*postgres/);
  });

  it('keeps the portal, the ghosts and a stored IRC password across a restart, and repeats nothing', async () => {
    const { alice, carol, op, channel, roomId } = scene;
    // A stored password with a services account: after the restart, the bridge reads it back
    // from PostgreSQL and uses it (ngIRCd has no SASL, so as NickServ IDENTIFY to a test client).
    const password = `pg-${uniqueNick('pw')}`;
    const nickServ = await connectIrc('NickServ');
    const admin = await alice.client.createRoom({ invite: [senderUserId()], isDirect: true, preset: 'trusted_private_chat' });
    await alice.client.waitForEvent(admin, (e) => e.sender === senderUserId() && /admin room/i.test(String(e.content.body)));
    await alice.client.sendText(admin, `!storepass --account=AliceAcct ${password}`);
    await alice.client.waitForEvent(admin, (e) => e.sender === senderUserId() && /^Stored your password/.test(String(e.content.body)));
    expect(await count('SELECT count(*) AS n FROM irc_stored_passwords')).toBe(1);
    const portals = await count('SELECT count(*) AS n FROM portals');
    const ghosts = await count('SELECT count(*) AS n FROM ghosts');
    await bridge().restart();
    // Alice's connection comes back on its own, logging in with what was stored.
    const identify = await nickServ.waitForMessage((m) => m.message.startsWith('IDENTIFY'), 30_000);
    expect(identify).toMatchObject({ nick: alice.nick, message: `IDENTIFY AliceAcct ${password}` });
    expect(await count('SELECT count(*) AS n FROM portals')).toBe(portals);
    expect(await count('SELECT count(*) AS n FROM ghosts')).toBe(ghosts);
    carol.say(channel, 'carol after restart');
    const seen = await alice.client.waitForMessage(roomId, 'carol after restart');
    const before = await alice.client.waitForMessage(roomId, 'carol speaks');
    expect(seen.sender).toBe(before.sender); // the same ghost
    await alice.client.sendText(roomId, 'alice after restart');
    await op.waitForMessage((m) => m.nick === alice.nick && m.message === 'alice after restart');
    // Nothing from before the restart came again, either way.
    const bodies = (await alice.client.roomTimeline(roomId)).map((e) => (e.content as { body?: string }).body);
    expect(bodies.filter((b) => b === 'carol speaks')).toHaveLength(1);
    expect(op.receivedMessages.filter((m) => m.message === 'alice speaks')).toHaveLength(1);
    expect(readFileSync(bridge().process.logPath, 'utf8')).not.toContain(password);
  });

  it('loses nothing when PostgreSQL restarts under traffic: the homeserver retries', async () => {
    const { alice, carol, op, channel, roomId } = scene;
    const fromIrc = Array.from({ length: 10 }, (_, i) => `irc line ${i}`);
    const fromMatrix = Array.from({ length: 5 }, (_, i) => `matrix line ${i}`);
    for (const line of fromIrc.slice(0, 5)) carol.say(channel, line);
    await alice.client.sendText(roomId, fromMatrix[0]!);
    cluster!.stopServer();
    try {
      for (const line of fromIrc.slice(5)) carol.say(channel, line);
      for (const line of fromMatrix.slice(1)) await alice.client.sendText(roomId, line);
      await delay(1_000);
    } finally {
      cluster!.startServer();
    }
    for (const line of fromMatrix) await op.waitForMessage((m) => m.nick === alice.nick && m.message === line, 90_000);
    for (const line of fromIrc) await alice.client.waitForMessage(roomId, line, 90_000);
    // Exactly once each, both ways.
    await delay(2_000);
    const bodies = (await alice.client.roomTimeline(roomId)).map((e) => (e.content as { body?: string }).body);
    for (const line of fromIrc) expect(bodies.filter((b) => b === line)).toHaveLength(1);
    for (const line of fromMatrix) expect(op.receivedMessages.filter((m) => m.message === line)).toHaveLength(1);
    // The bridge refused a push while the database was down (the homeserver kept and resent it).
    await pollUntil(async () => (/answering 500 so the homeserver retries/.test(bridge().logTail(2000)) ? true : undefined), { timeoutMs: 10_000, what: 'a refused push in the log' });
  });

  // Last: it ends the bridge. A lock whose connection drops is taken back only when nobody held
  // it meanwhile; here the record names another process, as if one had taken the store.
  it('exits 1 with a clear log line when its store lock was taken by another process', async () => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query("UPDATE store_lock SET pid = pid + 1, command = 'another bridge'");
      await client.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    } finally {
      await client.end();
    }
    const { pid } = bridge().process;
    await pollUntil(async () => (/Lost the store lock for good: another bridge process could have taken the store/.test(bridge().logTail(100)) ? true : undefined),
      { timeoutMs: 30_000, what: 'the lock loss in the log', detail: () => bridge().logTail(40) });
    // It stops by itself (no signal sent) and exits 1, for the service manager to restart it.
    await pollUntil(async () => (isAlive(pid) ? undefined : true), { timeoutMs: 30_000, what: 'the bridge to exit', detail: () => bridge().logTail(40) });
    expect(await bridge().process.stop()).toEqual({ code: 1, signal: null });
  });
});
