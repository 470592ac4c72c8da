import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from './logger';

const AS_TOKEN = 'as_5f2c9e0d1b7a4c3e8f6a0b1c2d3e4f5a';
const HS_TOKEN = 'hs_a1b2c3d4e5f60718293a4b5c6d7e8f90';
const PASSWORD = 'hunter2-irc-pass';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
  return { stream, text: () => text };
}

function logEverywhere(log: ReturnType<typeof createLogger>) {
  log.info(`starting with as_token ${AS_TOKEN}`);
  log.warn('request failed', {
    url: `http://hs/_matrix/client/v3/sync?access_token=${AS_TOKEN}&since=s1`,
    headers: { Authorization: `Bearer ${AS_TOKEN}`, 'content-type': 'application/json' },
    body: `{"password":"${PASSWORD}","user":"alice"}`,
    nested: { deeper: [{ text: `pass is ${PASSWORD}!` }] },
    hs_token: HS_TOKEN,
    token: 'some-unregistered-token',
    ircPassword: 'another-unregistered-one',
  });
  log.error('handler threw', { err: new Error(`login failed for ${PASSWORD}`) });
  log.child({ room: '!r:x', asToken: AS_TOKEN }).info(`child says ${HS_TOKEN}`);
  log.debug('auth header', { authorization: 'Basic dXNlcjpwYXNz' });
}

/** The file stream opens and writes asynchronously: wait (bounded) until the line is on disk. */
async function fileContains(path: string, text: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(path) && readFileSync(path, 'utf8').includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${path} never contained ${JSON.stringify(text)}`);
}

describe('createLogger', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bridgekit-log-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['text', 'json'] as const)('never writes a secret in %s format, on stderr or in the file', async (format) => {
    const out = capture();
    const file = join(dir, 'bridge.log');
    const log = createLogger({ level: 'debug', format, file }, () => [AS_TOKEN, HS_TOKEN, PASSWORD], { stream: out.stream });
    logEverywhere(log);
    await log.close();
    const fileText = readFileSync(file, 'utf8');
    for (const written of [out.text(), fileText]) {
      expect(written.split('\n').filter(Boolean)).toHaveLength(5);
      for (const secret of [AS_TOKEN, HS_TOKEN, PASSWORD, 'some-unregistered-token', 'another-unregistered-one', 'dXNlcjpwYXNz']) {
        expect(written).not.toContain(secret);
      }
      expect(written).toContain('<redacted>');
      expect(written).toContain('since=s1'); // only the credential is cut from the URL
      expect(written).toContain('login failed for <redacted>');
      expect(written).toContain('!r:x');
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('writes one JSON object per line with level, message, timestamp and meta', async () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'json' }, undefined, { stream: out.stream });
    log.child({ network: 'libera' }).warn('netsplit', { users: 3 });
    await log.close();
    const entry = JSON.parse(out.text().trim());
    expect(entry).toEqual({ level: 'warn', message: 'netsplit', network: 'libera', users: 3, timestamp: expect.any(String) });
  });

  it('writes readable text lines and respects the level', async () => {
    const out = capture();
    const log = createLogger({ level: 'warn', format: 'text' }, undefined, { stream: out.stream });
    log.info('hidden');
    log.debug('hidden too');
    log.error('boom', { room: '!r:x' });
    await log.close();
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ ERROR boom \{"room":"!r:x"\}$/);
  });

  it('asks for secrets on every entry, so later secrets are redacted too', async () => {
    const out = capture();
    const secrets: string[] = [];
    const log = createLogger({ level: 'info', format: 'text' }, () => secrets, { stream: out.stream });
    secrets.push('late-secret-value');
    log.info('value late-secret-value here');
    await log.close();
    expect(out.text()).toContain('value <redacted> here');
  });

  it('does no work for an entry below the level: no redaction, no rendering, no reading of its meta', async () => {
    const out = capture();
    let secretLookups = 0;
    const log = createLogger({ level: 'info', format: 'json' }, () => { secretLookups++; return []; }, { stream: out.stream });
    const meta = { get expensive(): string { throw new Error('a debug entry\'s meta was read at level info'); } };
    log.debug('off', meta);
    log.child({ room: '!r:x' }).debug('off too', meta);
    expect(secretLookups).toBe(0);
    log.info('on');
    expect(secretLookups).toBe(1);
    await log.close();
    expect(out.text().trim().split('\n')).toHaveLength(1);
  });

  it('does not modify the caller\'s meta objects', async () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'json' }, () => [PASSWORD], { stream: out.stream });
    const meta = { nested: { password: PASSWORD, note: PASSWORD } };
    log.info('x', meta);
    await log.close();
    expect(meta.nested).toEqual({ password: PASSWORD, note: PASSWORD });
  });

  it('reopens its file by path: after the file is moved away, new lines go to a new file (log rotation)', async () => {
    const out = capture();
    const file = join(dir, 'bridge.log');
    const log = createLogger({ level: 'info', format: 'text', file }, () => [AS_TOKEN], { stream: out.stream });
    log.info('before rotation');
    await fileContains(file, 'before rotation');
    renameSync(file, `${file}.1`);
    log.info('while moved: still the old file');
    expect(log.reopenFile()).toBe(true);
    log.info(`after rotation ${AS_TOKEN}`);
    await log.close();
    const rotated = readFileSync(`${file}.1`, 'utf8');
    const fresh = readFileSync(file, 'utf8');
    expect(rotated).toMatch(/before rotation[\s\S]*while moved: still the old file/);
    expect(rotated).not.toContain('after rotation');
    expect(fresh).toMatch(/^\S+ INFO  after rotation <redacted>\n$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(out.text()).toMatch(/before rotation[\s\S]*after rotation/);
  });

  it('has no file to reopen without logging.file, and reopens nothing once closed', async () => {
    const out = capture();
    const plain = createLogger({ level: 'info', format: 'text' }, () => [], { stream: out.stream });
    expect(plain.reopenFile()).toBe(false);
    await plain.close();
    const file = join(dir, 'closed.log');
    const withFile = createLogger({ level: 'info', format: 'text', file }, () => [], { stream: out.stream });
    await withFile.close();
    rmSync(file);
    expect(withFile.reopenFile()).toBe(false);
    expect(existsSync(file)).toBe(false);
  });
});

describe('a line logged after close()', () => {
  it('does not throw "write after end"; a warning or error reaches stderr as one redacted sentence, debug nowhere', async () => {
    const out = capture();
    const log = createLogger({ level: 'debug', format: 'json' }, () => [PASSWORD], { stream: out.stream });
    const child = log.child({ component: 'late' });
    await log.close();
    expect(() => child.error(`task failed for ${PASSWORD}`, { password: PASSWORD })).not.toThrow();
    child.debug('not shown');
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toContain('error: task failed for <redacted> (logged after the logger closed)');
    expect(out.text()).not.toContain(PASSWORD);
    expect(out.text()).not.toContain('not shown');
  });
});
