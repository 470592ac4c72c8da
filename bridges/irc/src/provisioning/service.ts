/**
 * The rules of provisioning, apart from HTTP: who may link what, how many links a room may
 * have, and the order of checks (cheap and local first, then the homeserver, then IRC, then
 * the human operator).
 */
import type { Logger, RoomId } from '@bridgekit/appservice';
import { hasLevel, permissionLevel, type PermissionRules } from '../admin/permissions';
import { isIrcChannel, sameName, type IrcChannel, type NetworkId } from '../mapping';
import type { ApprovalBroker } from './approval';
import { ProvisioningError } from './errors';
import type { LinkedChannel, ProvisioningNetwork, ProvisioningOps } from './ops';
import type { LinkRequest, UnlinkRequest } from './validate';

export interface ProvisioningPolicy {
  /** `irc.provisioning.max_links_per_room`: channels one room may be linked to (waiting requests count). */
  maxLinksPerRoom: number;
  /** `irc.permissions`: the requesting user needs at least "user". */
  permissions: () => PermissionRules;
}

export class ProvisioningService {
  constructor(
    private readonly ops: ProvisioningOps,
    private readonly approvals: ApprovalBroker,
    private readonly policy: ProvisioningPolicy,
    private readonly log?: Logger,
  ) {}

  network(id: NetworkId): ProvisioningNetwork {
    const network = this.ops.network(id);
    if (!network) throw new ProvisioningError('M_NOT_FOUND', `The bridge has no network "${id}".`);
    return network;
  }

  links(roomId: RoomId): readonly LinkedChannel[] {
    return this.ops.channelsOfRoom(roomId);
  }

  /** Resolves once the op approved and the link is set up; throws a ProvisioningError otherwise. */
  async link(request: LinkRequest): Promise<LinkedChannel> {
    const network = this.network(request.network);
    const channel = this.channel(network, request.channel);
    this.checkUser(request);
    const refusal = network.channelRefusal(channel);
    if (refusal) throw new ProvisioningError('M_FORBIDDEN', refusal);
    this.checkRoomCanTake(request.roomId, network, channel, this.approvals.pendingForRoom(request.roomId));
    if (!network.connected) {
      throw new ProvisioningError('BK_NETWORK_UNAVAILABLE', `The bridge is not connected to ${network.name} right now; try again later.`);
    }
    await this.checkRoomPower(request);
    if (!(await this.ops.isChannelOperator(network.id, channel, request.opNick))) {
      throw new ProvisioningError('BK_NOT_CHANNEL_OPERATOR', `${request.opNick} is not an operator of ${channel} on ${network.name}; ask one of its ops.`);
    }
    const result = await this.approvals.request({ ...request, network: network.id, channel });
    if (result === 'denied') throw new ProvisioningError('BK_APPROVAL_DENIED', `${request.opNick} refused to bridge ${channel}.`);
    if (result === 'timeout') throw new ProvisioningError('BK_APPROVAL_TIMEOUT', `${request.opNick} did not answer in time; ask them to watch for a private message from the bridge and try again.`);
    // Time has passed while the op decided: the room may have been linked meanwhile.
    this.checkRoomCanTake(request.roomId, network, channel, 0);
    try {
      await this.ops.linkChannel(request.roomId, network.id, channel, { linkedBy: request.userId, approvedBy: request.opNick });
    } catch (error) {
      await this.rollBack(request.roomId, network.id, channel, error);
      throw new ProvisioningError('BK_LINK_FAILED', `The link was approved but could not be set up: ${messageOf(error)}`, { cause: error });
    }
    this.log?.info('Linked a room through provisioning', { room: request.roomId, network: network.id, channel, user: request.userId, op: request.opNick });
    return { roomId: request.roomId, network: network.id, channel, origin: 'provisioning' };
  }

  async unlink(request: UnlinkRequest): Promise<void> {
    const network = this.network(request.network);
    const channel = this.channel(network, request.channel);
    this.checkUser(request);
    const link = this.find(request.roomId, network, channel);
    if (!link) throw new ProvisioningError('M_NOT_FOUND', `${request.roomId} is not linked to ${channel} on ${network.name}.`);
    if (link.origin !== 'provisioning') {
      throw new ProvisioningError('BK_NOT_PROVISIONED', `This link was not made through provisioning (it is a ${link.origin} link), so it cannot be removed here.`);
    }
    await this.checkRoomPower(request);
    await this.ops.unlinkChannel(request.roomId, network.id, link.channel);
    this.log?.info('Unlinked a room through provisioning', { room: request.roomId, network: network.id, channel: link.channel, user: request.userId });
  }

  private channel(network: ProvisioningNetwork, name: string): IrcChannel {
    if (!isIrcChannel(name, network.chanTypes)) {
      throw new ProvisioningError('M_INVALID_PARAM', `Bad request: channel must start with one of "${network.chanTypes}" on ${network.name}.`);
    }
    return name;
  }

  private checkUser(request: { userId: LinkRequest['userId'] }): void {
    if (!hasLevel(permissionLevel(request.userId, this.policy.permissions()), 'user')) {
      throw new ProvisioningError('M_FORBIDDEN', `${request.userId} is not allowed to use this bridge (irc.permissions).`);
    }
  }

  private async checkRoomPower(request: { roomId: RoomId; userId: LinkRequest['userId'] }): Promise<void> {
    if (!(await this.ops.userMayLinkRoom(request.roomId, request.userId))) {
      throw new ProvisioningError(
        'M_FORBIDDEN',
        `${request.userId} may not change what ${request.roomId} is bridged to: it needs the power level to send state events there, and the bridge bot must be in the room (invite it first).`,
      );
    }
  }

  private checkRoomCanTake(roomId: RoomId, network: ProvisioningNetwork, channel: IrcChannel, waiting: number): void {
    if (this.find(roomId, network, channel)) {
      throw new ProvisioningError('BK_ALREADY_LINKED', `${roomId} is already linked to ${channel} on ${network.name}.`);
    }
    const count = this.ops.channelsOfRoom(roomId).length + waiting;
    if (count >= this.policy.maxLinksPerRoom) {
      throw new ProvisioningError('BK_LINK_LIMIT', `${roomId} already has ${count} link${count === 1 ? '' : 's'} (or requests waiting); the limit is ${this.policy.maxLinksPerRoom}.`);
    }
  }

  private find(roomId: RoomId, network: ProvisioningNetwork, channel: IrcChannel): LinkedChannel | undefined {
    return this.ops.channelsOfRoom(roomId).find((l) => l.network === network.id && sameName(l.channel, channel, network.casemapping));
  }

  private async rollBack(roomId: RoomId, network: NetworkId, channel: IrcChannel, cause: unknown): Promise<void> {
    this.log?.error('Setting up an approved link failed; removing it again', { room: roomId, network, channel, error: messageOf(cause) });
    try {
      await this.ops.unlinkChannel(roomId, network, channel);
    } catch (error) {
      this.log?.error('Could not remove a half-made link', { room: roomId, network, channel, error: messageOf(error) });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
