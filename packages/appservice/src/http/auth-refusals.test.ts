import { Counter, Registry } from 'prom-client';
import { AuthRefusalReporter, type AuthRefusal } from './auth-refusals';
import { HS_TOKEN, recordingLogger, startApp, TXN, wireEvent } from './testing/app-harness';

const wrong: AuthRefusal = { reason: 'wrong_token', via: 'header', from: '127.0.0.1', route: 'transactions' };
const missing: AuthRefusal = { reason: 'missing_token', via: 'none', from: '127.0.0.1', route: 'users' };

function reporter() {
  let t = 1_700_000_000_000;
  const lines: string[] = [];
  const registry = new Registry();
  const metric = new Counter({ name: 'refusals', help: 'x', labelNames: ['reason'] as const, registers: [registry] });
  const r = new AuthRefusalReporter({ log: recordingLogger(lines), metric, now: () => t, registrationFile: '/etc/bridge/registration.yaml' });
  const count = async (reason: string) => (await metric.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  return { r, lines, count, advance: (ms: number) => { t += ms; } };
}

describe('AuthRefusalReporter', () => {
  it('logs the first wrong-token refusal at once, as an error that says which keys to compare and to restart the homeserver', () => {
    const { r, lines } = reporter();
    r.refused(wrong);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error Refused requests from the homeserver: they carry a wrong hs_token/);
    expect(lines[0]).toContain("hs_token in the homeserver's copy of the registration file");
    expect(lines[0]).toContain('app_service_config_files');
    expect(lines[0]).toContain('hs_token in the bridge\'s registration file (/etc/bridge/registration.yaml)');
    expect(lines[0]).toContain('then restart the homeserver');
    expect(lines[0]).toContain('"refusals":1');
  });

  it('logs at most once a minute per reason, with the number of refusals since the last line; counts every one', async () => {
    const { r, lines, count, advance } = reporter();
    r.refused(wrong);
    for (let i = 0; i < 9; i++) {
      advance(6_000); // 54 s in total: still inside the minute
      r.refused(wrong);
    }
    expect(lines).toHaveLength(1);
    r.refused(missing); // another reason has its own line
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^warn Refused requests that carry no hs_token/);
    advance(6_000); // 60 s after the first line
    r.refused(wrong);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('"refusals":10');
    expect(lines[2]).toContain('"sinceLastLineMs":60000');
    advance(59_999);
    r.refused(wrong);
    expect(lines).toHaveLength(3);
    advance(1);
    r.refused(wrong);
    expect(lines[3]).toContain('"refusals":2');
    await expect(count('wrong_token')).resolves.toBe(13);
    await expect(count('missing_token')).resolves.toBe(1);
  });
});

describe('wrong hs_token on the appservice API', () => {
  it('is logged with the fix and counted, and neither token appears in the log', async () => {
    const sentToken = 'Yb7nT4eGu1HqW6oAz0Fx';
    const { send, lines, metric, handled } = await startApp();
    for (let i = 0; i < 5; i++) {
      await expect(send({ method: 'PUT', path: `${TXN}/w${i}`, body: JSON.stringify({ events: [wireEvent(i)] }), token: sentToken }))
        .resolves.toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    }
    await send({ method: 'GET', path: `/_matrix/app/v1/users/%40a%3Ahs.test?access_token=${sentToken}`, token: null });
    await send({ method: 'PUT', path: `${TXN}/w9`, body: '{"events":[]}', token: null });
    expect(handled).toEqual([]);
    await expect(metric('bridgekit_appservice_auth_refusals_total')).resolves.toBe(7);
    const refusals = lines.filter((l) => l.includes('Refused requests'));
    expect(refusals).toEqual([expect.stringMatching(/^error .*wrong hs_token.*"route":"transactions","via":"header","from":"127\.0\.0\.1"/), expect.stringMatching(/^warn .*no hs_token/)]);
    const output = lines.join('\n');
    // Not the whole token, and no piece of it long enough to narrow a guess (8 characters).
    for (const token of [sentToken, HS_TOKEN]) {
      for (let i = 0; i + 8 <= token.length; i++) expect([token, output.includes(token.slice(i, i + 8))]).toEqual([token, false]);
    }
  });
});
