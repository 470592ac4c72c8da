/**
 * The homeserver and the IRC server of the stack, launched by the e2e harness's own launchers
 * (same Synapse venv, same loopback-only configs) with the stack's names and a data folder that
 * outlives the run.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startNgircd, type StartedIrcServer } from '../test/e2e/harness/ngircd';
import { homeserverConfig, startSynapse, writeYaml, type StartedSynapse } from '../test/e2e/harness/synapse';
import { openCappedLog } from './capped-log';
import { StackError, logTail, messageOf, summaryOf } from './errors';
import { CHANNEL, IRC_SERVER_NAME, SERVER_NAME, type StackSettings } from './settings';
import type { StackSecrets } from './state';

/** The e2e homeserver config, made a little more like a real server a person can sign up on. */
export function stackHomeserverConfig(settings: StackSettings, secrets: StackSecrets, registrationPath: string): Record<string, unknown> {
  const dataDir = join(settings.dataDir, 'synapse');
  return {
    ...homeserverConfig({
      serverName: SERVER_NAME,
      port: settings.synapsePort.port,
      dataDir,
      registrationSharedSecret: secrets.registrationSharedSecret,
      macaroonSecretKey: secrets.macaroonSecretKey,
      formSecret: secrets.formSecret,
      appserviceConfigFiles: [registrationPath],
    }),
    // The tests need `_…` localparts for look-alike users; people on the stack do not.
    allow_underscore_prefixed_localpart: false,
    // Loopback only, so open sign-up is harmless and lets a second person (or client) join in.
    enable_registration: true,
    enable_registration_without_verification: true,
    // The IRC bridge's default media mode links IRC users to the homeserver's legacy download
    // path, which serves only unauthenticated media; a loopback sandbox can leave that on.
    enable_authenticated_media: false,
  };
}

/** A server that did not come up; the launcher's message carries the log tail after its first line. */
function notUp(name: string, err: unknown, logPath: string, hint: string): StackError {
  const tail = messageOf(err).split('\n').slice(1).join('\n');
  return new StackError(`${name} did not come up: ${summaryOf(err)}`, hint, tail ? logTail(logPath, tail) : undefined);
}

export async function startHomeserver(settings: StackSettings, secrets: StackSecrets, registrationPath: string, onSpawn: (child: ChildProcess) => void): Promise<StartedSynapse> {
  const dataDir = join(settings.dataDir, 'synapse');
  mkdirSync(dataDir, { recursive: true });
  const configPath = join(dataDir, 'homeserver.yaml');
  writeYaml(configPath, stackHomeserverConfig(settings, secrets, registrationPath));
  try {
    // A first start migrates a fresh SQLite database, which can take a minute on a slow disk.
    return await startSynapse({ configPath, runDir: dataDir, logDir: settings.logDir, port: settings.synapsePort.port, timeoutMs: 180_000, detached: true, openLog: openCappedLog, onSpawn });
  } catch (err) {
    throw notUp(
      'Synapse',
      err,
      join(settings.logDir, 'synapse.log'),
      `Its log below says why. If the data folder is damaged, delete ${join(settings.dataDir, 'synapse')} to start with a fresh homeserver (its rooms and accounts are lost).`,
    );
  }
}

export async function startIrcServer(settings: StackSettings, onSpawn: (child: ChildProcess) => void): Promise<StartedIrcServer> {
  try {
    return await startNgircd({
      runDir: settings.dataDir,
      logDir: settings.logDir,
      port: settings.ircPort.port,
      identity: {
        name: IRC_SERVER_NAME,
        info: 'Bridgekit local stack',
        motd: `Bridgekit local stack: /join ${CHANNEL} to talk with Matrix users`,
        adminInfo: 'Bridgekit local stack (npm run stack)',
        adminEmail: 'nobody@localhost',
      },
      // Predefined (so it exists, without operators, before anyone joins) but with no topic: ngIRCd
      // would set a configured topic again at every start, and the bridge would then copy it over
      // the topic people set in the Matrix room.
      channels: [{ name: CHANNEL }],
      detached: true,
      openLog: openCappedLog,
      onSpawn,
    });
  } catch (err) {
    throw notUp('ngIRCd', err, join(settings.logDir, 'ngircd.log'), `Its log below says why; its config is ${join(settings.dataDir, 'ngircd.conf')}.`);
  }
}
