// Removes build output whose source file is gone. `tsc -b` never deletes what it emitted for a
// deleted or moved source, and Node resolves `./events` to a leftover `dist/events.js` before the
// `dist/events/index.js` that replaced it: after a `git pull`, the bridge would then run old code
// while every test (which reads `src/`) passes. Runs before each `npm run build`; cheap (a walk).
'use strict';
const { existsSync, readdirSync, rmSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const projects = ['packages/appservice', 'bridges/irc', 'examples/echo', 'examples/slack-webhook'];
/** `name.js`, `name.d.ts`, their maps → `name`; anything else is not ours to judge. */
const EMITTED = /\.(?:js|d\.ts)(?:\.map)?$/;

let removed = 0;
for (const project of projects) {
  const dist = join(root, project, 'dist');
  const src = join(root, project, 'src');
  if (!existsSync(dist)) continue;
  prune(dist, src);
}
if (removed > 0) console.log(`prune-stale-output: removed ${removed} file(s) built from sources that no longer exist`);

function prune(distDir, srcDir) {
  for (const entry of readdirSync(distDir, { withFileTypes: true })) {
    const path = join(distDir, entry.name);
    if (entry.isDirectory()) {
      if (!existsSync(join(srcDir, entry.name))) remove(path);
      else prune(path, join(srcDir, entry.name));
      continue;
    }
    if (!EMITTED.test(entry.name)) continue;
    const base = entry.name.replace(EMITTED, '');
    if (!existsSync(join(srcDir, `${base}.ts`))) remove(path);
  }
}

function remove(path) {
  rmSync(path, { recursive: true, force: true });
  removed++;
  if (process.env.PRUNE_VERBOSE) console.log(`prune-stale-output: ${relative(root, path)}`);
}
