import { createTestConfig, TestLogger } from './index';

describe('TestLogger', () => {
  it('records lines with their children\'s metadata, redacted as the bridge\'s logger redacts them', () => {
    const log = new TestLogger();
    log.addSecret('hunter2');
    const child = log.child({ network: 'libera' });
    child.warn('login with hunter2 failed', { password: 'anything', detail: 'said hunter2' });
    log.info('started');
    expect(log.lines).toEqual([
      { level: 'warn', message: 'login with <redacted> failed', meta: { network: 'libera', password: '<redacted>', detail: 'said <redacted>' } },
      { level: 'info', message: 'started', meta: {} },
    ]);
    expect(log.messages('warn')).toEqual(['login with <redacted> failed']);
  });
});

describe('createTestConfig', () => {
  it('parses a connector section over the kit\'s defaults, with paths relative to the given directory', () => {
    const config = createTestConfig({ echo: { prefix: '>' } }, { dir: '/srv/bridge', domain: 'example.test' });
    expect(config.homeserver.domain).toBe('example.test');
    expect(config.database.path).toBe('/srv/bridge/bridge.db');
    expect(config.sections.echo).toEqual({ prefix: '>' });
  });
});
