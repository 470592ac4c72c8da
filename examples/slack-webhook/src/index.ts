#!/usr/bin/env node
// Slack-compatible webhooks for Matrix rooms, written only against @bridgekit/appservice's public API.
// Incoming: POST {"text", "username"} (JSON, or a form with `payload=<json>`) to
// /_bridgekit/slack/hooks/<token>: the text appears in the room, said by a ghost named `username`.
// Outgoing: each message in the room is POSTed to `outgoing_url` as Slack's outgoing-webhook form.
import { timingSafeEqual } from 'node:crypto';
import {
  BridgeError, HttpError, Type, defineConfigSection, runCli, secretString, asRoomId,
  type BridgeContext, type Connector, type MessageEvent, type RouteReply, type RouteRequest, type SectionValue,
} from '@bridgekit/appservice';

const schema = Type.Object({
  room_id: Type.String({ pattern: '^!', expected: 'the bridged room\'s ID, e.g. "!abc:example.org"' }),
  incoming_token: secretString('secret part of the incoming webhook URL', { minLength: 16 }),
  outgoing_url: Type.Optional(Type.String({ pattern: '^https?://', expected: 'an http(s) URL' })),
  outgoing_token: Type.Optional(secretString('token sent with outgoing posts')),
}, { additionalProperties: false });
type Section = SectionValue<typeof schema>;
const section = defineConfigSection({ key: 'slack', schema });
interface Post { username: string; text: string }

export class SlackWebhookConnector implements Connector<Section> {
  readonly name = 'slack';
  readonly configSection = section;
  readonly ghostUserIds = { includeNetwork: false }; // @_slack_<username>: one network
  private ctx!: BridgeContext<Section>;
  private post!: (post: Post) => Promise<void>;

  async start(ctx: BridgeContext<Section>): Promise<void> {
    this.ctx = ctx;
    const room = asRoomId(ctx.section.roomId);
    await ctx.bot.join(room); // public, or the bot was invited: the homeserver then sends us the room's events
    // Journaled before the webhook is answered, then sent in the room's order with a stable txnId.
    const kind = ctx.outbox.define<Post>('post', async ({ payload, txnId }) => {
      const ghost = await ctx.ghosts.intentFor({ network: 'slack', remoteId: payload.username, profile: { displayName: payload.username } });
      await ghost.sendMessage(room, { msgtype: 'm.text', body: payload.text }, { txnId });
    });
    this.post = (post) => kind.enqueue(room, post);
    ctx.routes.add({ method: 'POST', path: '/slack/hooks/:token', auth: 'none', body: ['json', 'form'], handler: (req) => this.incoming(req) });
  }

  async stop(): Promise<void> {}

  private async incoming(req: RouteRequest<'json' | 'form'>): Promise<RouteReply> {
    const given = Buffer.from(req.params.token ?? ''), expected = Buffer.from(this.ctx.section.incomingToken);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpError(404, 'M_NOT_FOUND', 'No such webhook');
    const body = req.bodyKind === 'form' ? parseJson(req.body.payload) : req.body;
    const { text, username } = (body ?? {}) as { text?: unknown; username?: unknown };
    if (typeof text !== 'string' || !text.trim()) throw new HttpError(400, 'M_BAD_JSON', 'A webhook needs a non-empty "text"');
    await this.post({ username: typeof username === 'string' && username.trim() ? username.trim() : 'webhook', text });
    return { text: 'ok' };
  }

  /** A message in the room goes out as Slack's outgoing-webhook form. */
  async onMessage(event: MessageEvent): Promise<void> {
    const { roomId, outgoingUrl, outgoingToken } = this.ctx.section;
    if (event.roomId !== roomId || !outgoingUrl) return;
    const form = new URLSearchParams({
      token: outgoingToken ?? '', channel_id: roomId, timestamp: String(event.originServerTs / 1000),
      user_id: event.sender, user_name: (await this.ctx.members.displayName(event.roomId, event.sender).catch(() => undefined)) ?? event.sender, text: event.body,
    });
    const res = await fetch(outgoingUrl, { method: 'POST', body: form, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new BridgeError('REMOTE_UNAVAILABLE', `${outgoingUrl} answered ${res.status}`, { retriable: res.status >= 500 });
  }
}

function parseJson(text: string | undefined): unknown {
  try { return JSON.parse(text ?? ''); } catch { throw new HttpError(400, 'M_NOT_JSON', '"payload" must be JSON'); }
}

if (require.main === module) {
  runCli({
    name: 'slack-webhook',
    configSections: [section],
    createConnector: () => new SlackWebhookConnector(),
    registrationDefaults: () => ({ senderLocalpart: 'slackbot', userPrefix: '_slack_' }),
  }).then((code) => process.exit(code));
}
