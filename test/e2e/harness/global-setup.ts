/**
 * Jest global setup of the e2e project: one ngIRCd (the default IRC server), one InspIRCd linked
 * to Atheme services (for IRCv3 and SASL scenarios) and one Synapse for the whole run, on free
 * loopback ports, with the bridge's appservice registration loaded. Test files get everything
 * through readE2eEnv(). Runs once, in the main jest process, before any worker starts.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_FILE_VAR, writeE2eEnv, type E2eEnv } from './env';
import { APPSERVICE_ID, SENDER_LOCALPART, SERVER_NAME } from './namespaces';
import { IRC_SERVER_NAME, startNgircd } from './ngircd';
import { freePorts } from '@bridgekit/appservice/testing';
import { startServicesNetwork, type StartedServicesNetwork } from './services-network';
import { cleanUpStaleRuns, endRun, saveRunRecord, type RunRecord } from './run-record';
import { appserviceRegistration, exampleRegistration, homeserverConfig, startSynapse, writeYaml } from './synapse';

/** tmpfs when there is one: SQLite's fsyncs are the slow part of Synapse's first start. */
function scratchBase(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

function secret(): string {
  return randomBytes(24).toString('hex');
}

function report(message: string): void {
  process.stderr.write(`e2e: ${message}\n`);
}

export default async function globalSetup(): Promise<void> {
  const stale = await cleanUpStaleRuns();
  if (stale.length > 0) report(`cleaned up ${stale.length} run(s) left behind by a crashed jest`);

  const runDir = mkdtempSync(join(scratchBase(), 'bridgekit-e2e-'));
  const logDir = join(runDir, 'logs');
  mkdirSync(logDir);
  const record: RunRecord = { ownerPid: process.pid, runDir, processes: [] };
  saveRunRecord(record);

  try {
    const [ircPort, homeserverPort, bridgePort, ircv3Port, ircv3TlsPort, ircv3LinkPort, examplesPort, leafPort] = await freePorts(8);

    let started = Date.now();
    const irc = await startNgircd({ runDir, logDir, port: ircPort });
    record.processes.push({ name: 'ngircd', pid: irc.pid });
    saveRunRecord(record);
    const ircMs = Date.now() - started;

    // Started now and awaited after Synapse, which takes seconds: the pair adds almost no time.
    const servicesStarted = Date.now();
    let servicesMs = 0;
    const services: Promise<StartedServicesNetwork> = startServicesNetwork({
      runDir, logDir, clientPort: ircv3Port, tlsPort: ircv3TlsPort, linkPort: ircv3LinkPort, leafPort,
      onSpawn: (name, pid) => {
        record.processes.push({ name, pid });
        saveRunRecord(record);
      },
    }).then((started) => {
      servicesMs = Date.now() - servicesStarted;
      return started;
    });
    // Awaited below; until then a failure must not be reported as unhandled.
    services.catch(() => undefined);

    const appservice = {
      id: APPSERVICE_ID,
      asToken: secret(),
      hsToken: secret(),
      senderLocalpart: SENDER_LOCALPART,
      port: bridgePort,
      registrationPath: join(runDir, 'appservice-registration.yaml'),
    };
    writeYaml(appservice.registrationPath, appserviceRegistration({ ...appservice, url: `http://127.0.0.1:${bridgePort}` }));

    const examples = {
      id: 'bridgekit-examples-e2e',
      asToken: secret(),
      hsToken: secret(),
      senderLocalpart: 'examplebot',
      port: examplesPort!,
      registrationPath: join(runDir, 'examples-registration.yaml'),
      userPrefix: '_slack_',
    };
    writeYaml(examples.registrationPath, exampleRegistration(examples, SERVER_NAME));

    const registrationSharedSecret = secret();
    const homeserverConfigPath = join(runDir, 'homeserver.yaml');
    writeYaml(
      homeserverConfigPath,
      homeserverConfig({
        serverName: SERVER_NAME,
        port: homeserverPort,
        dataDir: runDir,
        registrationSharedSecret,
        macaroonSecretKey: secret(),
        formSecret: secret(),
        appserviceConfigFiles: [appservice.registrationPath, examples.registrationPath],
      }),
    );

    started = Date.now();
    const synapse = await startSynapse({ configPath: homeserverConfigPath, runDir, logDir, port: homeserverPort });
    record.processes.push({ name: 'synapse', pid: synapse.pid });
    saveRunRecord(record);
    const synapseMs = Date.now() - started;
    const ircv3 = await services;

    const env: E2eEnv = {
      runDir,
      logDir,
      homeserver: { url: synapse.url, serverName: SERVER_NAME, registrationSharedSecret },
      appservice,
      examples,
      irc: { host: '127.0.0.1', port: ircPort, serverName: IRC_SERVER_NAME },
      ircv3: {
        host: '127.0.0.1', port: ircv3.ircd.port, tlsPort: ircv3.ircd.tlsPort, tlsCertFile: ircv3.ircd.tlsCertFile,
        serverName: ircv3.serverName, servicesName: ircv3.servicesName, oper: ircv3.oper, leaf: ircv3.leaf,
      },
    };
    process.env[ENV_FILE_VAR] = writeE2eEnv(env);
    report(`ngIRCd ready in ${ircMs} ms, InspIRCd + Atheme offering SASL in ${servicesMs} ms, Synapse ready in ${synapseMs} ms (run dir ${runDir})`);
  } catch (err) {
    // Jest skips global teardown when setup throws: clean up here, keeping the logs.
    await endRun(record, logDir);
    throw err;
  }
}
