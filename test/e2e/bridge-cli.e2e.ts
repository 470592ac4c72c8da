/**
 * The bridge as a homeserver admin sets it up: `generate-registration` writes the file, Synapse
 * loads it (a homeserver of its own here, since Synapse reads registrations only at start-up),
 * `check-config` accepts the pair, `run` starts the bridge, and a portal works through it. Also
 * the appservice ping, both ways.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { writeBridgeConfig } from './harness/bridge-config';
import { BRIDGE_COMMAND, startBridge } from './harness/bridge-process';
import { readE2eEnv } from './harness/env';
import { connectIrc, disconnectAllIrc, uniqueNick } from './harness/irc-client';
import { BOT_NICK, startIrcBridge, uniqueChannel } from './harness/irc-bridge';
import { appservicePing, MatrixClient } from './harness/matrix-client';
import { matrixRequest, registerWithSharedSecret } from './harness/matrix-http';
import { IRC_NETWORK_ID, SENDER_LOCALPART, SERVER_NAME } from './harness/namespaces';
import { REPO_ROOT } from './harness/paths';
import { freePorts } from '@bridgekit/appservice/testing';
import { stopPid } from './harness/processes';
import { replaceRecordedPid } from './harness/run-record';
import { homeserverConfig, startSynapse, writeYaml } from './harness/synapse';

afterAll(disconnectAllIrc);

/** Runs a bridge CLI command to completion, as an admin would in a shell. */
function cli(args: string[]): { status: number | null; output: string } {
  const [script] = BRIDGE_COMMAND;
  const result = spawnSync(process.execPath, [join(REPO_ROOT, script!), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface GeneratedRegistration {
  id: string;
  url: string;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  namespaces: { users: Array<{ regex: string }>; aliases: Array<{ regex: string }> };
}

describe('setting the bridge up with its CLI', () => {
  it('generate-registration writes a file Synapse loads, check-config accepts, and the bridge runs a portal through it', async () => {
    const env = readE2eEnv();
    const [homeserverPort, bridgePort] = await freePorts(2);
    const homeserverUrl = `http://127.0.0.1:${homeserverPort}`;
    const { configPath, dir } = writeBridgeConfig(env, {
      homeserver: { url: homeserverUrl, domain: SERVER_NAME },
      appservice: { registration: 'registration.yaml', bind_address: '127.0.0.1', port: bridgePort },
      // The bridge's default template (the harness spells out the older #irc_… elsewhere).
      irc: { alias_template: '#_irc_$NETWORK_$CHANNEL' },
    });
    const registrationPath = join(dir, 'registration.yaml');

    // 1. The admin generates the registration.
    const generated = cli(['generate-registration', '--config', configPath]);
    expect(generated).toMatchObject({ status: 0, output: expect.stringContaining('registration.yaml') });
    expect(statSync(registrationPath).mode & 0o077).toBe(0); // it holds the tokens
    const registration = load(readFileSync(registrationPath, 'utf8')) as GeneratedRegistration;
    expect(registration).toMatchObject({ url: `http://127.0.0.1:${bridgePort}`, sender_localpart: SENDER_LOCALPART });
    expect(registration.as_token).not.toBe(registration.hs_token);
    // The spec's form: exclusive namespaces start with '_' after the sigil.
    expect(registration.namespaces.aliases.map((a) => a.regex)).toEqual([`#_irc_.*:${SERVER_NAME.replace(/\./g, '\\.')}`]);
    // Running it again must not silently replace the tokens the homeserver knows.
    expect(cli(['generate-registration', '--config', configPath]).status).toBe(1);

    // 2. check-config accepts the pair.
    expect(cli(['check-config', '--config', configPath])).toMatchObject({ status: 0, output: expect.stringContaining('valid') });

    // 3. A homeserver loads that file (Synapse refuses to start on a registration it cannot use).
    const homeserverDir = join(dir, 'homeserver');
    mkdirSync(homeserverDir);
    const sharedSecret = randomBytes(16).toString('hex');
    const homeserverConfigPath = join(homeserverDir, 'homeserver.yaml');
    writeYaml(homeserverConfigPath, homeserverConfig({
      serverName: SERVER_NAME, port: homeserverPort, dataDir: homeserverDir, registrationSharedSecret: sharedSecret,
      macaroonSecretKey: randomBytes(16).toString('hex'), formSecret: randomBytes(16).toString('hex'), appserviceConfigFiles: [registrationPath],
    }));
    // Its log goes next to the run's, in a folder of its own.
    const synapse = await startSynapse({ configPath: homeserverConfigPath, runDir: homeserverDir, logDir: join(env.logDir, 'synapse-cli-scenario'), port: homeserverPort });
    replaceRecordedPid(env.runDir, 'synapse-cli-scenario', synapse.pid);
    try {
      const whoami = await matrixRequest<{ user_id: string }>(homeserverUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken: registration.as_token });
      expect(whoami.user_id).toBe(`@${SENDER_LOCALPART}:${SERVER_NAME}`);

      // 4. `run` starts the bridge; the homeserver's ping reaches it with the generated hs_token.
      const bridge = await startBridge({
        configPath,
        appservice: { id: registration.id, asToken: registration.as_token, hsToken: registration.hs_token, port: bridgePort, homeserverUrl },
      });
      try {
        // 5. The namespaces it claimed let a user open a portal, and IRC sees the bridge arrive.
        const channel = uniqueChannel('cli');
        const irc = await connectIrc(uniqueNick('i'));
        await irc.join(channel);
        const user = new MatrixClient(await registerWithSharedSecret(homeserverUrl, sharedSecret, { localpart: `cli${uniqueNick()}`, password: 'pw-cli-scenario', admin: false }), homeserverUrl);
        const roomId = await user.joinRoom(`#_irc_${IRC_NETWORK_ID}_${channel}:${SERVER_NAME}`);
        await irc.waitForMember(channel, BOT_NICK);
        irc.say(channel, 'through the generated registration');
        await expect(user.waitForMessage(roomId, 'through the generated registration')).resolves.toMatchObject({ content: { msgtype: 'm.text' } });
      } finally {
        await bridge.stop();
      }
    } finally {
      await stopPid(synapse.pid);
    }
  });

  it('check-config refuses a registration whose tokens are still placeholders, saying what to run', () => {
    const env = readE2eEnv();
    const { configPath, dir } = writeBridgeConfig(env, { appservice: { registration: 'registration.yaml' } });
    writeYaml(join(dir, 'registration.yaml'), {
      id: 'irc', url: 'http://127.0.0.1:1', as_token: '<written by generate-registration>', hs_token: '<written by generate-registration>',
      sender_localpart: SENDER_LOCALPART, namespaces: { users: [], aliases: [], rooms: [] },
    });
    const checked = cli(['check-config', '--config', configPath]);
    expect(checked.status).not.toBe(0);
    expect(checked.output).toContain('generate-registration');
  });
});

describe('appservice ping', () => {
  it('Synapse’s /ping reaches the running bridge, with or without a transaction ID', async () => {
    const env = readE2eEnv();
    const bridge = await startIrcBridge();
    try {
      const txnId = `e2e-ping-${uniqueNick()}`;
      await expect(appservicePing(env.appservice.id, env.appservice.asToken, txnId)).resolves.toMatchObject({ durationMs: expect.any(Number) });
      // Synapse forwards a missing ID as `"transaction_id": null`.
      await expect(appservicePing(env.appservice.id, env.appservice.asToken)).resolves.toMatchObject({ durationMs: expect.any(Number) });
      // The whole log: queued transactions Synapse pushes after the ping may follow it by many lines.
      expect(readFileSync(bridge.process.logPath, 'utf8')).toContain(txnId);
    } finally {
      await bridge.stop();
    }
  });
});
