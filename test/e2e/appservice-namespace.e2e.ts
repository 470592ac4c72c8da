/**
 * The registration's namespaces as Synapse enforces them: ghost IDs, the bridge bot and portal
 * aliases belong to the appservice alone, and the appservice may create its ghosts. Test users may
 * take `_…` localparts in this homeserver config, so an M_EXCLUSIVE here comes from the
 * registration's regexes, not from Synapse's generic underscore rule.
 */
import { readE2eEnv } from './harness/env';
import { MatrixApiError, MatrixClient, registerUser, uniqueLocalpart } from './harness/matrix-client';
import { matrixRequest } from './harness/matrix-http';
import { GHOST_LOCALPART_PREFIX, SENDER_LOCALPART, userId } from './harness/namespaces';

async function registrationError(localpart: string): Promise<MatrixApiError> {
  const error = await registerUser(localpart).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof MatrixApiError)) throw new Error(`registering ${localpart} was expected to fail with a Matrix error, got ${String(error)}`);
  return error;
}

describe('appservice namespaces', () => {
  it('refuses a normal user a ghost ID (M_EXCLUSIVE)', async () => {
    const error = await registrationError(`${GHOST_LOCALPART_PREFIX}${uniqueLocalpart('foo')}`);
    expect(error.status).toBe(400);
    expect(error.errcode).toBe('M_EXCLUSIVE');
  });

  it("refuses a normal user the bridge bot's ID (M_EXCLUSIVE)", async () => {
    const error = await registrationError(SENDER_LOCALPART);
    expect(error.errcode).toBe('M_EXCLUSIVE');
  });

  it('lets a normal user take a look-alike just outside the namespace', async () => {
    const lookAlike = `${GHOST_LOCALPART_PREFIX.replace(/_$/, '')}${uniqueLocalpart('x')}`; // "_irc" without the trailing "_"
    const user = await registerUser(lookAlike);
    expect(user.userId).toBe(userId(lookAlike));
  });

  it.each([['irc_'], ['_irc_']])('refuses a normal user a portal alias starting with %s (M_EXCLUSIVE)', async (prefix) => {
    const alice = await MatrixClient.register();
    const error = await alice.createRoom({ roomAliasName: `${prefix}${uniqueLocalpart('chan')}` }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(MatrixApiError);
    expect((error as MatrixApiError).errcode).toBe('M_EXCLUSIVE');
  });

  it('lets the appservice register a ghost in its namespace, without a device', async () => {
    const env = readE2eEnv();
    const localpart = `${GHOST_LOCALPART_PREFIX}e2e_${uniqueLocalpart('ghost')}`;
    const reply = await matrixRequest<{ user_id: string; access_token?: string }>(env.homeserver.url, 'POST', '/_matrix/client/v3/register', {
      accessToken: env.appservice.asToken,
      json: { type: 'm.login.application_service', username: localpart, inhibit_login: true },
    });
    expect(reply.user_id).toBe(userId(localpart));
    expect(reply.access_token).toBeUndefined();
  });

  it('refuses the appservice a user outside its namespace (M_EXCLUSIVE)', async () => {
    const env = readE2eEnv();
    const error = await matrixRequest(env.homeserver.url, 'POST', '/_matrix/client/v3/register', {
      accessToken: env.appservice.asToken,
      json: { type: 'm.login.application_service', username: uniqueLocalpart('notaghost'), inhibit_login: true },
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(MatrixApiError);
    expect((error as MatrixApiError).errcode).toBe('M_EXCLUSIVE');
  });
});
