// Commands about what the bridge stores for the user: password and feature toggles.
import { checkAccountName, checkIrcPassword, type NetworkAuthMethod } from '../../accounts';
import { defineCommand, type AdminCommand } from '../command';
import { CommandError } from '../errors';
import { NETWORK_ARG, networkName, type AdminCommandDeps } from './shared';

const ACCOUNT_FLAG = /^--account=(\S+)\s+([\s\S]*)$/;

const AUTH_METHOD_NAMES: Record<NetworkAuthMethod, string> = {
  auto: 'SASL (or NickServ IDENTIFY where the server has no SASL)',
  sasl: 'SASL',
  nickserv: 'NickServ IDENTIFY',
  'server-password': 'the server password (PASS)',
};

export function accountCommands(deps: AdminCommandDeps): AdminCommand[] {
  const { accounts } = deps;
  return [
    defineCommand({
      name: 'storepass',
      args: [
        NETWORK_ARG,
        { name: 'password', kind: 'rest', help: 'everything after the network, exactly as typed: spaces, colons and quotes are part of the password' },
      ],
      help:
        'Stores your IRC password (encrypted) to log you in (SASL, NickServ or the server password, as the network is set up). Your message is removed from the room afterwards.' +
        '\n\nThe account is your nick; to log in to another services account, start with --account=NAME, e.g. !storepass --account=alice s3cret',
      permission: 'user',
      sensitive: true,
      handler: async (ctx, { network, password: text }) => {
        const flag = ACCOUNT_FLAG.exec(text);
        if (text.startsWith('--account=') && !flag) throw new CommandError('Give the password after --account=NAME, separated by a space.');
        const account = flag?.[1];
        const password = flag ? flag[2]! : text;
        if (account !== undefined) checkAccountName(account);
        checkIrcPassword(password);
        await accounts.passwords.put(ctx.userId, network, password, account);
        const auth = accounts.authMethodOf(network);
        const method = AUTH_METHOD_NAMES[auth];
        const who = account !== undefined ? `account ${account}` : 'your nick';
        return `Stored your password for ${networkName(deps, network)}: it is used with ${method}${auth === 'server-password' && account === undefined ? '' : ` as ${who}`} ` +
          `from your next connection (say !reconnect ${network} to log in now). Your message is being removed from this room.`;
      },
    }),
    defineCommand({
      name: 'certfp',
      args: [
        { name: 'action', kind: 'choice', choices: ['new'] as const, optional: true, help: 'new: replace your certificate (the old fingerprint stops working)' },
        NETWORK_ARG,
      ],
      help:
        'Shows the fingerprint of your IRC client certificate (CertFP), made for you the first time. Add it to your services account ' +
        '(e.g. /msg NickServ CERT ADD <fingerprint>) and the bridge logs you in with it (SASL EXTERNAL) from your next connection, without a stored password.',
      permission: 'user',
      handler: async (ctx, { action, network }) => {
        const name = networkName(deps, network);
        if (!accounts.presentsCertificates(network)) {
          return `${name} is not reached over TLS, so the bridge cannot present a client certificate there; use !storepass instead.`;
        }
        const cert = await accounts.certs.getOrCreate(ctx.userId, network, { renew: action === 'new' });
        const password = accounts.passwords.has(ctx.userId, network) ? ' Your stored password is used instead while you have one (!removepass to stop that).' : '';
        return `Your certificate fingerprint for ${name} is ${cert.fingerprint}. Add it to your services account (e.g. /msg NickServ CERT ADD ${cert.fingerprint}), ` +
          `then say !reconnect ${network} to log in with it.${password}`;
      },
    }),
    defineCommand({
      name: 'removepass',
      args: [NETWORK_ARG],
      help: 'Deletes your stored IRC password.',
      permission: 'user',
      handler: async (ctx, { network }) => {
        const name = networkName(deps, network);
        return await accounts.passwords.remove(ctx.userId, network) ? `Deleted your stored password for ${name}.` : `You had no stored password for ${name}.`;
      },
    }),
    defineCommand({
      name: 'feature',
      args: [
        { name: 'name', kind: 'word', optional: true, help: 'the feature; leave out to list them all' },
        { name: 'value', kind: 'toggle', optional: true, help: 'on or off; leave out to see the current value' },
      ],
      help: 'Turns a feature of the bridge on or off for you, or lists the features.',
      permission: 'user',
      handler: async (ctx, { name, value }) => {
        if (name === undefined) {
          return ['Features (say !feature <name> on|off):', ...accounts.features.list(ctx.userId).map((f) =>
            `${f.spec.name}: ${f.enabled ? 'on' : 'off'}${f.explicit ? '' : ' (default)'} — ${f.spec.description}`)].join('\n');
        }
        if (value === undefined) return `${name.toLowerCase()} is ${accounts.features.isEnabled(ctx.userId, name) ? 'on' : 'off'} for you.`;
        const state = await accounts.features.set(ctx.userId, name, value);
        return `${state.spec.name} is now ${state.enabled ? 'on' : 'off'} for you.`;
      },
    }),
  ];
}
