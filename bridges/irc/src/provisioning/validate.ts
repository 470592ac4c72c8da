/**
 * Request bodies of the provisioning API: snake_case JSON at the boundary, typed camelCase
 * inside. All problems of a body are reported at once, naming the field and what it should be.
 */
import { isRoomId, isUserId, type RoomId, type UserId } from '@bridgekit/appservice';
import { isIrcNick, isNetworkId, type IrcNick, type NetworkId } from '../mapping';
import { ProvisioningError } from './errors';

export interface LinkRequest {
  roomId: RoomId;
  network: NetworkId;
  /** Checked against the network's CHANTYPES once the network is known. */
  channel: string;
  opNick: IrcNick;
  userId: UserId;
}

export type UnlinkRequest = Omit<LinkRequest, 'opNick'>;

interface Field<T> {
  name: string;
  check(value: string): value is string & T;
  expected: string;
}

const ROOM_ID: Field<RoomId> = { name: 'room_id', check: isRoomId, expected: 'a Matrix room ID such as !abc:example.org' };
const USER_ID: Field<UserId> = { name: 'user_id', check: isUserId, expected: 'a Matrix user ID such as @alice:example.org' };
const NETWORK: Field<NetworkId> = { name: 'network', check: isNetworkId, expected: 'a network name from the bridge config, e.g. libera' };
const CHANNEL: Field<string> = {
  name: 'channel',
  check: (v): v is string => v.length >= 2 && v.length <= 200 && !/[\x00-\x20,:\x7f]/.test(v),
  expected: 'an IRC channel such as #matrix (no spaces, commas or colons)',
};
const OP_NICK: Field<IrcNick> = { name: 'op_nick', check: isIrcNick, expected: 'the IRC nick of a channel operator' };

export function parseLinkRequest(body: unknown): LinkRequest {
  const read = reader(body);
  const request = { roomId: read(ROOM_ID), network: read(NETWORK), channel: read(CHANNEL), opNick: read(OP_NICK), userId: read(USER_ID) };
  read.done();
  return request as LinkRequest;
}

export function parseUnlinkRequest(body: unknown): UnlinkRequest {
  const read = reader(body);
  const request = { roomId: read(ROOM_ID), network: read(NETWORK), channel: read(CHANNEL), userId: read(USER_ID) };
  read.done();
  return request as UnlinkRequest;
}

export function parseRoomIdParam(value: unknown): RoomId {
  const read = reader({ room_id: value });
  const roomId = read(ROOM_ID);
  read.done();
  return roomId as RoomId;
}

/** Collects problems across fields; `done()` throws them all as one 400. */
function reader(body: unknown) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ProvisioningError('M_NOT_JSON', 'The request body must be a JSON object (Content-Type: application/json).');
  }
  const record = body as Record<string, unknown>;
  const missing: string[] = [];
  const invalid: string[] = [];
  const read = <T>(field: Field<T>): T | undefined => {
    const value = record[field.name];
    if (value === undefined || value === null || value === '') {
      missing.push(field.name);
      return undefined;
    }
    if (typeof value !== 'string' || !field.check(value)) {
      invalid.push(`${field.name} must be ${field.expected}`);
      return undefined;
    }
    return value;
  };
  read.done = () => {
    const problems = [...(missing.length ? [`missing ${missing.join(', ')}`] : []), ...invalid];
    if (problems.length === 0) return;
    throw new ProvisioningError(missing.length ? 'M_MISSING_PARAM' : 'M_INVALID_PARAM', `Bad request: ${problems.join('; ')}.`);
  };
  return read;
}
