import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CappedLogFile, STACK_LOG_LIMITS, olderLogPath, rotateLog } from './capped-log';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'capped-log-'));
  path = join(dir, 'server.log');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function filesOnDisk(): string[] {
  return readdirSync(dir).sort();
}

function totalBytes(): number {
  return filesOnDisk().reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

describe('CappedLogFile', () => {
  it('never keeps more than keep × maxBytes, however much a server writes', () => {
    const log = new CappedLogFile(path, { maxBytes: 1000, keep: 3 });
    // A server spinning on one error line, as ngIRCd once did for ten minutes.
    for (let i = 0; i < 5000; i++) log.write(`[${i}] Write error on connection 7: Broken pipe\n`);
    log.close();
    expect(filesOnDisk()).toEqual(['server.log', 'server.log.1', 'server.log.2']);
    for (const name of filesOnDisk()) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(1000);
    expect(totalBytes()).toBeLessThanOrEqual(3000);
    // The newest lines are the ones kept, in order, and the current file ends with the last one.
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').pop()).toBe('[4999] Write error on connection 7: Broken pipe');
    const older = readFileSync(olderLogPath(path, 1), 'utf8');
    const lastOlder = Number(/\[(\d+)\][^\n]*\n$/.exec(older)?.[1]);
    const firstCurrent = Number(/^\[(\d+)\]/.exec(readFileSync(path, 'utf8'))?.[1]);
    expect(firstCurrent).toBe(lastOlder + 1);
  });

  it('starts each file at a line: a chunk is split after its last line that still fits', () => {
    const log = new CappedLogFile(path, { maxBytes: 20, keep: 2 });
    log.write('aaaaaaaaa\nbbbbbbbbb\ncccc\n'); // 10 + 10 fit, "cccc" starts the next file
    log.close();
    expect(readFileSync(olderLogPath(path, 1), 'utf8')).toBe('aaaaaaaaa\nbbbbbbbbb\n');
    expect(readFileSync(path, 'utf8')).toBe('cccc\n');
  });

  it('moves a line that does not fit whole to the next file, and cuts only a line longer than a file', () => {
    const log = new CappedLogFile(path, { maxBytes: 10, keep: 5 });
    log.write('12345\n');
    log.write('abcdefgh\n'); // does not fit behind "12345\n": the next file
    log.write('x'.repeat(25)); // longer than a file: cut into 10 + 10 + 5
    log.close();
    expect(filesOnDisk()).toEqual(['server.log', 'server.log.1', 'server.log.2', 'server.log.3', 'server.log.4']);
    expect([4, 3, 2, 1].map((age) => readFileSync(olderLogPath(path, age), 'utf8'))).toEqual(['12345\n', 'abcdefgh\n', 'x'.repeat(10), 'x'.repeat(10)]);
    expect(readFileSync(path, 'utf8')).toBe('x'.repeat(5));
  });

  it('appends to an existing file and counts what it already holds', () => {
    writeFileSync(path, '123456789\n'); // 10 bytes of an earlier writer
    const log = new CappedLogFile(path, { maxBytes: 15, keep: 2 });
    log.write('abcdefghi\n');
    log.close();
    expect(readFileSync(olderLogPath(path, 1), 'utf8')).toBe('123456789\n');
    expect(readFileSync(path, 'utf8')).toBe('abcdefghi\n');
  });

  it('with keep 1, drops the full file and writes on in a fresh one', () => {
    const log = new CappedLogFile(path, { maxBytes: 6, keep: 1 });
    log.write('first\nlast!\n');
    log.close();
    expect(filesOnDisk()).toEqual(['server.log']);
    expect(readFileSync(path, 'utf8')).toBe('last!\n');
  });

  it('ignores output that arrives after close instead of throwing', () => {
    const log = new CappedLogFile(path, { maxBytes: 100, keep: 2 });
    log.write('last words\n');
    log.close();
    expect(() => log.write('late\n')).not.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('last words\n');
  });

  it('refuses limits that cannot hold anything', () => {
    expect(() => new CappedLogFile(path, { maxBytes: 0, keep: 2 })).toThrow(/at least 1/);
    expect(() => new CappedLogFile(path, { maxBytes: 10, keep: 0 })).toThrow(/at least 1/);
  });

  it('keeps the stack at a few tens of megabytes per server', () => {
    expect(STACK_LOG_LIMITS.maxBytes * STACK_LOG_LIMITS.keep).toBeLessThanOrEqual(64 * 1024 * 1024);
  });
});

describe('rotateLog', () => {
  it('shifts every file up by one, drops the oldest and leaves the name free for a new run', () => {
    writeFileSync(path, 'run 4');
    writeFileSync(olderLogPath(path, 1), 'run 3');
    writeFileSync(olderLogPath(path, 2), 'run 2');
    writeFileSync(olderLogPath(path, 3), 'run 1');
    rotateLog(path, 4);
    expect(existsSync(path)).toBe(false);
    expect([1, 2, 3].map((age) => readFileSync(olderLogPath(path, age), 'utf8'))).toEqual(['run 4', 'run 3', 'run 2']);
    expect(filesOnDisk()).toEqual(['server.log.1', 'server.log.2', 'server.log.3']);
  });

  it('does nothing harmful when there is no log yet', () => {
    rotateLog(path, 3);
    expect(filesOnDisk()).toEqual([]);
  });
});
