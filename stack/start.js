#!/usr/bin/env node
// `npm run stack`: builds what is out of date, then runs the stack (stack/main.ts, compiled by
// its own tsconfig into stack/dist). Plain JavaScript because it runs before anything is compiled;
// one node process (not `tsc && node` in the npm script) so npm hands Ctrl-C straight to it.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');

/** @param {string} label @param {string} command @param {string[]} args */
function build(label, command, args) {
  const started = Date.now();
  process.stdout.write(`${label}… `);
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    process.stdout.write(`failed\n${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `${result.error.message}\n` : ''}`);
    process.stderr.write(`\nError: \`${[command, ...args].join(' ')}\` failed; fix the errors above and run \`npm run stack\` again.\n`);
    process.exit(1);
  }
  process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

build('Building Bridgekit (npm run build)', 'npm', ['run', 'build', '--silent']);
build('Building the stack launcher', process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-b', join(__dirname, 'tsconfig.json')]);

require('./dist/stack/main.js')
  .main()
  .then(
    (/** @type {number} */ code) => process.exit(code),
    (/** @type {unknown} */ err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
