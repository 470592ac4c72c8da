/**
 * A bridge whose registration has a different hs_token from the homeserver's copy refuses every
 * push with 403. Synapse keeps retrying and messages are lost; the admin must read in the
 * bridge's log what is wrong and how to fix it, without the log ever holding either token.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBridge, type RunningBridge } from './harness/bridge-process';
import { writeBridgeConfig } from './harness/bridge-config';
import { readE2eEnv } from './harness/env';
import { pollUntil } from './harness/wait';

let bridge: RunningBridge | undefined;
afterAll(async () => {
  await bridge?.stop();
});

describe('a wrong hs_token in the bridge', () => {
  it("logs Synapse's refused ping once, with the fix, and never a token", async () => {
    const env = readE2eEnv();
    const bridgeToken = randomBytes(24).toString('hex');
    const registration = readFileSync(env.appservice.registrationPath, 'utf8');
    expect(registration).toContain(env.appservice.hsToken);
    // The config names the registration relative to itself; the copy differs only in hs_token.
    const { configPath, dir } = writeBridgeConfig(env, { appservice: { registration: 'registration-mismatched.yaml' } });
    const mismatched = join(dir, 'registration-mismatched.yaml');
    writeFileSync(mismatched, registration.split(env.appservice.hsToken).join(bridgeToken));

    // The harness's readiness probe carries the bridge's token, so the only refusals are Synapse's.
    bridge = await startBridge({ configPath, skipPingCheck: true, appservice: { ...env.appservice, hsToken: bridgeToken, homeserverUrl: env.homeserver.url } });
    const running = bridge;
    // The bridge pings Synapse at startup; Synapse calls back with its own hs_token, which the bridge refuses.
    const line = await pollUntil(async () => readFileSync(running.logPath, 'utf8').split('\n').find((l) => l.includes('wrong hs_token')), {
      what: 'the bridge to log the refused hs_token', timeoutMs: 20_000, intervalMs: 200, detail: () => running.logTail(),
    });
    expect(line).toContain("Make hs_token in the homeserver's copy of the registration file");
    expect(line).toContain(mismatched);
    expect(line).toContain('then restart the homeserver');
    expect(line).toMatch(/route.*ping/);
    // And Synapse, asked to ping, reports the bridge refusing it: the refusal was Synapse's own request.
    await expect(running.ping()).rejects.toThrow();

    const log = readFileSync(running.logPath, 'utf8');
    for (const token of [env.appservice.hsToken, bridgeToken]) {
      // Neither whole nor any 12-character piece of it.
      for (let i = 0; i + 12 <= token.length; i++) expect([token.slice(i, i + 12), log.includes(token.slice(i, i + 12))]).toEqual([token.slice(i, i + 12), false]);
    }
    // Rate-limited: the startup ping and ours came within a minute, so one line stands for both.
    expect(log.split('\n').filter((l) => l.includes('wrong hs_token'))).toHaveLength(1);
  });
});
