/**
 * What global setup hands to the test files: one JSON document in the run directory, whose path
 * is in `process.env[ENV_FILE_VAR]` (jest workers are spawned after global setup and inherit it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ENV_FILE_VAR = 'E2E_ENV_FILE';

/** One appservice registered with the run's Synapse. */
export interface AppserviceEnv {
  id: string;
  asToken: string;
  hsToken: string;
  senderLocalpart: string;
  /** The port the registration's `url` points at: the bridge (or a stand-in) listens here. */
  port: number;
  /** The registration file Synapse loaded; the bridge reads the same file. */
  registrationPath: string;
}

export interface E2eEnv {
  /** Per-run scratch directory; deleted by global teardown (logs are kept in .e2e/last-run). */
  runDir: string;
  /** Where every process of the run writes its log; copied to .e2e/last-run by teardown. */
  logDir: string;
  homeserver: {
    /** Client-server API base URL, always 127.0.0.1 (never `localhost`, which may be ::1). */
    url: string;
    serverName: string;
    registrationSharedSecret: string;
  };
  appservice: AppserviceEnv;
  /**
   * A second appservice for the examples (examples/*): its own registration, namespace
   * (`@_slack_…`, no aliases) and port, so an example never shares a namespace with the IRC bridge.
   */
  examples: AppserviceEnv & {
    /** The user localpart prefix the registration claims. */
    userPrefix: string;
  };
  irc: {
    host: string;
    port: number;
    /** The IRC server's own name (as in its 001 prefix). */
    serverName: string;
  };
  /**
   * InspIRCd with Atheme services linked (NickServ, ChanServ, SASL PLAIN/EXTERNAL) and the IRCv3
   * capabilities; for scenarios that need them. `irc` (ngIRCd) stays the default server.
   */
  ircv3: {
    host: string;
    port: number;
    /** TLS clients (CertFP); the server's certificate is self-signed, in `tlsCertFile`. */
    tlsPort: number;
    tlsCertFile: string;
    serverName: string;
    /** The services server's name (NickServ's host). */
    servicesName: string;
    /** `OPER name password` gives every privilege (CHGHOST, LOADMODULE, SQUIT, ...). */
    oper: { name: string; password: string };
    /** A second InspIRCd, configured to link behind this one but started only by the scenario that splits it off (leaf-server.ts). */
    leaf: { name: string; port: number; configPath: string };
  };
}

export function writeE2eEnv(env: E2eEnv): string {
  const path = join(env.runDir, 'e2e-env.json');
  writeFileSync(path, JSON.stringify(env, null, 2), { mode: 0o600 });
  return path;
}

let cached: E2eEnv | undefined;

/** The environment of the current run; throws with a fix when a test runs outside the e2e project. */
export function readE2eEnv(): E2eEnv {
  if (cached) return cached;
  const path = process.env[ENV_FILE_VAR];
  if (!path) {
    throw new Error(
      `${ENV_FILE_VAR} is not set: e2e tests need the servers started by test/e2e/harness/global-setup.ts. ` +
        'Run them with `npm run test:e2e` or `npx jest --selectProjects e2e --runInBand`.',
    );
  }
  cached = JSON.parse(readFileSync(path, 'utf8')) as E2eEnv;
  return cached;
}
