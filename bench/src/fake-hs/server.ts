/**
 * A fast in-process fake homeserver: plain node:http, just the client-server endpoints the
 * bridge calls, each answered from the in-memory model in microseconds. It records what the
 * bridge sends (with monotonic receive times) and pushes every resulting event back to the
 * bridge through the Synapse-like pusher, the echo of the bridge's own events included.
 * Anything it does not know is answered 404 M_UNRECOGNIZED and listed in `unexpected`.
 */
import http from 'node:http';
import { nowMs } from '../time';
import { TransactionPusher, type WireEvent } from './pusher';
import { MatrixModel } from './rooms';

export interface SentMessage {
  /** When the request arrived (monotonic ms). */
  at: number;
  roomId: string;
  sender: string;
  type: string;
  body: string;
}

export interface FakeHomeserverOptions {
  domain: string;
  asToken: string;
  hsToken: string;
  botUserId: string;
  /** Push the bridge's own events back to it, as Synapse does (default true; false only for the no-echo experiment). */
  echo?: boolean;
  /** Answer each message send this much later, like a homeserver that takes time to persist (default 0). */
  sendDelayMs?: number;
}

type Reply = [status: number, body: unknown];
type Handler = (m: RegExpExecArray, user: string, body: Record<string, unknown>) => Reply | Promise<Reply>;

const C = '/_matrix/client/v3';
const MAX_UNEXPECTED = 50;

export class FakeHomeserver {
  readonly model: MatrixModel;
  readonly pusher = new TransactionPusher();
  readonly messages: SentMessage[] = [];
  readonly requests = new Map<string, number>();
  readonly unexpected: string[] = [];
  private readonly messageListeners = new Set<(m: SentMessage) => void>();
  private readonly sendTxns = new Map<string, string>();
  private readonly routes: Array<{ method: string; name: string; pattern: RegExp; handle: Handler }> = [];
  private readonly server: http.Server;
  private bridgePort = 0;
  port = 0;

  constructor(private readonly options: FakeHomeserverOptions) {
    this.model = new MatrixModel(options.domain);
    this.server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => this.onRequest(req, res));
    this.defineRoutes();
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setBridge(port: number): void {
    this.bridgePort = port;
    this.pusher.setTarget(port, this.options.hsToken);
  }

  onMessage(listener: (m: SentMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** A real Matrix user joins a room (pushed to the bridge like any event). */
  userJoins(roomId: string, userId: string, displayname: string): WireEvent {
    this.model.registered.add(userId);
    this.model.profiles.set(userId, { displayname });
    const event = this.model.setMembership(roomId, userId, userId, 'join', displayname);
    this.pusher.push(event);
    return event;
  }

  /** A real Matrix user leaves a room (pushed to the bridge like any event). */
  userLeaves(roomId: string, userId: string): WireEvent {
    const event = this.model.setMembership(roomId, userId, userId, 'leave');
    this.pusher.push(event);
    return event;
  }

  /** A real Matrix user says something in a room. */
  userSays(roomId: string, userId: string, body: string): WireEvent {
    const event = this.model.event(roomId, userId, 'm.room.message', { msgtype: 'm.text', body });
    this.pusher.push(event);
    return event;
  }

  async close(): Promise<void> {
    this.pusher.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(method: string, name: string, path: string, handle: Handler): void {
    // `{x}` matches one URL-encoded path segment.
    this.routes.push({ method, name, pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '([^/]*)')}$`), handle });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const at = nowMs();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.headers.authorization !== `Bearer ${this.options.asToken}`) return answer(401, { errcode: 'M_UNKNOWN_TOKEN', error: 'bad as_token' });
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const user = (q === -1 ? null : new URLSearchParams(url.slice(q + 1)).get('user_id')) ?? this.options.botUserId;
      let body: Record<string, unknown> = {};
      try {
        if (chunks.length) body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        body = {};
      }
      for (const r of this.routes) {
        if (r.method !== req.method) continue;
        const m = r.pattern.exec(path);
        if (!m) continue;
        this.requests.set(r.name, (this.requests.get(r.name) ?? 0) + 1);
        Promise.resolve(r.handle(m, user, body)).then(([status, reply]) => {
          if (r.name === 'send' && status === 200) this.recordMessage(at, m, user, body);
          answer(status, reply);
        }, (error: Error) => answer(500, { errcode: 'M_UNKNOWN', error: error.message }));
        return;
      }
      if (this.unexpected.length < MAX_UNEXPECTED) this.unexpected.push(`${req.method} ${path}`);
      answer(404, { errcode: 'M_UNRECOGNIZED', error: 'not in the fake homeserver' });
    });
  }

  private recordMessage(at: number, m: RegExpExecArray, sender: string, content: Record<string, unknown>): void {
    const message: SentMessage = { at, roomId: decodeURIComponent(m[1]!), sender, type: decodeURIComponent(m[2]!), body: String(content.body ?? '') };
    this.messages.push(message);
    for (const listener of this.messageListeners) listener(message);
  }

  /** Creates the event, pushes it to the bridge (echo), and answers its ID. */
  private emit(event: WireEvent): Reply {
    this.echo(event);
    return [200, { event_id: event.event_id }];
  }

  /** An event the bridge caused: pushed back to it, like every event in its rooms. */
  private echo(event: WireEvent): void {
    if (this.options.echo !== false) this.pusher.push(event);
  }

  private defineRoutes(): void {
    const model = this.model;
    const d = decodeURIComponent;
    this.route('GET', 'versions', '/_matrix/client/versions', () => [200, { versions: ['v1.1', 'v1.5', 'v1.11', 'v1.12'], unstable_features: {} }]);
    this.route('GET', 'whoami', `${C}/account/whoami`, (_m, user) => [200, { user_id: user }]);
    this.route('POST', 'ping', '/_matrix/client/v1/appservice/{id}/ping', (_m, _u, body) => this.pingBridge(body.transaction_id));
    this.route('POST', 'register', `${C}/register`, (_m, _u, body) => {
      const userId = `@${String(body.username)}:${model.domain}`;
      if (model.registered.has(userId)) return [400, { errcode: 'M_USER_IN_USE', error: 'taken' }];
      model.registered.add(userId);
      return [200, { user_id: userId }];
    });
    this.route('POST', 'join', `${C}/join/{room}`, (m, user) => {
      const target = d(m[1]!);
      const roomId = target.startsWith('#') ? model.aliases.get(target) : target;
      if (!roomId) return [404, { errcode: 'M_NOT_FOUND', error: 'no such alias' }];
      if (!model.isJoined(roomId, user)) this.echo(model.setMembership(roomId, user, user, 'join'));
      return [200, { room_id: roomId }];
    });
    for (const action of ['leave', 'invite', 'kick', 'ban', 'unban'] as const) {
      this.route('POST', action, `${C}/rooms/{room}/${action}`, (m, user, body) => {
        const target = action === 'leave' ? user : String(body.user_id);
        const membership = { leave: 'leave', invite: 'invite', kick: 'leave', ban: 'ban', unban: 'leave' }[action];
        this.echo(model.setMembership(d(m[1]!), user, target, membership));
        return [200, {}];
      });
    }
    this.route('PUT', 'send', `${C}/rooms/{room}/send/{type}/{txn}`, (m, user, body) => {
      // Idempotent per (user, txnId), as the spec requires.
      const key = `${user}\u0000${m[3]}`;
      const seen = this.sendTxns.get(key);
      if (seen) return [200, { event_id: seen }];
      const reply = this.emit(model.event(d(m[1]!), user, d(m[2]!), body));
      this.sendTxns.set(key, (reply[1] as { event_id: string }).event_id);
      const delay = this.options.sendDelayMs ?? 0;
      return delay > 0 ? new Promise<Reply>((resolve) => setTimeout(() => resolve(reply), delay)) : reply;
    });
    this.route('PUT', 'state', `${C}/rooms/{room}/state/{type}/{key}`, (m, user, body) => this.emit(model.setState(d(m[1]!), user, d(m[2]!), d(m[3]!), body)));
    this.route('PUT', 'state', `${C}/rooms/{room}/state/{type}`, (m, user, body) => this.emit(model.setState(d(m[1]!), user, d(m[2]!), '', body)));
    this.route('GET', 'get_state', `${C}/rooms/{room}/state/{type}/{key}`, (m) => {
      const content = model.getState(d(m[1]!), d(m[2]!), d(m[3]!));
      return content ? [200, content] : [404, { errcode: 'M_NOT_FOUND', error: 'no such state' }];
    });
    this.route('PUT', 'redact', `${C}/rooms/{room}/redact/{event}/{txn}`, (m, user, body) => this.emit(model.event(d(m[1]!), user, 'm.room.redaction', { ...body, redacts: d(m[2]!) })));
    this.route('PUT', 'typing', `${C}/rooms/{room}/typing/{user}`, () => [200, {}]);
    this.route('GET', 'joined_rooms', `${C}/joined_rooms`, (_m, user) => [200, { joined_rooms: model.joinedRooms(user) }]);
    this.route('GET', 'room_state', `${C}/rooms/{room}/state`, (m) => [200, model.stateOf(d(m[1]!))]);
    this.route('GET', 'members', `${C}/rooms/{room}/members`, (m) => [200, { chunk: model.stateOf(d(m[1]!), true) }]);
    this.route('GET', 'joined_members', `${C}/rooms/{room}/joined_members`, (m) => [200, { joined: model.joinedMembers(d(m[1]!)) }]);
    this.route('GET', 'profile', `${C}/profile/{user}`, (m) => {
      const userId = d(m[1]!);
      if (!model.registered.has(userId) && userId !== this.options.botUserId) return [404, { errcode: 'M_NOT_FOUND', error: 'no such user' }];
      return [200, model.profiles.get(userId) ?? {}];
    });
    this.route('PUT', 'displayname', `${C}/profile/{user}/displayname`, (m, _u, body) => {
      for (const event of model.setDisplayName(d(m[1]!), String(body.displayname))) this.echo(event);
      return [200, {}];
    });
    this.route('PUT', 'avatar_url', `${C}/profile/{user}/avatar_url`, (m, _u, body) => {
      const userId = d(m[1]!);
      model.profiles.set(userId, { ...model.profiles.get(userId), avatar_url: String(body.avatar_url) });
      return [200, {}];
    });
    this.route('POST', 'createRoom', `${C}/createRoom`, (_m, user, body) => {
      const roomId = model.newRoomId();
      this.echo(model.setMembership(roomId, user, user, 'join'));
      if (typeof body.room_alias_name === 'string') model.aliases.set(`#${body.room_alias_name}:${model.domain}`, roomId);
      for (const invitee of Array.isArray(body.invite) ? body.invite : []) this.echo(model.setMembership(roomId, user, String(invitee), 'invite'));
      return [200, { room_id: roomId }];
    });
    this.route('GET', 'get_alias', `${C}/directory/room/{alias}`, (m) => {
      const roomId = model.aliases.get(d(m[1]!));
      return roomId ? [200, { room_id: roomId, servers: [model.domain] }] : [404, { errcode: 'M_NOT_FOUND', error: 'no such alias' }];
    });
    this.route('PUT', 'put_alias', `${C}/directory/room/{alias}`, (m, _u, body) => {
      model.aliases.set(d(m[1]!), String(body.room_id));
      return [200, {}];
    });
    this.route('DELETE', 'delete_alias', `${C}/directory/room/{alias}`, (m) => [model.aliases.delete(d(m[1]!)) ? 200 : 404, {}]);
    this.route('PUT', 'directory_list', `${C}/directory/list/room/{room}`, () => [200, {}]);
    this.route('PUT', 'directory_list', `${C}/directory/list/appservice/{network}/{room}`, () => [200, {}]);
    this.route('POST', 'upload', '/_matrix/media/v3/upload', () => [200, { content_uri: `mxc://${model.domain}/m${Date.now()}` }]);
  }

  /** Like Synapse: the homeserver calls the bridge's /ping and reports how long it took. */
  private pingBridge(transactionId: unknown): Promise<Reply> {
    const started = nowMs();
    const body = JSON.stringify(transactionId === undefined ? {} : { transaction_id: transactionId });
    return new Promise<Reply>((resolve) => {
      const req = http.request({
        host: '127.0.0.1', port: this.bridgePort, method: 'POST', path: '/_matrix/app/v1/ping',
        headers: { authorization: `Bearer ${this.options.hsToken}`, 'content-type': 'application/json' },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200
          ? [200, { duration_ms: Math.round(nowMs() - started) }]
          : [502, { errcode: 'M_BAD_STATUS', error: `bridge answered ${res.statusCode}` }]));
      });
      req.on('error', (error) => resolve([502, { errcode: 'M_CONNECTION_FAILED', error: error.message }]));
      req.end(body);
    });
  }
}
