import { parseArgs } from 'node:util';
import type { BridgeApp } from './cli/app';
import { check, generate, run, type CommandContext } from './cli/commands';
import { invocationOf } from './cli/invocation';
import { backup } from './cli/backup';
import { errorMessage, isBridgeError } from './errors/bridge-error';
import { CORE_VERSION } from './version';

export type { BridgeApp } from './cli/app';

/** How `runCli` was called: arguments, environment and output streams (for tests). */
export interface CliOptions {
  /** The script that was run (default `process.argv[1]`), so hints repeat the command the user typed. */
  script?: string;
  /** Default `process.cwd()`. */
  cwd?: string;
}

const usage = (invocation: string) => `Usage: ${invocation} <command> [options]

Commands:
  generate-registration  Write the registration YAML to give your homeserver
  check-config           Validate the config (and the registration, once it exists), then exit
  run                    Start the bridge
  migrate-store          Copy the store from an SQLite file to an empty PostgreSQL database, verified
  backup                 Copy the SQLite store consistently, also while the bridge runs (online backup)

Options:
  -c, --config <file>        Bridge config (default: config.yaml)
  -r, --registration <file>  Registration file (default: appservice.registration from the config)
  --output <file>            generate-registration: same as --registration
  --url <url>                generate-registration: URL the homeserver uses to reach the bridge
                             (default: appservice.public_url, else http://<bind_address>:<port>)
  --force                    generate-registration: overwrite an existing file (new tokens!)
  --from <file>              migrate-store: the bridge's SQLite file (stop the bridge first)
  --to <url>                 migrate-store: postgresql://user:password@host:port/database (empty)
                             backup: the file to write (default: <database>.backup-<UTC time>.bak)
  --version                  Print the version
  -h, --help                 Show this help

Signals while running: SIGINT/SIGTERM stop the bridge; SIGHUP reopens the log file and reloads
the config (what cannot change live is named in the log as needing a restart).`;

/** Runs one CLI command; resolves with the process exit code (the bridge's `run` resolves on SIGINT/SIGTERM). */
export async function runCli(
  app: BridgeApp,
  argv: string[] = process.argv.slice(2),
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  options: CliOptions = {},
): Promise<number> {
  const invocation = invocationOf(app.command, options.script ?? process.argv[1], options.cwd ?? process.cwd());
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c', default: 'config.yaml' },
        registration: { type: 'string', short: 'r' },
        output: { type: 'string' },
        url: { type: 'string' },
        force: { type: 'boolean', default: false },
        from: { type: 'string' },
        to: { type: 'string' },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // parseArgs' TypeError may come from another realm (a test VM), where instanceof Error fails.
    const message = typeof (err as { message?: unknown }).message === 'string' ? (err as Error).message : errorMessage(err);
    out(`${message}\n\n${usage(invocation)}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    out(`${app.command ?? app.name} ${app.version ?? 'unknown'} (@bridgekit/appservice ${CORE_VERSION})`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || !command) {
    out(usage(invocation));
    return values.help ? 0 : 2;
  }
  if (values.registration !== undefined && values.output !== undefined && values.registration !== values.output) {
    out('--registration and --output name the same file; give only one of them.');
    return 2;
  }
  const registrationArg = values.registration ?? values.output;
  const ctx: CommandContext = { app, configArg: values.config, invocation, out, ...(registrationArg !== undefined ? { registrationArg } : {}) };
  try {
    switch (command) {
      case 'generate-registration':
        return generate(ctx, values.url, values.force);
      case 'check-config':
        return check(ctx);
      case 'run':
        return await run(ctx);
      case 'migrate-store':
        // Loaded here: it brings the PostgreSQL driver, which no other command needs.
        return await (await import('./cli/migrate-store')).migrateStore(ctx, values.from, values.to);
      case 'backup':
        return await backup(ctx, values.to);
      default:
        out(`Unknown command "${command}".\n\n${usage(invocation)}`);
        return 2;
    }
  } catch (err) {
    out(isBridgeError(err) ? err.message : `Error: ${errorMessage(err)}`);
    return isBridgeError(err) && err.code === 'CONFIG_INVALID' ? 2 : 1;
  }
}
