/**
 * The configuration files of the tier's IRCv3 network: InspIRCd 3 linked to Atheme 7.2 services
 * on loopback (E2E-NOTES §9 records the facts these follow). One name crosses over in four places
 * (Atheme's server name = InspIRCd's `<link name>` = `<uline server>` = `<sasl target>`), and the
 * two link passwords cross over too, so both files are generated from one `ServicesNetworkPlan`.
 */
import { join } from 'node:path';

export interface ServicesNetworkPlan {
  /** Where the configs, pid file, Atheme's database and the logs go. */
  runDir: string;
  logDir: string;
  /** The IRC server's name (prefix of its numerics); must contain a dot. */
  ircdName: string;
  /** The services server's name, as InspIRCd knows it. */
  servicesName: string;
  /** Plain-text client port. */
  clientPort: number;
  /** TLS client port (for CertFP); its certificate and key are PEM files. */
  tlsPort: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  /** Server-link port Atheme connects to (loopback only). */
  linkPort: number;
  /** Password InspIRCd sends to Atheme, and the one Atheme sends to InspIRCd. */
  ircdToServices: string;
  servicesToIrcd: string;
  /** An IRC operator (every privilege) for scenarios that change the network: CHGHOST, LOADMODULE, SQUIT. */
  oper: { name: string; password: string };
  /**
   * A second InspIRCd the netsplit scenario starts and links behind this one (`leafInspircdConfig`):
   * the hub accepts its link with this password (both ways), and it takes clients on `clientPort`.
   */
  leaf: { name: string; password: string; clientPort: number };
}

/** Attributes are written double-quoted; nothing we put there may contain a quote. */
function attr(value: string | number): string {
  const text = String(value);
  if (/["\n]/.test(text)) throw new Error(`cannot write ${JSON.stringify(text)} into an InspIRCd config attribute`);
  return `"${text}"`;
}

function tag(name: string, attributes: Record<string, string | number>): string {
  return `<${name} ${Object.entries(attributes).map(([k, v]) => `${k}=${attr(v)}`).join(' ')}>`;
}

/**
 * The IRCv3 modules the scenarios exercise. `services_account` is required by Atheme's protocol
 * module, and `deaf` by its user modes (without it the link loops on "Unrecognised mode 'd'").
 */
const INSPIRCD_MODULES = [
  'spanningtree', 'services_account', 'sasl', 'deaf', 'svshold', 'chghost', 'cban',
  'cap', 'ircv3', 'ircv3_capnotify', 'ircv3_ctctags', 'ircv3_msgid', 'ircv3_servertime', 'ircv3_echomessage',
  'ircv3_batch', 'ircv3_accounttag', 'ircv3_chghost', 'ircv3_labeledresponse', 'chanhistory', 'namesx', 'uhnames',
  // TLS with client certificates: sslinfo gives each user's CertFP to services (SASL EXTERNAL).
  'ssl_gnutls', 'sslinfo',
] as const;

export function inspircdConfig(plan: ServicesNetworkPlan): string {
  return [
    tag('server', { name: plan.ircdName, description: 'Bridgekit e2e IRCv3 server', network: 'BridgekitE2E', id: '0BK' }),
    tag('bind', { address: '127.0.0.1', port: plan.clientPort, type: 'clients' }),
    tag('bind', { address: '127.0.0.1', port: plan.tlsPort, type: 'clients', sslprofile: 'clients' }),
    tag('bind', { address: '127.0.0.1', port: plan.linkPort, type: 'servers' }),
    ...commonInspircdConfig(plan, plan.ircdName),
    tag('link', { name: plan.servicesName, ipaddr: '127.0.0.1', port: plan.linkPort, allowmask: '127.0.0.1/32', sendpass: plan.ircdToServices, recvpass: plan.servicesToIrcd }),
    // The leaf connects to us (it has the autoconnect); `port` is only used for connecting out.
    tag('link', { name: plan.leaf.name, ipaddr: '127.0.0.1', port: plan.linkPort, allowmask: '127.0.0.1/32', sendpass: plan.leaf.password, recvpass: plan.leaf.password }),
    '',
  ].join('\n');
}

/**
 * The second server of the netsplit scenario: the same modules (servers refuse a link when the
 * modules that change the protocol differ), its own name, id, client port and files, and a link
 * to the hub that it retries every second, so after a SQUIT it comes back by itself (a netjoin).
 */
export function leafInspircdConfig(plan: ServicesNetworkPlan): string {
  return [
    tag('server', { name: plan.leaf.name, description: 'Bridgekit e2e leaf server', network: 'BridgekitE2E', id: '0LF' }),
    tag('bind', { address: '127.0.0.1', port: plan.leaf.clientPort, type: 'clients' }),
    ...commonInspircdConfig(plan, plan.leaf.name),
    tag('link', { name: plan.ircdName, ipaddr: '127.0.0.1', port: plan.linkPort, sendpass: plan.leaf.password, recvpass: plan.leaf.password }),
    tag('autoconnect', { period: 1, server: plan.ircdName }),
    '',
  ].join('\n');
}

/** Everything the hub and the leaf share; `server` names the files apart. */
function commonInspircdConfig(plan: ServicesNetworkPlan, server: string): string[] {
  const own = server === plan.ircdName ? '' : `-${server.split('.')[0]}`;
  return [
    tag('admin', { name: 'Bridgekit e2e', nick: 'e2e', email: 'e2e@e2e.test' }),
    // One IP opens every connection of a run: no clone limits, no fake lag (which delays lines),
    // no flood cut-offs, and no DNS or ident lookups slowing registration down.
    tag('connect', {
      name: 'e2e', allow: '127.0.0.1', timeout: 20, pingfreq: 600, hardsendq: '4M', softsendq: '256K', recvq: '64K',
      threshold: 100000, commandrate: 10000000, fakelag: 'no', localmax: 10000, globalmax: 10000,
      maxconnwarn: 'no', resolvehostnames: 'no', useident: 'no',
    }),
    tag('performance', { clonesonconnect: 'no' }),
    tag('pid', { file: join(plan.runDir, `inspircd${own}.pid`) }),
    tag('log', { method: 'file', type: '* -USERINPUT -USEROUTPUT', level: 'default', target: join(plan.logDir, `inspircd${own}.log`) }),
    // A resolver nobody answers on, so nothing leaves the machine; lookups are off anyway.
    tag('dns', { server: '127.0.0.1', timeout: 1 }),
    ...INSPIRCD_MODULES.map((name) => tag('module', { name })),
    tag('uline', { server: plan.servicesName, silent: 'yes' }),
    // Plain-text password: a throwaway per run, on loopback.
    tag('class', { name: 'e2eopers', commands: '*', privs: '*', usermodes: '*', chanmodes: '*', snomasks: '*' }),
    tag('type', { name: 'E2eAdmin', classes: 'e2eopers' }),
    tag('oper', { name: plan.oper.name, password: plan.oper.password, host: '*@*', type: 'E2eAdmin' }),
    // requestclientcert: ask every TLS client for its certificate; hash: how CertFP is computed.
    tag('sslprofile', { name: 'clients', provider: 'gnutls', certfile: plan.tlsCertFile, keyfile: plan.tlsKeyFile, dhfile: '', hash: 'sha256', requestclientcert: 'yes' }),
    tag('sasl', { target: plan.servicesName, requiressl: 'no' }),
    // Replay on join only where a scenario sets channel mode +H.
    tag('chanhistory', { maxlines: 50, notice: 'no', prefixmsg: 'no', bots: 'yes' }),
  ];
}

const ATHEME_MODULES = [
  'protocol/inspircd', 'backend/opensex', 'crypto/pbkdf2v2',
  'nickserv/main', 'nickserv/help', 'nickserv/register', 'nickserv/identify', 'nickserv/logout', 'nickserv/info',
  'nickserv/ghost', 'nickserv/drop', 'nickserv/cert', 'nickserv/set_core', 'nickserv/set_password',
  'chanserv/main', 'chanserv/help', 'chanserv/register', 'chanserv/info', 'chanserv/flags', 'chanserv/op', 'chanserv/drop',
  'saslserv/main', 'saslserv/plain', 'saslserv/external',
] as const;

function quoted(value: string | number): string {
  const text = String(value);
  if (/["\\\n]/.test(text)) throw new Error(`cannot write ${JSON.stringify(text)} into the Atheme config`);
  return `"${text}"`;
}

export function athemeConfig(plan: ServicesNetworkPlan): string {
  const service = (nick: string, real: string, extra = '') =>
    `${nick.toLowerCase()} { nick = ${quoted(nick)}; user = ${quoted(nick)}; host = ${quoted(plan.servicesName)}; real = ${quoted(real)};${extra} };`;
  return [
    ...ATHEME_MODULES.map((m) => `loadmodule "modules/${m}";`),
    // recontime 1: if Atheme is up before InspIRCd listens, it retries the link every second.
    'serverinfo {',
    `  name = ${quoted(plan.servicesName)}; desc = "Bridgekit e2e services"; numeric = "00B"; recontime = 1;`,
    '  netname = "BridgekitE2E"; hidehostsuffix = "users.e2e.test"; adminname = "e2e"; adminemail = "e2e@e2e.test";',
    '  registeremail = "noreply@e2e.test"; loglevel = { error; info; admin; network; }; maxusers = 100; auth = none;',
    '  casemapping = rfc1459;',
    '};',
    `uplink ${quoted(plan.ircdName)} { host = "127.0.0.1"; port = ${plan.linkPort}; send_password = ${quoted(plan.servicesToIrcd)}; receive_password = ${quoted(plan.ircdToServices)}; };`,
    // expire 0: accounts and channels of a run never expire mid-run.
    service('NickServ', 'Nickname Services', ' expire = 0;'),
    service('ChanServ', 'Channel Services', ' expire = 0;'),
    service('SaslServ', 'SASL Agent'),
    // No debug level: with it, services NOTICE every user that they run in debug mode.
    `logfile ${quoted(join(plan.logDir, 'atheme.log'))} { error; info; admin; network; register; set; commands; denycmd; request; };`,
    // Services' own flood and rate limits off: scenarios register accounts back to back.
    'general { commit_interval = 5; flood_msgs = 0; ratelimit_uses = 0; ratelimit_period = 60; };',
    '',
  ].join('\n');
}
