import type { Request, RequestHandler, Response, Router } from 'express';
import type { ThirdPartyLocation, ThirdPartyProtocol, ThirdPartyProvider, ThirdPartyUser } from '../connector';
import { asRoomAlias, asUserId } from '../ids';
import { parseParam, sendError } from './respond';
import { endpoint, param, queryFields } from './routing';

/**
 * `/thirdparty/*` lookups. The spec answers "nothing found" with 404, so an absent provider, an
 * unknown protocol, a lookup the provider does not implement and an empty result all give 404
 * `M_NOT_FOUND` (Synapse treats any of them as "no results").
 */
export function thirdPartyRoutes(router: Router, auth: RequestHandler, provider: ThirdPartyProvider | undefined): void {
  endpoint(router, '/thirdparty/protocol/:protocol', 'thirdparty_protocol', {
    get: [auth, (req: Request, res: Response) => {
      const protocol = param(req, 'protocol');
      const metadata = provider?.protocols[protocol];
      if (metadata) res.status(200).json(protocolToWire(metadata));
      else sendError(res, 404, 'M_NOT_FOUND', `The bridge does not support protocol ${JSON.stringify(protocol)}`);
    }],
  });

  endpoint(router, '/thirdparty/location/:protocol', 'thirdparty_location', {
    get: [auth, async (req: Request, res: Response) => {
      const protocol = param(req, 'protocol');
      const lookup = provider?.protocols[protocol] ? provider.locations?.bind(provider) : undefined;
      answer(res, lookup && (await lookup(protocol, queryFields(req))).map(locationToWire));
    }],
  });

  endpoint(router, '/thirdparty/user/:protocol', 'thirdparty_user', {
    get: [auth, async (req: Request, res: Response) => {
      const protocol = param(req, 'protocol');
      const lookup = provider?.protocols[protocol] ? provider.users?.bind(provider) : undefined;
      answer(res, lookup && (await lookup(protocol, queryFields(req))).map(userToWire));
    }],
  });

  endpoint(router, '/thirdparty/location', 'thirdparty_location_by_alias', {
    get: [auth, async (req: Request, res: Response) => {
      const alias = parseParam(asRoomAlias, queryFields(req).alias, 'alias');
      answer(res, provider?.locationsByAlias && (await provider.locationsByAlias(alias)).map(locationToWire));
    }],
  });

  endpoint(router, '/thirdparty/user', 'thirdparty_user_by_id', {
    get: [auth, async (req: Request, res: Response) => {
      const userId = parseParam(asUserId, queryFields(req).userid, 'userid');
      answer(res, provider?.usersByUserId && (await provider.usersByUserId(userId)).map(userToWire));
    }],
  });
}

/** The spec's snake_case shapes, made here and nowhere else. */
function protocolToWire(p: ThirdPartyProtocol): Record<string, unknown> {
  return {
    user_fields: p.userFields,
    location_fields: p.locationFields,
    field_types: p.fieldTypes,
    instances: p.instances.map((i) => ({ network_id: i.networkId, desc: i.desc, fields: i.fields, ...(i.icon !== undefined ? { icon: i.icon } : {}) })),
    ...(p.icon !== undefined ? { icon: p.icon } : {}),
  };
}

function locationToWire(l: ThirdPartyLocation): Record<string, unknown> {
  return { alias: l.alias, protocol: l.protocol, fields: l.fields };
}

function userToWire(u: ThirdPartyUser): Record<string, unknown> {
  return { userid: u.userId, protocol: u.protocol, fields: u.fields };
}

function answer(res: Response, results: Array<Record<string, unknown>> | undefined): void {
  if (results && results.length > 0) res.status(200).json(results);
  else sendError(res, 404, 'M_NOT_FOUND', 'No mappings found');
}
