/** Third-party lookups through Synapse's client API: the `irc` protocol, its network, channels and nicks. */
import { bridgeForThisFile, channelScene, ghostUserId, matrixUser, portalAlias, uniqueChannel } from './harness/irc-bridge';
import { readE2eEnv } from './harness/env';
import { IRC_NETWORK_ID } from './harness/namespaces';

bridgeForThisFile();

interface Location { alias: string; protocol: string; fields: Record<string, string> }
interface User { userid: string; protocol: string; fields: Record<string, string> }

const q = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('third-party lookups via Synapse', () => {
  it('/thirdparty/protocols lists irc with its fields and one instance for the network', async () => {
    const { client } = await matrixUser();
    const protocols = await client.request<Record<string, Record<string, unknown>>>('GET', '/_matrix/client/v3/thirdparty/protocols');
    expect(protocols.irc).toMatchObject({
      user_fields: ['network', 'nickname'],
      location_fields: ['network', 'channel'],
      field_types: {
        network: { regexp: expect.any(String), placeholder: IRC_NETWORK_ID },
        channel: { regexp: expect.any(String), placeholder: '#matrix' },
        nickname: { regexp: expect.any(String), placeholder: 'alice' },
      },
    });
    expect(protocols.irc!.instances).toContainEqual({
      network_id: IRC_NETWORK_ID, desc: 'E2E IRC', fields: { network: IRC_NETWORK_ID }, instance_id: expect.any(String),
    });
    expect(protocols.irc).not.toHaveProperty('icon');
  });

  it('/thirdparty/location/irc finds a bridged channel\'s portal alias, and for a new channel the alias that opens its portal', async () => {
    const s = await channelScene('tp');
    const found = await s.alice.client.request<Location[]>('GET', `/_matrix/client/v3/thirdparty/location/irc?${q({ network: IRC_NETWORK_ID, channel: s.channel })}`);
    expect(found).toEqual([{ alias: portalAlias(s.channel), protocol: 'irc', fields: { network: IRC_NETWORK_ID, channel: s.channel } }]);

    const fresh = uniqueChannel('tpnew');
    const [offered] = await s.alice.client.request<Location[]>('GET', `/_matrix/client/v3/thirdparty/location/irc?${q({ network: IRC_NETWORK_ID, channel: fresh })}`);
    expect(offered?.alias).toBe(portalAlias(fresh));
    await expect(s.alice.client.joinRoom(offered!.alias)).resolves.toMatch(/^!/);
  });

  it('/thirdparty/user/irc finds an IRC user\'s ghost', async () => {
    const s = await channelScene('tpu');
    const found = await s.alice.client.request<User[]>('GET', `/_matrix/client/v3/thirdparty/user/irc?${q({ network: IRC_NETWORK_ID, nickname: s.carol.nick })}`);
    expect(found).toEqual([{ userid: ghostUserId(s.carol.nick), protocol: 'irc', fields: { network: IRC_NETWORK_ID, nickname: s.carol.nick } }]);
  });

  // Synapse 1.163 answers the reverse lookups (no protocol in the path) with [] itself, asking no
  // appservice (synapse/handlers/appservice.py query_3pe looks services up by protocol). So they
  // are asked here the way a homeserver that forwards them would: on the bridge's AS API with hs_token.
  it('the reverse lookups on the running bridge\'s AS API: a portal alias → its channel, a ghost → its nick', async () => {
    const s = await channelScene('tpr');
    const { appservice } = readE2eEnv();
    const ask = async <T>(path: string): Promise<T> => {
      const response = await fetch(`http://127.0.0.1:${appservice.port}/_matrix/app/v1${path}`, { headers: { authorization: `Bearer ${appservice.hsToken}` } });
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    };
    await expect(ask<Location[]>(`/thirdparty/location?${q({ alias: portalAlias(s.channel) })}`)).resolves.toEqual([
      { alias: portalAlias(s.channel), protocol: 'irc', fields: { network: IRC_NETWORK_ID, channel: s.channel } },
    ]);
    await expect(ask<User[]>(`/thirdparty/user?${q({ userid: ghostUserId(s.carol.nick) })}`)).resolves.toEqual([
      { userid: ghostUserId(s.carol.nick), protocol: 'irc', fields: { network: IRC_NETWORK_ID, nickname: s.carol.nick } },
    ]);
    await expect(ask<User[]>(`/thirdparty/user?${q({ userid: s.alice.client.userId })}`)).resolves.toEqual([
      { userid: s.alice.client.userId, protocol: 'irc', fields: { network: IRC_NETWORK_ID, nickname: s.alice.nick } },
    ]);
  });
});
