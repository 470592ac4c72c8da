// The two sample files a new admin starts from must describe the same bridge: the registration
// that generate-registration writes for config.sample.yaml is, namespaces and all, the one
// registration.sample.yaml shows, and the aliases and ghosts of the default config fall inside it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateRegistration, NamespaceMatcher, parseConfig, parseRegistration } from '@bridgekit/appservice';
import { ircBridgeApp } from '../app';
import { DEFAULT_ALIAS_TEMPLATE, PortalAliases } from '../mapping/alias';
import { GhostUserIds } from '../mapping/ghost-ids';
import { asIrcChannel, asIrcNick, asNetworkId } from '../mapping/ids';
import { parseIrcConfig } from './parse';

const ROOT = join(__dirname, '../../../..');
const configSample = readFileSync(join(ROOT, 'config.sample.yaml'), 'utf8');
// The irc block is commented out; the sample says to remove one leading '#' from each of its lines.
const at = configSample.indexOf('\n#irc:') + 1;
const uncommented = configSample.slice(0, at) + configSample.slice(at).split('\n').map((line) => line.replace(/^#/, '')).join('\n');
const config = parseConfig(uncommented, '/etc/bridge', 'config.sample.yaml');
const registrationSample = parseRegistration(
  readFileSync(join(ROOT, 'registration.sample.yaml'), 'utf8').replace(/^as_token: .*/m, 'as_token: a').replace(/^hs_token: .*/m, 'hs_token: b'),
  'registration.sample.yaml',
);

describe('config.sample.yaml and registration.sample.yaml', () => {
  const domain = config.homeserver.domain;
  const irc = parseIrcConfig(config);
  const generated = generateRegistration({ id: 'irc', url: 'http://127.0.0.1:8090', domain, receiveEphemeral: true, ...ircBridgeApp.registrationDefaults(config) });

  it('agree: generate-registration on the sample config writes the sample registration (tokens aside)', () => {
    expect(irc.aliasTemplate).toBe(DEFAULT_ALIAS_TEMPLATE);
    expect(generated.namespaces).toEqual(registrationSample.namespaces);
    expect(generated.senderLocalpart).toBe(registrationSample.senderLocalpart);
    expect(generated.protocols).toEqual(registrationSample.protocols);
    expect(generated.url).toBe(registrationSample.url);
  });

  it("put the default template's aliases and the ghosts in the registration's exclusive namespaces, starting with '_' as the spec asks", () => {
    const matcher = new NamespaceMatcher(registrationSample, domain);
    const network = asNetworkId('libera');
    const aliases = new PortalAliases({ template: irc.aliasTemplate, server: domain });
    for (const channel of ['#matrix', '#Mixed=Case', '&local']) {
      const alias = aliases.aliasFor(network, asIrcChannel(channel));
      expect(alias.startsWith('#_')).toBe(true);
      expect(matcher.isExclusiveAlias(alias)).toBe(true);
    }
    expect(matcher.isExclusiveAlias(`#irc_libera_#matrix:${domain}`)).toBe(false);
    const ghost = new GhostUserIds({ prefix: irc.ghostPrefix, server: domain }).userIdFor(network, asIrcNick('Alice'));
    expect(ghost.startsWith('@_')).toBe(true);
    expect(matcher.isExclusiveUser(ghost)).toBe(true);
  });
});

describe('docs/compose/bridge/config.yaml', () => {
  it('is a valid config whose network is the stack\'s ngIRCd and whose /ready the image asks', () => {
    const compose = parseConfig(readFileSync(join(ROOT, 'docs/compose/bridge/config.yaml'), 'utf8'), '/etc/bridgekit', 'docs/compose/bridge/config.yaml', { sections: ['irc'] });
    const irc = parseIrcConfig(compose);
    expect(irc.networks.get(asNetworkId('demo'))).toMatchObject({ host: 'ngircd', port: 6667, tls: false });
    expect(compose.metrics).toEqual({ enabled: true, bindAddress: '0.0.0.0', port: 8093 });
    expect(compose.database.path).toBe('/data/bridge.db');
  });
});
