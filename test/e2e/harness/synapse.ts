/**
 * The real homeserver of the run: Synapse from the pinned venv, SQLite in the run directory,
 * one loopback client listener, no federation, rate limits lifted. Config written by hand
 * (not --generate-config): only server_name and report_stats are mandatory, the rest is ours.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { registrationNamespaces } from './namespaces';
import { SYNAPSE_PYTHON } from './paths';
import { exitWatcher, spawnLogged, tailFile, whenSpawned, type LogSink } from './processes';
import { pollUntil } from './wait';

export interface AppserviceRegistrationInput {
  id: string;
  url: string;
  asToken: string;
  hsToken: string;
  senderLocalpart: string;
}

/** The registration file both Synapse and the bridge load (Synapse's snake_case wire format). */
export function appserviceRegistration(input: AppserviceRegistrationInput): Record<string, unknown> {
  return {
    id: input.id,
    url: input.url,
    as_token: input.asToken,
    hs_token: input.hsToken,
    sender_localpart: input.senderLocalpart,
    namespaces: registrationNamespaces(),
    // Default true: every masqueraded request would then count against rc_message and friends.
    rate_limited: false,
    // The stable key (Synapse ≥ 1.156); typing and read receipts reach the bridge.
    receive_ephemeral: true,
    // As generate-registration writes it: Synapse asks only the appservices that list a protocol.
    protocols: ['irc'],
  };
}

/** The examples' registration: users under `userPrefix`, no aliases, on its own port. */
export function exampleRegistration(input: Omit<AppserviceRegistrationInput, 'url'> & { port: number; userPrefix: string }, serverName: string): Record<string, unknown> {
  const server = serverName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    id: input.id,
    url: `http://127.0.0.1:${input.port}`,
    as_token: input.asToken,
    hs_token: input.hsToken,
    sender_localpart: input.senderLocalpart,
    namespaces: { users: [{ exclusive: true, regex: `@${input.userPrefix}.*:${server}` }], aliases: [], rooms: [] },
    rate_limited: false,
  };
}

/** A limit high enough that no scenario reaches it (per_second 0 would not disable a limiter). */
const UNLIMITED = { per_second: 1000, burst_count: 1000 };

/** Every rc_* limiter a bridge test can hit, per E2E-NOTES §2 (SYN config/ratelimiting.py). */
const RATE_LIMITS = {
  rc_message: UNLIMITED,
  rc_registration: UNLIMITED,
  rc_registration_token_validity: UNLIMITED,
  rc_login: { address: UNLIMITED, account: UNLIMITED, failed_attempts: UNLIMITED },
  rc_joins: { local: UNLIMITED, remote: UNLIMITED },
  rc_joins_per_room: UNLIMITED,
  rc_invites: { per_room: UNLIMITED, per_user: UNLIMITED, per_issuer: UNLIMITED },
  rc_room_creation: UNLIMITED,
  rc_presence: { per_user: UNLIMITED },
  rc_profile: UNLIMITED,
  rc_user_directory: UNLIMITED,
  rc_media_create: UNLIMITED,
  rc_admin_redaction: UNLIMITED,
  rc_3pid_validation: UNLIMITED,
  rc_third_party_invite: UNLIMITED,
  rc_reports: UNLIMITED,
  rc_delayed_event_mgmt: UNLIMITED,
  rc_key_requests: UNLIMITED,
};

export interface HomeserverConfigInput {
  serverName: string;
  port: number;
  dataDir: string;
  registrationSharedSecret: string;
  macaroonSecretKey: string;
  formSecret: string;
  appserviceConfigFiles: string[];
}

export function homeserverConfig(input: HomeserverConfigInput): Record<string, unknown> {
  return {
    server_name: input.serverName,
    report_stats: false,
    public_baseurl: `http://127.0.0.1:${input.port}/`,
    // Client API only, loopback only: no federation listener.
    listeners: [{ port: input.port, type: 'http', tls: false, bind_addresses: ['127.0.0.1'], x_forwarded: false, resources: [{ names: ['client'], compress: false }] }],
    database: { name: 'sqlite3', args: { database: join(input.dataDir, 'homeserver.db') } },
    media_store_path: join(input.dataDir, 'media'),
    signing_key_path: join(input.dataDir, `${input.serverName}.signing.key`), // created at first start
    registration_shared_secret: input.registrationSharedSecret,
    macaroon_secret_key: input.macaroonSecretKey,
    form_secret: input.formSecret,
    app_service_config_files: input.appserviceConfigFiles,
    // Lets test users take `_…` localparts, so only the appservice's exclusive namespace (not the
    // generic underscore rule, M_INVALID_USERNAME) stands between a user and a ghost's ID: the
    // namespace scenarios then prove the registration's regexes, and look-alikes can be created.
    allow_underscore_prefixed_localpart: true,
    bcrypt_rounds: 4, // default 12; every password registration hashes
    trusted_key_servers: [], // no key-server traffic, no warning
    federation_domain_whitelist: [], // empty list: no outbound federation at all
    // On for the ghosts' presence (IRC away, `away_presence`); costs the other scenarios nothing measurable.
    presence: { enabled: true },
    // A fresh DB queues ~150 background updates; with the default 1 s sleeps they churn for minutes.
    background_updates: { sleep_enabled: false },
    // Default []: nobody may publish to the room directory, which bridges do.
    room_list_publication_rules: [{ action: 'allow' }],
    ...RATE_LIMITS,
  };
}

export interface StartedSynapse {
  child: ChildProcess;
  pid: number;
  url: string;
  logPath: string;
}

async function healthOk(url: string): Promise<true | undefined> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? true : undefined;
  } catch {
    return undefined; // not listening yet
  }
}

/** Writes a YAML document readable only by us (it holds the run's secrets). */
export function writeYaml(path: string, document: Record<string, unknown>): void {
  writeFileSync(path, dump(document, { lineWidth: -1, noRefs: true }), { mode: 0o600 });
}

/**
 * Starts Synapse with the given config and resolves when /health answers 200. Fails fast with the
 * log tail if the process exits first (a config error, a port clash).
 */
export interface StartSynapseOptions {
  configPath: string;
  runDir: string;
  logDir: string;
  port: number;
  timeoutMs?: number;
  /** See SpawnLoggedOptions.detached. */
  detached?: boolean;
  /** See SpawnLoggedOptions.openLog. */
  openLog?: (logPath: string) => LogSink;
  /** Called as soon as the process runs, before it is ready: lets a caller stop it if interrupted. */
  onSpawn?: (child: ChildProcess) => void;
}

export async function startSynapse(options: StartSynapseOptions): Promise<StartedSynapse> {
  if (!existsSync(SYNAPSE_PYTHON)) {
    throw new Error(`no Synapse venv at ${SYNAPSE_PYTHON}: run \`bash test/e2e/setup synapse\` first`);
  }
  mkdirSync(options.logDir, { recursive: true });
  const logPath = join(options.logDir, 'synapse.log');
  const url = `http://127.0.0.1:${options.port}`;
  // Absolute -c path: it puts the run directory on the command line, which stale-run cleanup checks.
  const child = spawnLogged(SYNAPSE_PYTHON, ['-m', 'synapse.app.homeserver', '-c', options.configPath], {
    cwd: options.runDir,
    logPath,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    detached: options.detached,
    openLog: options.openLog,
  });
  const pid = await whenSpawned(child, 'synapse');
  options.onSpawn?.(child);
  const exited = exitWatcher(child, 'synapse', logPath);
  try {
    await pollUntil(() => healthOk(url), {
      what: `Synapse /health on ${url}`,
      timeoutMs: options.timeoutMs ?? 120_000,
      intervalMs: 100,
      abortIf: exited,
      detail: () => tailFile(logPath),
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { child, pid, url, logPath };
}
