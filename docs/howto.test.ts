import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CLEAN_BUILD_HINT, staleOutputs } from '../test/unit-support/stale-outputs';

// docs/HOWTO.md, followed as a new author would: every code block that names a file is written
// into a fresh project, the project is compiled against @bridgekit/appservice (as installed:
// through its package.json exports and types), the page's test is run, and its commands
// (generate-registration, check-config) are run on the page's config.

const ROOT = resolve(__dirname, '..');
const HOWTO = readFileSync(join(ROOT, 'docs', 'HOWTO.md'), 'utf8');
const run = (cmd: string, args: string[], cwd: string) => spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

interface Block { lang: string; file?: string; code: string }

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const m of markdown.matchAll(/^```(\w+)(?:[ \t]+(\S+))?\n([\s\S]*?)^```[ \t]*$/gm)) {
    blocks.push({ lang: m[1]!, ...(m[2] ? { file: m[2] } : {}), code: m[3]! });
  }
  return blocks;
}

describe('docs/HOWTO.md', () => {
  const blocks = codeBlocks(HOWTO);
  let project: string;

  beforeAll(() => {
    execFileSync('npx', ['tsc', '-b', 'packages/appservice'], { cwd: ROOT, stdio: 'pipe' });
    // Inside the repository, so `@bridgekit/appservice` resolves to this checkout's package.
    project = mkdtempSync(join(ROOT, '.howto-check-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'echo-bridge', version: '1.0.0', private: true }));
    for (const block of blocks.filter((b) => b.file)) {
      mkdirSync(dirname(join(project, block.file!)), { recursive: true });
      writeFileSync(join(project, block.file!), block.code);
    }
  }, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('is checked against a build without outputs of deleted sources', () => {
    const stale = staleOutputs(join(ROOT, 'packages', 'appservice'));
    expect({ hint: CLEAN_BUILD_HINT, stale }).toEqual({ hint: CLEAN_BUILD_HINT, stale: [] });
  });

  it('names the file of every TypeScript block, so none goes unchecked', () => {
    const ts = blocks.filter((b) => b.lang === 'ts');
    expect(ts.length).toBeGreaterThan(0);
    expect(ts.filter((b) => !b.file).map((b) => b.code.split('\n')[0])).toEqual([]);
  });

  it('compiles, and its test passes', () => {
    const tsc = run('npx', ['tsc', '-p', '.'], project);
    expect(tsc.stdout + tsc.stderr).toBe('');
    const tests = blocks.filter((b) => b.file?.endsWith('.test.ts')).map((b) => join('dist', b.file!.replace(/^src\//, '').replace(/\.ts$/, '.js')));
    expect(tests.length).toBeGreaterThan(0);
    const result = run('node', ['--test', ...tests], project);
    const summary = result.stdout.match(/^# (pass|fail) \d+$/gm);
    // The runner's own report, shown when the page's test fails.
    expect({ status: result.status, summary, ...(result.status === 0 ? {} : { report: result.stdout.slice(-3000) }) })
      .toEqual({ status: 0, summary: [`# pass ${tests.length}`, '# fail 0'] });
  }, 120_000);

  it('its commands write a registration that agrees with its config', () => {
    const main = join('dist', 'main.js');
    const generated = run('node', [main, 'generate-registration', '--url', 'http://127.0.0.1:9000'], project);
    expect(generated.status).toBe(0);
    expect(existsSync(join(project, 'echo-registration.yaml'))).toBe(true);
    const checked = run('node', [main, 'check-config'], project);
    expect(checked.stdout).toContain('agree');
    expect(checked.status).toBe(0);
  }, 60_000);
});
