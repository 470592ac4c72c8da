/**
 * The provisioning HTTP API, for integration managers. It has its own listener (bind address and
 * port from `irc.provisioning`) so it can stay off the network the homeserver talks to.
 *
 *   POST /_bridgekit/provision/v1/link     {room_id, network, channel, op_nick, user_id}
 *        → waits for the channel operator's answer on IRC, then 200 {room_id, network, channel, origin}
 *   POST /_bridgekit/provision/v1/unlink   {room_id, network, channel, user_id} → 200 {}
 *   GET  /_bridgekit/provision/v1/links?room_id=!r:hs → 200 {room_id, links: [{network, channel, origin}]}
 *   GET  /_bridgekit/provision/v1/network/:network  → 200 {id, name, connected, channel_types}
 *
 * Every request needs `Authorization: Bearer <secret>`. Errors are JSON `{errcode, error}`.
 * A link request can take minutes (the op has to answer); a client that gives up early does
 * not cancel it.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@bridgekit/appservice';
import { isNetworkId } from '../mapping';
import { bearerAuth } from './auth';
import { ProvisioningError, sendError } from './errors';
import type { LinkedChannel } from './ops';
import type { ProvisioningService } from './service';
import { parseLinkRequest, parseRoomIdParam, parseUnlinkRequest } from './validate';

export const PROVISIONING_PREFIX = '/_bridgekit/provision/v1';

export interface ProvisioningAppOptions {
  secret: string;
  service: ProvisioningService;
  log?: Logger;
  /** The bridge's registry (BridgeContext.metrics). */
  metrics?: Registry;
}

type Route = 'link' | 'unlink' | 'links' | 'network' | 'other';

/** An express app that is not listening yet (see `listenProvisioning`). */
export function createProvisioningApp(options: ProvisioningAppOptions): express.Express {
  const { service, log } = options;
  const requests = options.metrics
    ? new Counter({
        name: 'bridgekit_irc_provisioning_requests_total',
        help: 'Provisioning API requests, by route and HTTP status',
        labelNames: ['route', 'status'] as const,
        registers: [options.metrics],
      })
    : undefined;

  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.on('finish', () => requests?.inc({ route: routeOf(req), status: String(res.statusCode) }));
    next();
  });

  const api = express.Router();
  api.use(bearerAuth(options.secret));
  api.use(express.json({ limit: '16kb' }));

  api.post('/link', async (req, res) => {
    const link = await service.link(parseLinkRequest(req.body));
    res.json(linkJson(link));
  });

  api.post('/unlink', async (req, res) => {
    await service.unlink(parseUnlinkRequest(req.body));
    res.json({});
  });

  api.get('/links', (req, res) => {
    const roomId = parseRoomIdParam(req.query.room_id);
    res.json({ room_id: roomId, links: service.links(roomId).map(linkJson) });
  });

  api.get('/network/:network', (req, res) => {
    const id = String(req.params.network);
    if (!isNetworkId(id)) throw new ProvisioningError('M_INVALID_PARAM', 'Bad request: network must be a network name from the bridge config, e.g. libera.');
    const network = service.network(id);
    res.json({ id: network.id, name: network.name, connected: network.connected, channel_types: [...network.chanTypes] });
  });

  app.use(PROVISIONING_PREFIX, api);
  app.use((_req, res) => sendError(res, new ProvisioningError('M_UNRECOGNIZED', 'Unknown provisioning endpoint.')));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ProvisioningError) return sendError(res, error);
    const bodyError = error as { type?: unknown; status?: unknown };
    if (bodyError.type === 'entity.parse.failed') {
      return sendError(res, new ProvisioningError('M_NOT_JSON', 'The request body is not valid JSON.'));
    }
    if (bodyError.type === 'entity.too.large') {
      return sendError(res, new ProvisioningError('M_TOO_LARGE', 'The request body is larger than 16 KiB.'));
    }
    log?.error('Provisioning request failed', { route: routeOf(req), error: error instanceof Error ? error.message : String(error) });
    return sendError(res, new ProvisioningError('M_UNKNOWN', 'Internal error in the bridge; the bridge log has the details.'));
  });
  return app;
}

function linkJson(link: LinkedChannel) {
  return { room_id: link.roomId, network: link.network, channel: link.channel, origin: link.origin };
}

function routeOf(req: Request): Route {
  const path = req.originalUrl.split('?')[0] ?? '';
  if (!path.startsWith(`${PROVISIONING_PREFIX}/`)) return 'other';
  const rest = path.slice(PROVISIONING_PREFIX.length + 1);
  if (rest === 'link' || rest === 'unlink' || rest === 'links') return rest;
  return rest.startsWith('network/') ? 'network' : 'other';
}
