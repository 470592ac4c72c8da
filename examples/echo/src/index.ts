#!/usr/bin/env node
// A complete bridge in under 80 lines, written only against @bridgekit/appservice's public API.
// Its "remote network" is an echo: every message said in a portal room comes back from a ghost.
// Join `#echo_anything:<your server>` to get a portal. Run: node dist/index.js run --config config.yaml
import {
  runCli, localpartOf, type BridgeContext, type Connector, type MatrixEvent, type RoomAlias,
} from '@bridgekit/appservice';

const GHOST_PREFIX = '_echo_';
const ALIAS_PREFIX = 'echo_';

export class EchoConnector implements Connector {
  readonly name = 'echo';
  /** One network: ghosts are `@_echo_<escaped sender>`. */
  readonly ghostUserIds = { includeNetwork: false };
  private ctx!: BridgeContext;

  async start(ctx: BridgeContext): Promise<void> {
    this.ctx = ctx;
  }

  async stop(): Promise<void> {}

  /** The homeserver asks about `#echo_<topic>`: create the portal room with that alias. */
  async onAliasQuery(alias: RoomAlias): Promise<boolean> {
    const topic = localpartOf(alias).slice(ALIAS_PREFIX.length);
    if (!topic) return false;
    await this.ctx.portals.create({
      network: 'echo', remoteId: topic, kind: 'channel', alias: localpartOf(alias), name: `Echo: ${topic}`, bridgeInfo: { protocol: { id: 'echo' } },
    });
    return true;
  }

  /** Any user in our namespace exists on the echo network. */
  async onUserQuery(): Promise<boolean> {
    return true;
  }

  async onMatrixEvent(event: MatrixEvent): Promise<void> {
    if (event.type !== 'm.room.message' || typeof event.content.body !== 'string') return;
    if ((await this.ctx.portals.byRoom(event.roomId)).length === 0) return; // not a portal
    // The sender's echo: a ghost escaped and named by the core (its profile set only when it changes).
    const ghost = await this.ctx.ghosts.intentFor({ network: 'echo', remoteId: event.sender, profile: { displayName: `Echo of ${event.sender}` } });
    const sent = await ghost.sendMessage(event.roomId, { msgtype: 'm.notice', body: event.content.body });
    await this.ctx.store.messages.put({ roomId: event.roomId, eventId: sent, network: 'echo', remoteId: event.eventId });
  }
}

if (require.main === module) {
  runCli({
    name: 'echo',
    createConnector: () => new EchoConnector(),
    registrationDefaults: () => ({ senderLocalpart: 'echobot', userPrefix: GHOST_PREFIX, aliasPrefix: ALIAS_PREFIX }),
  }).then((code) => process.exit(code));
}
