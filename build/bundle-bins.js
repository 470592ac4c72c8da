// Bundles each bridge's command line into one CommonJS file, run by its bin (bridges/irc/src/main.ts)
// with a V8 code cache. A start of the IRC bridge loaded about 1,200 modules; resolving, reading
// and compiling them was half its CPU (issue 13). Runs last in `npm run build`, on tsc's output.
//
// - Native and optional modules stay outside (`external`) and load from node_modules as before;
//   so do the config validators generated at build time (loaded by path, see config/precompiled.ts).
// - `__dirname` in our own modules means the directory of the module it was written in (where
//   its validators and package.json are), not the bundle's: it is rewritten to that directory,
//   relative to the bundle within the same package, through the package's name for another one.
// - Source maps chain through tsc's, so the bundle's map points into the TypeScript sources
//   (used with --enable-source-maps). The output is not minified: stack traces without a map
//   still name functions, and the bundle marks each module's start with its path.
// - `.cjs`, so that prune-stale-output (which judges `.js` files by their sources) leaves it.
'use strict';
const { readFileSync } = require('node:fs');
const { dirname, join, relative, sep } = require('node:path');
const esbuild = require('esbuild');

const root = join(__dirname, '..');

/** [package dir, tsc output of the command line, bundle written next to it] */
const bins = [['bridges/irc', 'dist/cli-main.js', 'dist/bridgekit-irc.bundle.cjs']];

/** Modules loaded from node_modules at run time: native code, optional drivers, the run-time compiler. */
const external = ['better-sqlite3', 'pg', 'pg-native', 'ajv', 'ajv/*'];

/** Our own packages: a directory under the repository with a package.json, by path prefix. */
const workspaces = ['packages/appservice', 'bridges/irc'].map((dir) => ({
  dir: join(root, dir),
  name: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name,
}));

/** Rewrites `__dirname` in our own compiled modules to the directory that module was built into. */
function ownDirname(bundleDir, bundlePackage) {
  return {
    name: 'own-dirname',
    setup(build) {
      build.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => {
        const owner = workspaces.find((w) => args.path.startsWith(w.dir + sep));
        if (!owner) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!/\b__dirname\b/.test(source)) return undefined;
        const moduleDir = dirname(args.path);
        const expression = owner.dir === bundlePackage
          ? `require("node:path").join(__dirname, ${JSON.stringify(toPosix(relative(bundleDir, moduleDir)))})`
          : `require("node:path").join(require.resolve(${JSON.stringify(`${owner.name}/package.json`)}), "..", ${JSON.stringify(toPosix(relative(owner.dir, moduleDir)))})`;
        return { contents: source.replace(/\b__dirname\b/g, expression), loader: 'js', resolveDir: moduleDir };
      });
    },
  };
}

const toPosix = (p) => p.split(sep).join('/');

async function main() {
  for (const [pkg, entry, out] of bins) {
    const packageDir = join(root, pkg);
    const outfile = join(packageDir, out);
    const result = await esbuild.build({
      entryPoints: [join(packageDir, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // …and our packages' package.json, which the rewritten __dirname finds with require.resolve.
      external: [...external, ...workspaces.map((w) => `${w.name}/package.json`)],
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'warning',
      plugins: [ownDirname(dirname(outfile), packageDir)],
    });
    if (result.errors.length > 0) process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
