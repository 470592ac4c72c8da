import { compareRegistrationWithConfig, domainsOf } from './config-match';
import { generateRegistration } from './generate';

const REGENERATE = 'bridgekit-irc generate-registration --config config.yaml';
const registration = generateRegistration({ id: 'irc', url: 'http://127.0.0.1:8090', senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: 'irc_', domain: 'example.org' });
const keys = { userPrefix: 'irc.ghost_prefix', aliasPrefix: 'irc.alias_template', senderLocalpart: 'irc.sender_localpart' };
const configured = { domain: 'example.org', userPrefix: '_irc_', aliasPrefix: 'irc_', senderLocalpart: 'ircbot', keys };

describe('compareRegistrationWithConfig', () => {
  it('finds nothing to say when the registration was generated from this config', () => {
    expect(compareRegistrationWithConfig(registration, configured, REGENERATE)).toEqual({ problems: [], notes: [] });
  });

  it('says homeserver.domain is the one to change when only the domain differs, naming the registration\'s domain', () => {
    const { problems } = compareRegistrationWithConfig(registration, { ...configured, domain: 'example.com' }, REGENERATE);
    expect(problems).toEqual([{
      path: 'homeserver.domain',
      message: 'is "example.com", but the registration\'s users namespace (@_irc_.*:example\\.org) is for "example.org": '
        + "set homeserver.domain to your homeserver's server_name (example.org?), or if example.com is right, "
        + `regenerate the registration (${REGENERATE} --force) and load the new file in the homeserver`,
    }]);
  });

  it('names the ghost prefix key when the ghosts fall outside the user namespace', () => {
    const { problems } = compareRegistrationWithConfig(registration, { ...configured, userPrefix: '_ircx_' }, REGENERATE);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'namespaces.users' });
    expect(problems[0]!.message).toMatch(/does not contain the bridge's ghosts such as @_ircx_namespace-check:example\.org \(irc\.ghost_prefix is "_ircx_" in the config\): change irc\.ghost_prefix/);
  });

  it('names the alias template key when the portal aliases fall outside the alias namespace', () => {
    const { problems } = compareRegistrationWithConfig(registration, { ...configured, aliasPrefix: 'chat_' }, REGENERATE);
    expect(problems.map((p) => p.path)).toEqual(['namespaces.aliases']);
    expect(problems[0]!.message).toMatch(/#chat_namespace-check:example\.org \(irc\.alias_template is "chat_" in the config\)/);
  });

  it('checks no alias namespace for a bridge without aliases, even when the registration has none', () => {
    const { aliasPrefix: _a, ...userOnly } = configured;
    const noAliases = { ...registration, namespaces: { ...registration.namespaces, aliases: [] } };
    expect(compareRegistrationWithConfig(noAliases, userOnly, REGENERATE)).toEqual({ problems: [], notes: [] });
    // The user namespace is still checked.
    expect(compareRegistrationWithConfig(noAliases, { ...userOnly, userPrefix: 'x_' }, REGENERATE).problems.map((p) => p.path)).toEqual(['namespaces.users']);
  });

  it('notes, without failing, a bot localpart that differs (the registration wins)', () => {
    const result = compareRegistrationWithConfig(registration, { ...configured, senderLocalpart: 'otherbot' }, REGENERATE);
    expect(result.problems).toEqual([]);
    expect(result.notes).toEqual([expect.stringMatching(/irc\.sender_localpart is "otherbot" .* the bot is @ircbot:example\.org \(the registration wins\)/)]);
  });

  it('accepts a registration whose namespaces match any server, and reports an empty namespace', () => {
    const anyServer = generateRegistration({ id: 'irc', url: null, senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: 'irc_' });
    expect(compareRegistrationWithConfig(anyServer, { ...configured, domain: 'elsewhere.net' }, REGENERATE).problems).toEqual([]);
    const empty = { ...registration, namespaces: { users: [], aliases: registration.namespaces.aliases, rooms: [] } };
    expect(compareRegistrationWithConfig(empty, configured, REGENERATE).problems[0]!.message).toMatch(/^\(empty\) does not contain/);
  });
});

describe('domainsOf', () => {
  it.each([
    ['@_irc_.*:example\\.org', ['example.org']],
    ['@_irc_.*:localhost:8448', ['localhost:8448']],
    ['@_irc_.*', []],
    ['@_irc_.*:.*', []],
  ])('%s → %p', (regex, expected) => expect(domainsOf([{ exclusive: true, regex }])).toEqual(expected));
});
