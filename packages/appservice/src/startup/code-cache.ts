/**
 * Runs a bundled CommonJS program (one file, see build/bundle-bins.js) with a V8 code cache, so a
 * start skips parsing and compiling what the previous run already compiled. Node 22 does this
 * itself (module.enableCompileCache); Node 20 does not, and the npm library that did it
 * (v8-compile-cache) compiles every module as a script, which breaks on the `.mjs` files Node 20
 * now loads through require(). One bundle, compiled with vm.Script and its cachedData, needs none
 * of that.
 *
 * This module is loaded before the bundle, on every start: it imports only node: modules.
 *
 * The cache is code V8 runs, so it lives only where no other user can write: a directory owned by
 * this user, without group/other write, not a symlink (~/.cache/bridgekit/v8 by default, or
 * systemd's CacheDirectory; in the temp directory, per user, when there is no home). Its file name holds a hash of the bundle's
 * path, size and mtime and of Node's version and architecture, so a rebuilt bundle or another Node
 * never reads an old cache; V8 rejects a cache made with other flags and we then write a new one.
 * Every failure (no writable directory, a full disk, a corrupt file) only means a slower start.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/**
 * The process event on which a pending cache is written: the core's `run` command emits it once
 * the bridge has started (codeCacheStartupDone), so the cache holds what a start
 * compiles, and one-shot commands (--version, check-config) never write one. An event, not a
 * call, because the bundle holds its own copy of this module.
 */
export const CODE_CACHE_WRITE_EVENT = 'bridgekit:code-cache-write';

/** Says the program has started: a bundle loaded with {@link requireWithCodeCache} writes its missing cache now. */
export function codeCacheStartupDone(): void {
  (process as NodeJS.EventEmitter).emit(CODE_CACHE_WRITE_EVENT);
}

/** Options of {@link requireWithCodeCache}. */
export interface CodeCacheOptions {
  /** Where cache files go. Default: $BRIDGEKIT_CODE_CACHE_DIR, else systemd's $CACHE_DIRECTORY/v8, else $XDG_CACHE_HOME or ~/.cache + /bridgekit/v8. */
  dir?: string;
  /** Write a missing cache this long after the load (ms) instead of on {@link CODE_CACHE_WRITE_EVENT}. */
  writeAfterMs?: number;
}

/**
 * Loads `file` (a CommonJS bundle) like require() does, with a V8 code cache kept per user. With
 * BRIDGEKIT_CODE_CACHE=off, or when Node maps stack traces (--enable-source-maps, which Node 20
 * does not apply to vm scripts), it is a plain require(). Returns the bundle's module.exports.
 */
export function requireWithCodeCache(file: string, options: CodeCacheOptions = {}): unknown {
  const absolute = path.resolve(file);
  if (process.env.BRIDGEKIT_CODE_CACHE === 'off' || process.sourceMapsEnabled) return createRequire(absolute)(absolute);
  const source = readFileSync(absolute, 'utf8');
  const dir = safeCacheDir(options.dir ?? process.env.BRIDGEKIT_CODE_CACHE_DIR ?? defaultCacheDir());
  const cacheFile = dir === undefined ? undefined : path.join(dir, cacheFileName(absolute));
  const cachedData = cacheFile === undefined ? undefined : readOwnFile(cacheFile);
  // A shebang is not JavaScript inside the CommonJS wrapper; blanking it keeps line numbers.
  const body = source.startsWith('#!') ? source.replace(/^#![^\n]*/, '') : source;
  const script = new vm.Script(Module.wrap(body), { filename: absolute, ...(cachedData ? { cachedData } : {}) });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    scheduleWrite(script, cacheFile, options.writeAfterMs);
  }
  const wrapper = script.runInThisContext() as (exports: unknown, req: NodeJS.Require, mod: Module, filename: string, dirname: string) => void;
  const mod = new Module(absolute);
  mod.filename = absolute;
  wrapper.call(mod.exports, mod.exports, createRequire(absolute), mod, absolute, path.dirname(absolute));
  mod.loaded = true;
  return mod.exports;
}

/** On the event (plus a moment, for what runs right after the start) or after `afterMs`. */
function scheduleWrite(script: vm.Script, cacheFile: string, afterMs: number | undefined): void {
  const write = () => writeCache(script, cacheFile);
  if (afterMs !== undefined) {
    setTimeout(write, afterMs).unref();
    return;
  }
  process.once(CODE_CACHE_WRITE_EVENT, () => setTimeout(write, 100).unref());
}

/**
 * systemd's CacheDirectory= ($CACHE_DIRECTORY), else ~/.cache/bridgekit/v8 (or $XDG_CACHE_HOME's),
 * else a per-user directory in the temp directory.
 */
function defaultCacheDir(): string {
  const systemd = process.env.CACHE_DIRECTORY?.split(':')[0];
  if (systemd && path.isAbsolute(systemd)) return path.join(systemd, 'v8');
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'bridgekit', 'v8');
  let home = '';
  try {
    home = os.homedir();
  } catch {
    // No home (a system user without one): fall through to the temp directory.
  }
  if (home && home !== '/') return path.join(home, '.cache', 'bridgekit', 'v8');
  return path.join(os.tmpdir(), `bridgekit-v8-cache-${userId()}`);
}

/** `dir`, created if missing, when only this user can write it; undefined otherwise. */
function safeCacheDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    if (!stat.isDirectory() || !ownedByUs(stat.uid) || (stat.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** `<name>-<hash of path>-<hash of build and Node>.cache`: checkouts side by side keep one cache each. */
function cacheFileName(file: string): string {
  const stat = statSync(file);
  const build = [stat.size, stat.mtimeMs, process.version, process.arch, process.versions.v8].join('\0');
  return `${path.basename(file)}-${sha256(file).slice(0, 8)}-${sha256(build).slice(0, 16)}.cache`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The file's bytes when it is a regular file of ours that nobody else can write; else undefined. */
function readOwnFile(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (lstatSync(file).isSymbolicLink()) return undefined;
    fd = openSync(file, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile() || !ownedByUs(stat.uid) || (stat.mode & 0o022) !== 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes the cache atomically (temp file, then rename) and removes the same bundle's older caches. */
function writeCache(script: vm.Script, cacheFile: string): void {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, script.createCachedData(), { mode: 0o600, flag: 'wx' });
    renameSync(temp, cacheFile);
    const dir = path.dirname(cacheFile);
    const prefix = path.basename(cacheFile).replace(/[0-9a-f]{16}\.cache$/, '');
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix) && name.endsWith('.cache') && path.join(dir, name) !== cacheFile) unlinkSync(path.join(dir, name));
    }
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Never written.
    }
  }
}

function userId(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

function ownedByUs(uid: number): boolean {
  return typeof process.getuid !== 'function' || uid === process.getuid();
}
