import { asUserId } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping';
import { AccountError } from './errors';
import { FeatureToggles } from './features';
import { MAX_AUTO_COMMANDS, UserSettingsStore } from './settings';
import { openTempStore, type TempStore } from './testing';

const alice = asUserId('@alice:example.org');
const bob = asUserId('@bob:example.org');
const libera = 'libera' as NetworkId;
const oftc = 'oftc' as NetworkId;

let temp: TempStore;
beforeEach(() => {
  temp = openTempStore();
});
afterEach(() => temp.close());

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof AccountError ? `${error.code}: ${error.message}` : String(error);
  }
  return undefined;
}

describe('UserSettingsStore', () => {
  it('answers defaults for a user who set nothing', () => {
    const settings = new UserSettingsStore(temp.store.tables);
    expect(settings.get(alice, libera)).toEqual({ autoCommands: [] });
    expect(settings.networksOf(alice)).toEqual([]);
  });

  it('keeps nick, username and auto-commands per user and network, independently', async () => {
    const settings = new UserSettingsStore(temp.store.tables);
    await settings.setNick(alice, libera, 'Alice[m]');
    await settings.setUsername(alice, libera, 'alice');
    await settings.setNick(alice, oftc, 'alice_oftc');
    expect(await settings.addAutoCommand(alice, libera, '/mode Alice[m] +x')).toEqual(['mode Alice[m] +x']);
    expect(await settings.addAutoCommand(alice, libera, 'PRIVMSG ChanServ :INVITE #secret')).toHaveLength(2);

    expect(settings.get(alice, libera)).toEqual({
      nick: 'Alice[m]', username: 'alice', autoCommands: ['mode Alice[m] +x', 'PRIVMSG ChanServ :INVITE #secret'],
    });
    expect(settings.get(alice, oftc)).toEqual({ nick: 'alice_oftc', autoCommands: [] });
    expect(settings.get(bob, libera)).toEqual({ autoCommands: [] });
    expect(settings.networksOf(alice)).toEqual(['libera', 'oftc']);

    await settings.setNick(alice, libera, undefined);
    expect(settings.get(alice, libera).nick).toBeUndefined();
    expect(settings.get(alice, libera).username).toBe('alice');
    await settings.setAutoCommands(alice, libera, []);
    expect(settings.get(alice, libera).autoCommands).toEqual([]);

    // What the next start reads is what was stored.
    const reread = new UserSettingsStore(temp.store.tables);
    await reread.load();
    expect(reread.get(alice, oftc)).toEqual({ nick: 'alice_oftc', autoCommands: [] });
    expect(reread.get(alice, libera)).toEqual({ username: 'alice', autoCommands: [] });
  });

  it('refuses bad nicks, usernames and auto-commands with a message', () => {
    const settings = new UserSettingsStore(temp.store.tables);
    expect(codeOf(() => settings.setNick(alice, libera, 'has space'))).toContain('SETTING_INVALID: Not a valid IRC nick');
    expect(codeOf(() => settings.setUsername(alice, libera, 'way_too_long_ident'))).toContain('SETTING_INVALID');
    expect(codeOf(() => settings.setUsername(alice, libera, '-dash'))).toContain('SETTING_INVALID');
    expect(codeOf(() => settings.setUsername(alice, libera, 'a b'))).toContain('SETTING_INVALID');
    expect(codeOf(() => settings.addAutoCommand(alice, libera, 'JOIN #a\r\nQUIT'))).toContain('single line');
    expect(settings.get(alice, libera)).toEqual({ autoCommands: [] });
  });

  it(`keeps at most ${MAX_AUTO_COMMANDS} auto-commands`, async () => {
    const settings = new UserSettingsStore(temp.store.tables);
    for (let i = 0; i < MAX_AUTO_COMMANDS; i++) await settings.addAutoCommand(alice, libera, `WHO #c${i}`);
    expect(codeOf(() => settings.addAutoCommand(alice, libera, 'WHO #one-too-many'))).toContain(`At most ${MAX_AUTO_COMMANDS}`);
    expect(settings.get(alice, libera).autoCommands).toHaveLength(MAX_AUTO_COMMANDS);
  });
});

describe('FeatureToggles', () => {
  const specs = [
    { name: 'autojoin', description: 'rejoin', default: true },
    { name: 'pm-rooms', description: 'pm', default: false },
  ];

  it('answers defaults until the user chooses, per user', async () => {
    const features = new FeatureToggles(temp.store.tables, specs);
    expect(features.isEnabled(alice, 'autojoin')).toBe(true);
    expect(features.isEnabled(alice, 'pm-rooms')).toBe(false);
    await features.set(alice, 'autojoin', false);
    await features.set(alice, 'PM-Rooms', true);
    expect(features.isEnabled(alice, 'autojoin')).toBe(false);
    expect(features.isEnabled(alice, 'pm-rooms')).toBe(true);
    expect(features.isEnabled(bob, 'autojoin')).toBe(true);
    expect(features.list(alice).map((f) => [f.spec.name, f.enabled, f.explicit])).toEqual([['autojoin', false, true], ['pm-rooms', true, true]]);
    expect(features.list(bob).map((f) => [f.spec.name, f.enabled, f.explicit])).toEqual([['autojoin', true, false], ['pm-rooms', false, false]]);
  });

  it('refuses unknown features with the list of names', () => {
    const features = new FeatureToggles(temp.store.tables, specs);
    expect(codeOf(() => features.set(alice, 'autojion', true))).toContain('Features: autojoin, pm-rooms');
  });

  it('refuses bad declarations', () => {
    expect(() => new FeatureToggles(temp.store.tables, [{ name: 'Bad Name', description: '', default: true }])).toThrow(TypeError);
    expect(() => new FeatureToggles(temp.store.tables, [specs[0]!, specs[0]!])).toThrow('unique');
  });
});
