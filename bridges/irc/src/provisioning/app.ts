/**
 * The provisioning HTTP API, for integration managers: routes on the bridge's listener (or on a
 * port of their own, `irc.provisioning.port`), behind the bearer secret `irc.provisioning.secret`.
 *
 *   POST /_bridgekit/provision/v1/link     {room_id, network, channel, op_nick, user_id}
 *        → waits for the channel operator's answer on IRC, then 200 {room_id, network, channel, origin}
 *   POST /_bridgekit/provision/v1/unlink   {room_id, network, channel, user_id} → 200 {}
 *   GET  /_bridgekit/provision/v1/links?room_id=!r:hs → 200 {room_id, links: [{network, channel, origin}]}
 *   GET  /_bridgekit/provision/v1/network/:network  → 200 {id, name, connected, channel_types}
 *
 * Errors are JSON `{errcode, error}` (`ProvisioningError`, answered by the core). A link request
 * can take minutes (the op has to answer); a client that gives up early does not cancel it.
 */
import { ROUTE_PREFIX, type RouteRegistry } from '@bridgekit/appservice';
import { isNetworkId } from '../mapping';
import { ProvisioningError } from './errors';
import type { LinkedChannel } from './ops';
import type { ProvisioningService } from './service';
import { parseLinkRequest, parseRoomIdParam, parseUnlinkRequest } from './validate';

/** The API's path below the core's route prefix. */
export const PROVISIONING_PATH = '/provision/v1';
export const PROVISIONING_PREFIX = `${ROUTE_PREFIX}${PROVISIONING_PATH}`;
/** A link request is a handful of short fields. */
const MAX_BODY_BYTES = 16 * 1024;

export interface ProvisioningRoutesOptions {
  secret: string;
  service: ProvisioningService;
  /** A listener declared with `routes.listener`; default: the appservice listener. */
  listener?: string | undefined;
}

export function addProvisioningRoutes(routes: RouteRegistry, options: ProvisioningRoutesOptions): void {
  const { service } = options;
  if (options.secret.length === 0) throw new TypeError('The provisioning API needs a secret (irc.provisioning.secret).');
  const common = {
    auth: { bearer: options.secret, hint: 'irc.provisioning.secret' },
    maxBytes: MAX_BODY_BYTES,
    ...(options.listener ? { listener: options.listener } : {}),
  };

  routes.add({
    ...common, method: 'POST', path: `${PROVISIONING_PATH}/link`, body: 'json',
    handler: async (req) => ({ json: linkJson(await service.link(parseLinkRequest(req.body))) }),
  });

  routes.add({
    ...common, method: 'POST', path: `${PROVISIONING_PATH}/unlink`, body: 'json',
    handler: async (req) => {
      await service.unlink(parseUnlinkRequest(req.body));
      return { json: {} };
    },
  });

  routes.add({
    ...common, method: 'GET', path: `${PROVISIONING_PATH}/links`, body: 'none',
    handler: (req) => {
      const roomId = parseRoomIdParam(req.query.room_id);
      return { json: { room_id: roomId, links: service.links(roomId).map(linkJson) } };
    },
  });

  routes.add({
    ...common, method: 'GET', path: `${PROVISIONING_PATH}/network/:network`, body: 'none',
    handler: (req) => {
      const id = req.params.network ?? '';
      if (!isNetworkId(id)) throw new ProvisioningError('M_INVALID_PARAM', 'Bad request: network must be a network name from the bridge config, e.g. libera.');
      const network = service.network(id);
      return { json: { id: network.id, name: network.name, connected: network.connected, channel_types: [...network.chanTypes] } };
    },
  });
}

function linkJson(link: LinkedChannel) {
  return { room_id: link.roomId, network: link.network, channel: link.channel, origin: link.origin };
}
