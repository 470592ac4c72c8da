// The IRC bridge's command line: generate-registration, check-config, run (each with --config <file>).
// The bin (main.ts) runs this from the bundle `npm run build` makes, or directly when there is none.
import { runCli } from '@bridgekit/appservice';
import { ircBridgeApp } from './app';

runCli(ircBridgeApp).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  },
);
