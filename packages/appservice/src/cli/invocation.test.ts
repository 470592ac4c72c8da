import { invocationOf, quoteIfNeeded } from './invocation';

describe('invocationOf: the command hints repeat', () => {
  it.each([
    ['the installed bin (npm keeps its name in argv[1])', 'bridgekit-irc', '/usr/lib/node_modules/.bin/bridgekit-irc', '/home/me', 'bridgekit-irc'],
    ['a checkout, run from the repo root', 'bridgekit-irc', '/repo/bridges/irc/dist/main.js', '/repo', 'node bridges/irc/dist/main.js'],
    ['a checkout, run from elsewhere', 'bridgekit-irc', '/repo/bridges/irc/dist/main.js', '/etc/bridge', 'node /repo/bridges/irc/dist/main.js'],
    ['a path with a space', undefined, '/my repo/main.js', '/', "node 'my repo/main.js'"],
    ['no script known', 'bridgekit-irc', undefined, '/', 'bridgekit-irc'],
  ])('%s', (_what, command, script, cwd, expected) => {
    expect(invocationOf(command, script, cwd)).toBe(expected);
  });

  it('quotes only what a shell would split', () => {
    expect(quoteIfNeeded('config.yaml')).toBe('config.yaml');
    expect(quoteIfNeeded("it's here.yaml")).toBe("'it'\\''s here.yaml'");
  });
});
