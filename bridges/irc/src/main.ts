#!/usr/bin/env node
// The `bridgekit-irc` bin. `npm run build` bundles cli-main.js and everything it loads into one
// file (build/bundle-bins.js): a start then reads one file instead of ~1,200 modules, and with a
// V8 code cache compiles almost nothing (half of start-up CPU was module loading). Without a
// current bundle (built with plain `tsc -b`, or sources rebuilt since) it runs the modules as built.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { requireWithCodeCache } from '@bridgekit/appservice/code-cache';
import { applyV8Settings } from '@bridgekit/appservice/v8-settings';

const bundle = join(__dirname, 'bridgekit-irc.bundle.cjs');

// Before the bundle is compiled: its code cache is only accepted under the flags it was made with.
applyV8Settings();

if (bundleIsCurrent()) {
  requireWithCodeCache(bundle);
} else {
  require('./cli-main');
}

/**
 * The bundle exists and is newer than the last `tsc -b` of this package and of the core (each
 * rewrites its .tsbuildinfo when it emits), so it holds the code that was built last.
 */
function bundleIsCurrent(): boolean {
  try {
    const built = statSync(bundle).mtimeMs;
    const core = join(require.resolve('@bridgekit/appservice/package.json'), '..', 'dist', '.tsbuildinfo');
    return [join(__dirname, '.tsbuildinfo'), core].every((info) => {
      try {
        return statSync(info).mtimeMs <= built;
      } catch {
        return true; // an installed package ships no .tsbuildinfo
      }
    });
  } catch {
    return false;
  }
}
