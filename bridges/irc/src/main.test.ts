import { readFileSync } from 'node:fs';
import path from 'node:path';

describe('the bridgekit-irc bin', () => {
  // V8 refuses a code cache made under other flags: settings applied only once the bundle runs
  // made the cache written after each start unusable at the next (every start a cold one).
  it('applies the bridge\'s V8 settings before it compiles the bundle', () => {
    const source = readFileSync(path.join(__dirname, 'main.ts'), 'utf8');
    const applied = source.indexOf('\napplyV8Settings();');
    const loaded = source.indexOf('requireWithCodeCache(bundle)');
    expect(applied).toBeGreaterThan(0);
    expect(loaded).toBeGreaterThan(applied);
  });
});
