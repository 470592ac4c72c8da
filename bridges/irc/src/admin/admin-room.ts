/**
 * The admin room: a direct chat between a Matrix user and the bridge bot. A user opens one by
 * inviting the bot to a DM (`is_direct`); the bot joins, remembers the room with its owner and
 * answers the owner's "!" messages there as m.notice. When the owner leaves, the bot leaves and
 * forgets the room. The connector hands every event to `handleEvent` first; `true` means the
 * event belonged to an admin room (or was a DM invite) and needs nothing else.
 */
import type { EventId, KeyValueRepository, Logger, MatrixEvent, RoomId, UserId } from '@bridgekit/appservice';
import type { AdminMatrixOps } from './ops';
import { permissionLevel, type PermissionLevel, type PermissionRules } from './permissions';
import { CommandRegistry } from './registry';

export interface AdminRoomOptions {
  matrix: AdminMatrixOps;
  registry: CommandRegistry;
  /** Where admin rooms are remembered (BridgeContext.store.kv). */
  kv: KeyValueRepository;
  /** `irc.permissions`, read on every event so a config reload applies at once. */
  permissions: () => PermissionRules;
  log?: Logger;
}

interface AdminRoomRecord {
  owner: UserId;
}

const KEY_PREFIX = 'irc.admin-room/';
const GREETING =
  'Hello! This is your admin room for the IRC bridge: send commands here, starting with "!". Say !help for the list.';
/** Why the bot removes a command that may carry a password (!storepass, !cmd, !autocmd). */
export const REDACTION_REASON = 'Removed by the bridge: this command may hold a password';
const HINT = 'This room takes commands for the IRC bridge; they start with "!". Say !help for the list.';

export class AdminRooms {
  constructor(private readonly options: AdminRoomOptions) {}

  /** The owner of an admin room, or undefined when `roomId` is not one. */
  async ownerOf(roomId: RoomId): Promise<UserId | undefined> {
    return (await this.options.kv.get<AdminRoomRecord>(KEY_PREFIX + roomId))?.owner;
  }

  /** The admin rooms of a user (normally one; a user may open several DMs with the bot). */
  async roomsOf(userId: UserId): Promise<RoomId[]> {
    const rooms: RoomId[] = [];
    for (const key of await this.options.kv.keys(KEY_PREFIX)) {
      if ((await this.options.kv.get<AdminRoomRecord>(key))?.owner === userId) rooms.push(key.slice(KEY_PREFIX.length) as RoomId);
    }
    return rooms;
  }

  async handleEvent(event: MatrixEvent): Promise<boolean> {
    const { matrix } = this.options;
    if (event.type === 'm.room.member' && event.stateKey === matrix.botUserId && event.content.membership === 'invite') {
      if (event.content.is_direct !== true) return false;
      await this.onDirectInvite(event.roomId, event.sender);
      return true;
    }
    const owner = await this.ownerOf(event.roomId);
    if (owner === undefined) return false;
    if (event.type === 'm.room.member') {
      const left = event.content.membership === 'leave' || event.content.membership === 'ban';
      if (left && (event.stateKey === owner || event.stateKey === matrix.botUserId)) await this.close(event.roomId, owner);
      return true;
    }
    if (event.type === 'm.room.message' && event.sender === owner) await this.onMessage(event, owner);
    return true;
  }

  private async onDirectInvite(roomId: RoomId, inviter: UserId): Promise<void> {
    const { matrix, kv, log } = this.options;
    if (this.levelOf(inviter) === 'none') {
      // Declining is the answer: the config does not let this user use the bridge.
      log?.info('Declined an admin-room invite from a user without permission', { user: inviter, room: roomId });
      await matrix.leave(roomId);
      return;
    }
    await matrix.join(roomId);
    await kv.set(KEY_PREFIX + roomId, { owner: inviter } satisfies AdminRoomRecord);
    log?.info('Opened an admin room', { user: inviter, room: roomId });
    await matrix.sendNotice(roomId, GREETING);
  }

  private async close(roomId: RoomId, owner: UserId): Promise<void> {
    await this.options.kv.delete(KEY_PREFIX + roomId);
    this.options.log?.info('Closed an admin room', { user: owner, room: roomId });
    await this.options.matrix.leave(roomId).catch((error: unknown) => {
      // The bot may have been kicked already; the room is forgotten either way.
      this.options.log?.warn('Could not leave a closed admin room', { room: roomId, error: error instanceof Error ? error.message : String(error) });
    });
  }

  private async onMessage(event: MatrixEvent, owner: UserId): Promise<void> {
    const { matrix, registry } = this.options;
    const content = event.content as { msgtype?: unknown; body?: unknown; 'm.relates_to'?: { rel_type?: unknown } };
    // Edits repeat an old command with "* " in front; running them again would surprise.
    if (content['m.relates_to']?.rel_type === 'm.replace') return;
    if (content.msgtype !== 'm.text' || typeof content.body !== 'string') return;
    if (!CommandRegistry.isCommand(content.body)) {
      await matrix.sendNotice(event.roomId, HINT);
      return;
    }
    const outcome = await registry.execute(
      {
        userId: owner,
        roomId: event.roomId,
        level: this.levelOf(owner),
        reply: async (text) => {
          await matrix.sendNotice(event.roomId, text);
        },
      },
      content.body,
    );
    // Redact first: the password must leave the room's history even if the answer cannot be sent.
    if (outcome.sensitive) await this.redact(event.roomId, event.eventId);
    await matrix.sendNotice(event.roomId, outcome.reply);
  }

  private async redact(roomId: RoomId, eventId: EventId): Promise<void> {
    try {
      await this.options.matrix.redact(roomId, eventId, REDACTION_REASON);
    } catch (error) {
      this.options.log?.error('Could not redact a message holding a password', { room: roomId, event: eventId, error: error instanceof Error ? error.message : String(error) });
      await this.options.matrix.sendNotice(roomId, 'I could not remove your message with the password from this room: please delete it yourself.');
    }
  }

  private levelOf(userId: UserId): PermissionLevel {
    return permissionLevel(userId, this.options.permissions());
  }
}
