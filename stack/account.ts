/**
 * The Matrix account the stack hands to the person trying it: created once with Synapse's shared
 * secret, its password kept in the data folder, signed in again on every start, and joined to the
 * portal room so the room is already in the list when they open a client.
 */
import { MatrixApiError, encode, loginWithPassword, matrixRequest, registerWithSharedSecret } from '../test/e2e/harness/matrix-http';
import { StackError } from './errors';
import { saveSecrets, type StackSecrets } from './state';

export interface TestAccount {
  userId: string;
  localpart: string;
  password: string;
  accessToken: string;
}

async function tokenStillValid(homeserverUrl: string, accessToken: string): Promise<string | undefined> {
  try {
    const reply = await matrixRequest<{ user_id: string }>(homeserverUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken });
    return reply.user_id;
  } catch (err) {
    if (err instanceof MatrixApiError && err.status === 401) return undefined;
    throw err;
  }
}

/** Resolves with the account and whether it was created on this start. */
export async function ensureTestAccount(homeserverUrl: string, dataDir: string, secrets: StackSecrets): Promise<{ account: TestAccount; created: boolean }> {
  const { localpart, password } = secrets.account;
  const keep = (userId: string, accessToken: string, created: boolean) => {
    if (secrets.account.accessToken !== accessToken) saveSecrets(dataDir, { ...secrets, account: { ...secrets.account, accessToken } });
    return { account: { userId, localpart, password, accessToken }, created };
  };
  // Reusing the token keeps one device per account instead of one per start.
  if (secrets.account.accessToken) {
    const userId = await tokenStillValid(homeserverUrl, secrets.account.accessToken);
    if (userId) return keep(userId, secrets.account.accessToken, false);
  }
  try {
    const session = await loginWithPassword(homeserverUrl, localpart, password);
    return keep(session.userId, session.accessToken, false);
  } catch (err) {
    if (!(err instanceof MatrixApiError && err.errcode === 'M_FORBIDDEN')) throw err;
  }
  try {
    // Admin: it is the owner's account on a private sandbox (room and user admin APIs work).
    const session = await registerWithSharedSecret(homeserverUrl, secrets.registrationSharedSecret, { localpart, password, admin: true });
    return keep(session.userId, session.accessToken, true);
  } catch (err) {
    if (err instanceof MatrixApiError && err.errcode === 'M_USER_IN_USE') {
      throw new StackError(
        `The account @${localpart} exists but does not take the password saved in ${dataDir}/secrets.json.`,
        `Put its password back in secrets.json, or delete ${dataDir} to start over with fresh rooms and accounts.`,
      );
    }
    throw err;
  }
}

/** Joins the portal by alias: the homeserver asks the bridge, which creates the room and joins the channel. */
export async function joinPortal(homeserverUrl: string, accessToken: string, alias: string): Promise<string> {
  const reply = await matrixRequest<{ room_id: string }>(homeserverUrl, 'POST', `/_matrix/client/v3/join/${encode(alias)}`, { accessToken, json: {}, timeoutMs: 60_000 });
  return reply.room_id;
}
