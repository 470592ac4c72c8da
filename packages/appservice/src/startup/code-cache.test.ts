import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { CODE_CACHE_WRITE_EVENT, codeCacheStartupDone, requireWithCodeCache } from './code-cache';

// A bundle as build/bundle-bins.js writes it: CommonJS, a shebang, requires of built-in and
// relative modules, and module.exports.
const BUNDLE = [
  '#!/usr/bin/env node',
  "const { join } = require('node:path');",
  "const helper = require('./helper.cjs');",
  'function add(a, b) { return a + b; }',
  'module.exports = { sum: add(2, 3), helper, where: join(__dirname, "x"), file: __filename, exportsIsThis: this === module.exports };',
  '',
].join('\n');

let work: string;
let bundle: string;
let cacheDir: string;

beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'bridgekit-code-cache-'));
  bundle = path.join(work, 'app.bundle.cjs');
  cacheDir = path.join(work, 'cache');
  writeFileSync(bundle, BUNDLE);
  writeFileSync(path.join(work, 'helper.cjs'), "module.exports = 'helped';\n");
});

afterEach(() => {
  delete process.env.BRIDGEKIT_CODE_CACHE;
  delete process.env.CACHE_DIRECTORY;
  rmSync(work, { recursive: true, force: true });
});

const cacheFiles = () => (existsSync(cacheDir) ? readdirSync(cacheDir) : []);

async function waitForCacheFile(): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const done = cacheFiles().filter((f) => f.endsWith('.cache'));
    if (done.length === 1) return path.join(cacheDir, done[0]!);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no cache file in ${cacheDir}: ${cacheFiles().join(', ')}`);
}

/**
 * Loads the bundle in a new Node process, as a start does: within one process V8 reuses what it
 * compiled and never looks at the cache. Returns the bundle's exports.
 */
function loadInChild(writeAfterMs: number): unknown {
  const loader = path.join(work, 'code-cache.js');
  const source = readFileSync(path.join(__dirname, 'code-cache.ts'), 'utf8');
  writeFileSync(loader, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText);
  const script = `const out = require(${JSON.stringify(loader)}).requireWithCodeCache(${JSON.stringify(bundle)}, { dir: ${JSON.stringify(cacheDir)}, writeAfterMs: ${writeAfterMs} });`
    + ` console.log(JSON.stringify(out)); setTimeout(() => {}, ${writeAfterMs + 50});`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, BRIDGEKIT_CODE_CACHE: '' } }));
}

describe('requireWithCodeCache', () => {
  it('runs the bundle like require() does: exports, this, __dirname, __filename and a require relative to it', async () => {
    expect(requireWithCodeCache(bundle, { dir: cacheDir, writeAfterMs: 5 })).toEqual({
      sum: 5, helper: 'helped', where: path.join(work, 'x'), file: bundle, exportsIsThis: true,
    });
    await waitForCacheFile(); // its timer has run
  });

  it('writes a cache only this user can read and write, then runs from it without writing again', async () => {
    requireWithCodeCache(bundle, { dir: cacheDir, writeAfterMs: 5 });
    const file = await waitForCacheFile();
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).size).toBeGreaterThan(0);
    const written = statSync(file).mtimeMs;

    expect(requireWithCodeCache(bundle, { dir: cacheDir, writeAfterMs: 5 })).toMatchObject({ sum: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cacheFiles()).toEqual([path.basename(file)]);
    expect(statSync(file).mtimeMs).toBe(written);
  });

  it('by default writes the cache only once the program says it has started', async () => {
    requireWithCodeCache(bundle, { dir: cacheDir });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(cacheFiles()).toEqual([]);
    codeCacheStartupDone();
    await waitForCacheFile();
    expect(process.listenerCount(CODE_CACHE_WRITE_EVENT)).toBe(0);
  });

  it('in a new process, replaces a corrupt cache (V8 rejects it) and runs the bundle all the same', () => {
    expect(loadInChild(5)).toMatchObject({ sum: 5 });
    const [name] = cacheFiles();
    const file = path.join(cacheDir, name!);
    const corrupt = Buffer.alloc(readFileSync(file).length, 7);
    writeFileSync(file, corrupt);

    expect(loadInChild(5)).toMatchObject({ sum: 5, helper: 'helped' });
    expect(readFileSync(file).equals(corrupt)).toBe(false);
  });

  it('keys the cache by the bundle build: a rebuilt bundle gets a new cache and the old one is removed', async () => {
    requireWithCodeCache(bundle, { dir: cacheDir, writeAfterMs: 5 });
    const first = await waitForCacheFile();
    writeFileSync(bundle, `${BUNDLE}// rebuilt\n`);
    utimesSync(bundle, new Date(), new Date(Date.now() + 5000));

    expect(requireWithCodeCache(bundle, { dir: cacheDir, writeAfterMs: 5 })).toMatchObject({ sum: 5 });
    for (let i = 0; i < 200 && existsSync(first); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const now = await waitForCacheFile();
    expect(now).not.toBe(first);
    expect(existsSync(first)).toBe(false);
  });

  it('neither reads nor writes a cache in a directory other users can write', async () => {
    mkdirSync(cacheDir, { mode: 0o700 });
    chmodSync(cacheDir, 0o777);
    expect(requireWithCodeCache(bundle, { dir: cacheDir, writeAfterMs: 5 })).toMatchObject({ sum: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cacheFiles()).toEqual([]);
  });

  it('ignores a cache file that others can write', async () => {
    requireWithCodeCache(bundle, { dir: cacheDir, writeAfterMs: 5 });
    const file = await waitForCacheFile();
    writeFileSync(file, 'planted');
    chmodSync(file, 0o666);
    // Read as missing, so a fresh cache replaces it (with the owner-only mode).
    expect(requireWithCodeCache(bundle, { dir: cacheDir, writeAfterMs: 5 })).toMatchObject({ sum: 5 });
    for (let i = 0; i < 200 && (statSync(file).mode & 0o777) !== 0o600; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).size).toBeGreaterThan('planted'.length);
  });

  it("uses systemd's CacheDirectory when no directory is given", async () => {
    const saved = process.env.BRIDGEKIT_CODE_CACHE_DIR;
    delete process.env.BRIDGEKIT_CODE_CACHE_DIR;
    process.env.CACHE_DIRECTORY = path.join(work, 'systemd');
    try {
      requireWithCodeCache(bundle, { writeAfterMs: 5 });
      cacheDir = path.join(work, 'systemd', 'v8');
      await waitForCacheFile();
    } finally {
      if (saved !== undefined) process.env.BRIDGEKIT_CODE_CACHE_DIR = saved;
    }
  });

  it('with BRIDGEKIT_CODE_CACHE=off is a plain require and touches no cache directory', () => {
    process.env.BRIDGEKIT_CODE_CACHE = 'off';
    expect(requireWithCodeCache(bundle, { dir: cacheDir, writeAfterMs: 5 })).toMatchObject({ sum: 5, helper: 'helped' });
    expect(existsSync(cacheDir)).toBe(false);
  });
});
