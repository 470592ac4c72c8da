import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLEAN_BUILD_HINT, staleOutputs } from '../../../test/unit-support/stale-outputs';

// What `npm pack` of @bridgekit/appservice ships, and that a consumer can use both entry points
// from the tarball: at run time through the exports map, and in TypeScript with both the old
// (`node10`) and the new (`node16`) module resolution.

const PACKAGE_DIR = resolve(__dirname, '..');
const ROOT = resolve(PACKAGE_DIR, '../..');
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

beforeAll(() => {
  run('npx', ['tsc', '-b', 'packages/appservice'], ROOT);
}, 120_000);

describe('npm pack of @bridgekit/appservice', () => {
  it('packs a build without outputs of deleted sources', () => {
    expect({ hint: CLEAN_BUILD_HINT, stale: staleOutputs(PACKAGE_DIR) }).toEqual({ hint: CLEAN_BUILD_HINT, stale: [] });
  });

  it('ships the built code with types for both entry points, the license and changelog, and no tests', () => {
    const [result] = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], PACKAGE_DIR)) as PackResult[];
    const files = result!.files.map((f) => f.path);

    expect(files).toEqual(expect.arrayContaining([
      'package.json', 'LICENSE', 'CHANGELOG.md', 'README.md',
      'dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/cli/bin.js',
    ]));
    expect(files.filter((f) => /\.test\.|\.tsbuildinfo$|\/testing\/fixtures|app-harness/.test(f))).toEqual([]);
    // Only what a consumer runs or reads: built code, its sources (for the maps), the documents.
    expect(files.filter((f) => !/^(dist|src)\//.test(f)).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']);
  }, 60_000);

  it('serves `.`, `./testing` and `./code-cache` to a consumer from the tarball, and nothing else', () => {
    const work = mkdtempSync(join(PACKAGE_DIR, '.pack-check-'));
    try {
      const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], PACKAGE_DIR)) as PackResult[];
      // Inside the repository, so the package's own dependencies resolve from its node_modules.
      const installed = join(work, 'node_modules', '@bridgekit', 'appservice');
      mkdirSync(installed, { recursive: true });
      run('tar', ['xzf', join(work, packed!.filename), '-C', installed, '--strip-components', '1'], work);

      const probe = [
        "const core = require('@bridgekit/appservice');",
        "const kit = require('@bridgekit/appservice/testing');",
        "const cache = require('@bridgekit/appservice/code-cache');",
        "let internal = 'reachable';",
        "try { require('@bridgekit/appservice/dist/bridge'); } catch (e) { internal = e.code; }",
        'console.log(JSON.stringify([typeof core.Bridge, typeof kit.createTestBridge, typeof kit.TestClock, typeof cache.requireWithCodeCache, internal]));',
      ].join('\n');
      expect(JSON.parse(run('node', ['-e', probe], work))).toEqual(['function', 'function', 'function', 'function', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);

      writeFileSync(join(work, 'consumer.ts'), [
        "import { Bridge, type Connector } from '@bridgekit/appservice';",
        "import { createTestBridge, type TestBridge } from '@bridgekit/appservice/testing';",
        "import { requireWithCodeCache } from '@bridgekit/appservice/code-cache';",
        'export const load: typeof requireWithCodeCache = requireWithCodeCache;',
        "const connector: Connector = { name: 'c', start: async () => {}, stop: async () => {}, onMatrixEvent: async () => {} };",
        'export const started: Promise<TestBridge> = createTestBridge({ connector });',
        'export const kind: typeof Bridge = Bridge;',
      ].join('\n'));
      for (const [module, resolution] of [['commonjs', 'node10'], ['node16', 'node16']] as const) {
        const args = ['tsc', '--noEmit', '--strict', '--skipLibCheck', '--types', 'node', '--module', module, '--moduleResolution', resolution, 'consumer.ts'];
        expect(() => run('npx', args, work)).not.toThrow();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
