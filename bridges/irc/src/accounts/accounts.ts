/**
 * `IrcAccounts`: everything the bridge remembers about a Matrix user's IRC identity, and the one
 * question the connector asks before connecting a puppet: "how does this user log in?"
 * (`loginFor`), answered from the settings, the stored password and the network's auth method.
 */
import type { Logger, StoreTables, UserId } from '@bridgekit/appservice';
import type { IrcNick, NetworkId } from '../mapping';
import { ClientCertStore } from './cert-store';
import { AccountError, isAccountError } from './errors';
import { DEFAULT_FEATURES, FeatureToggles, type FeatureSpec } from './features';
import { loadPasswordKey } from './key-file';
import { PasswordStore } from './password-store';
import { SecretBox } from './secret-box';
import { UserSettingsStore } from './settings';

/**
 * How a network expects users to identify with their stored password (`auth` in the network's
 * config): `sasl` = SASL PLAIN while connecting (the connection fails on a server without it);
 * `nickserv` = a PRIVMSG to NickServ once registered; `auto` = SASL when the server offers it,
 * else NickServ; `server-password` = the server password (PASS), `account:password` when the
 * user named an account (how bouncers and some services take it).
 */
export type NetworkAuthMethod = 'auto' | 'sasl' | 'nickserv' | 'server-password';

export interface IrcCredentials {
  method: NetworkAuthMethod;
  /** Services account; absent means "the nick in use when connecting". */
  account?: string;
  password: string;
}

export interface PuppetLogin {
  /** The user's chosen nick, when they set one (else the connector's nick template). */
  nick?: IrcNick;
  /** The user's chosen username, when they set one (else the connector's template). */
  username?: string;
  /**
   * For `IrcConnectOptions.sasl`; `optional` (auth `auto`): a server without SASL is no failure.
   * EXTERNAL when the user has a client certificate on a TLS network and no stored password.
   */
  sasl?: { mechanism: 'PLAIN'; account: string; password: string; optional?: boolean } | { mechanism: 'EXTERNAL'; optional?: boolean };
  /** The user's CertFP certificate (TLS networks only), presented whenever they connect. */
  clientCert?: { cert: string; key: string };
  /** Raw lines to send once registered when optional SASL did not log the user in (auth `auto`): NickServ IDENTIFY. */
  withoutSasl?: string[];
  /** Replaces the network's server password (PASS) for this user (auth `server-password`). */
  serverPassword?: string;
  /** Raw lines to send once registered, in order: NickServ IDENTIFY (if so configured), then auto-commands. */
  afterRegistration: string[];
  /**
   * Set when a password is stored but cannot be used (key file replaced, row tampered with):
   * connect without it and tell the user `passwordProblem.message`.
   */
  passwordProblem?: AccountError;
}

export interface IrcAccountsOptions {
  /** Per network; default 'auto'. */
  authMethod?: (network: NetworkId) => NetworkAuthMethod;
  /** Per network; default "NickServ". */
  nickServ?: (network: NetworkId) => string;
  features?: readonly FeatureSpec[];
  clock?: () => number;
  /** Per network; default false. Client certificates are only presented over TLS. */
  usesTls?: (network: NetworkId) => boolean;
  /**
   * Called with each stored password as it is decrypted, before it is used: the connector
   * registers it for log redaction (`BridgeContext.addSecret`).
   */
  onPasswordRead?: (password: string) => void;
}

/** SASL PLAIN separates fields with NUL and NickServ gets a text line: neither survives these. */
const MAX_PASSWORD_BYTES = 400;

export class IrcAccounts {
  readonly settings: UserSettingsStore;
  readonly passwords: PasswordStore;
  readonly features: FeatureToggles;
  readonly certs: ClientCertStore;
  private readonly usesTls: (network: NetworkId) => boolean;
  private readonly authMethod: (network: NetworkId) => NetworkAuthMethod;
  private readonly nickServ: (network: NetworkId) => string;
  private readonly onPasswordRead: (password: string) => void;

  /**
   * `tables` must have the tables of `accountMigrations` (the store's `tables`); `key` is the
   * 32-byte password key. Reads answer from memory: call `load()` once before using it.
   */
  constructor(tables: StoreTables, key: Uint8Array, options: IrcAccountsOptions = {}) {
    const clock = options.clock ?? Date.now;
    this.settings = new UserSettingsStore(tables, clock);
    this.passwords = new PasswordStore(tables, new SecretBox(key), clock);
    this.features = new FeatureToggles(tables, options.features ?? DEFAULT_FEATURES, clock);
    this.certs = new ClientCertStore(tables, new SecretBox(key), clock);
    this.usesTls = options.usesTls ?? (() => false);
    this.authMethod = options.authMethod ?? (() => 'auto');
    this.nickServ = options.nickServ ?? (() => 'NickServ');
    this.onPasswordRead = options.onPasswordRead ?? (() => undefined);
  }

  /** Reads every account row from the store (again). */
  async load(): Promise<this> {
    await Promise.all([this.settings.load(), this.passwords.load(), this.features.load(), this.certs.load()]);
    return this;
  }

  /** Whether connections to `network` can present a client certificate (it is reached over TLS). */
  presentsCertificates(network: NetworkId): boolean {
    return this.usesTls(network);
  }

  authMethodOf(network: NetworkId): NetworkAuthMethod {
    return this.authMethod(network);
  }

  /** The stored credentials, decrypted; throws an AccountError when the stored row cannot be trusted. */
  credentialsFor(userId: UserId, network: NetworkId): IrcCredentials | undefined {
    const stored = this.passwords.get(userId, network);
    if (!stored) return undefined;
    const password = stored.password.toString('utf8');
    this.onPasswordRead(password);
    return {
      method: this.authMethod(network),
      ...(stored.account !== undefined ? { account: stored.account } : {}),
      password,
    };
  }

  /** How to connect `userId` to `network`; `nick` is the nick the connection will register with. */
  loginFor(userId: UserId, network: NetworkId, nick: IrcNick): PuppetLogin {
    const settings = this.settings.get(userId, network);
    const login: PuppetLogin = {
      ...(settings.nick !== undefined ? { nick: settings.nick } : {}),
      ...(settings.username !== undefined ? { username: settings.username } : {}),
      afterRegistration: [],
    };
    let credentials: IrcCredentials | undefined;
    try {
      credentials = this.credentialsFor(userId, network);
    } catch (error) {
      if (!isAccountError(error)) throw error;
      login.passwordProblem = error;
    }
    if (credentials) Object.assign(login, this.identification(credentials, network, nick));
    this.addClientCert(login, userId, network, credentials === undefined);
    login.afterRegistration.push(...settings.autoCommands);
    return login;
  }

  /**
   * CertFP: a user with a certificate presents it on TLS networks, and logs in with SASL
   * EXTERNAL when no password decides otherwise. Optional under `auto`, so a certificate not yet
   * added to the services account leaves them connected, just not logged in.
   */
  private addClientCert(login: PuppetLogin, userId: UserId, network: NetworkId, noPassword: boolean): void {
    if (!this.usesTls(network)) return;
    let cert: ReturnType<ClientCertStore['get']>;
    try {
      cert = this.certs.get(userId, network);
    } catch (error) {
      if (!isAccountError(error)) throw error;
      login.passwordProblem ??= error;
      return;
    }
    if (!cert) return;
    login.clientCert = { cert: cert.certPem, key: cert.keyPem };
    const method = this.authMethod(network);
    if (noPassword && (method === 'auto' || method === 'sasl')) login.sasl = { mechanism: 'EXTERNAL', optional: method === 'auto' };
  }

  private identification(credentials: IrcCredentials, network: NetworkId, nick: IrcNick): Partial<PuppetLogin> {
    const sasl = { mechanism: 'PLAIN' as const, account: credentials.account ?? nick, password: credentials.password };
    switch (credentials.method) {
      case 'sasl':
        return { sasl };
      case 'auto':
        return { sasl: { ...sasl, optional: true }, withoutSasl: [nickServIdentifyLine(this.nickServ(network), credentials)] };
      case 'nickserv':
        return { afterRegistration: [nickServIdentifyLine(this.nickServ(network), credentials)] };
      case 'server-password':
        return { serverPassword: credentials.account !== undefined ? `${credentials.account}:${credentials.password}` : credentials.password };
    }
  }
}

export function nickServIdentifyLine(nickServ: string, credentials: Pick<IrcCredentials, 'account' | 'password'>): string {
  const args = credentials.account !== undefined ? `${credentials.account} ${credentials.password}` : credentials.password;
  return `PRIVMSG ${nickServ} :IDENTIFY ${args}`;
}

/**
 * Refuses passwords that cannot reach IRC intact. Spaces, colons and any Unicode are fine; NUL
 * (the SASL PLAIN separator), CR and LF (line ends) are not.
 */
export function checkIrcPassword(password: string): void {
  if (password.length === 0) throw new AccountError('PASSWORD_INVALID', 'The password is empty.');
  if (/[\r\n\0]/.test(password)) {
    throw new AccountError('PASSWORD_INVALID', 'The password contains a line break or NUL, which cannot be sent to IRC. Nothing was stored.');
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new AccountError('PASSWORD_INVALID', `The password is longer than ${MAX_PASSWORD_BYTES} bytes, more than an IRC line can carry. Nothing was stored.`);
  }
}

/** Services account names: no spaces or control characters (they would break IDENTIFY and SASL). */
export function checkAccountName(account: string): void {
  if (!/^[^\s\x00-\x1f\x7f]{1,64}$/u.test(account)) {
    throw new AccountError('SETTING_INVALID', `"${account}" cannot be a services account name: use 1-64 characters without spaces.`);
  }
}

export interface OpenIrcAccountsOptions extends IrcAccountsOptions {
  /** `irc.password_key_file`; created (mode 0600) when missing. */
  keyFile: string;
  log?: Logger;
}

/** Loads (or creates) the key file and opens (and reads) the account stores on the bridge's store. */
export async function openIrcAccounts(tables: StoreTables, options: OpenIrcAccountsOptions): Promise<IrcAccounts> {
  const { key, created } = loadPasswordKey(options.keyFile);
  if (created) {
    options.log?.warn('Created a new password key file; back it up; without it stored IRC passwords cannot be read', { path: options.keyFile });
  }
  return new IrcAccounts(tables, key, options).load();
}
