#!/usr/bin/env node
// The `bridgekit` command of the core package. The core runs no bridge by itself (a bridge is
// the core plus a connector, and each bridge installs its own command), so this only says which
// command to run instead: before, it exited 0 without a word, and hints sent people here.
import { CORE_VERSION } from '../version';

export const BRIDGEKIT_GUIDE = `bridgekit is the library Bridgekit bridges are built on; it runs no bridge by itself.
Run your bridge's own command instead. For the IRC bridge:
  bridgekit-irc <command> --config config.yaml                 (installed with @bridgekit/irc)
  node bridges/irc/dist/main.js <command> --config config.yaml (in a checkout, after npm run build)
Commands: generate-registration, check-config, run. Add --help for the options.`;

/** Returns the exit code: 0 for --help and --version, 2 (a usage error) for anything else. */
export function bridgekitBin(args: readonly string[], stdout: (text: string) => void, stderr: (text: string) => void): number {
  if (args.includes('--version')) {
    stdout(`@bridgekit/appservice ${CORE_VERSION}\n`);
    return 0;
  }
  if (args.includes('--help') || args.includes('-h')) {
    stdout(`${BRIDGEKIT_GUIDE}\n`);
    return 0;
  }
  stderr(`${BRIDGEKIT_GUIDE}\n`);
  return 2;
}

if (require.main === module) {
  process.exitCode = bridgekitBin(process.argv.slice(2), (t) => process.stdout.write(t), (t) => process.stderr.write(t));
}
