// Test fakes (not exported): the connector side of the admin commands, recording every call.
import type { EventId, RoomAlias, RoomId, UserId } from '@bridgekit/appservice';
import type { WhoisInfo } from '../irc';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping';
import type { AdminBridgeOps, AdminMatrixOps, AdminPuppet, BridgedRoom, NetworkSummary } from './ops';

export class FakePuppet implements AdminPuppet {
  readonly sent: string[] = [];
  whoisAnswers = new Map<string, WhoisInfo>();
  refuseNick: Error | undefined;

  constructor(public nick: IrcNick) {}

  async changeNick(newNick: string): Promise<IrcNick> {
    if (this.refuseNick) throw this.refuseNick;
    this.sent.push(`NICK ${newNick}`);
    this.nick = newNick as IrcNick;
    return this.nick;
  }

  async whois(nick: string): Promise<WhoisInfo | undefined> {
    this.sent.push(`WHOIS ${nick}`);
    return this.whoisAnswers.get(nick.toLowerCase());
  }

  async mode(target: string, modes: string, params: readonly string[] = []): Promise<void> {
    this.sent.push(['MODE', target, modes, ...params].join(' '));
  }

  async raw(line: string): Promise<void> {
    this.sent.push(line);
  }
}

export class FakeAdminOps implements AdminBridgeOps {
  readonly calls: string[] = [];
  readonly puppets = new Map<string, FakePuppet>();
  readonly rooms: BridgedRoom[] = [];
  failReconnect: Error | undefined;
  failJoin: Error | undefined;

  constructor(private readonly networkList: NetworkSummary[] = [{ id: 'libera' as NetworkId, name: 'Libera.Chat' }]) {}

  networks(): readonly NetworkSummary[] {
    return this.networkList;
  }

  bridgeVersion(): string {
    return 'bridgekit-irc 0.1.0-test';
  }

  connect(userId: UserId, network: NetworkId, nick = 'alice'): FakePuppet {
    const puppet = new FakePuppet(nick as IrcNick);
    this.puppets.set(`${userId}/${network}`, puppet);
    return puppet;
  }

  connectedPuppet(userId: UserId, network: NetworkId): AdminPuppet | undefined {
    return this.puppets.get(`${userId}/${network}`);
  }

  async puppetFor(userId: UserId, network: NetworkId): Promise<FakePuppet> {
    this.calls.push(`puppetFor ${userId} ${network}`);
    return this.puppets.get(`${userId}/${network}`) ?? this.connect(userId, network);
  }

  /** What the bot's WHOIS answers, by lower-case nick. */
  readonly botWhoisAnswers = new Map<string, WhoisInfo>();

  async whois(userId: UserId, network: NetworkId, nick: IrcNick): Promise<WhoisInfo | undefined> {
    const puppet = this.puppets.get(`${userId}/${network}`);
    this.calls.push(`whois ${userId} ${network} ${nick} via ${puppet ? 'puppet' : 'bot'}`);
    return puppet ? puppet.whois(nick) : this.botWhoisAnswers.get(nick.toLowerCase());
  }

  async reconnect(userId: UserId, network: NetworkId): Promise<AdminPuppet> {
    this.calls.push(`reconnect ${userId} ${network}`);
    if (this.failReconnect) throw this.failReconnect;
    return this.connect(userId, network, 'alice_reconnected');
  }

  async disconnect(userId: UserId, network: NetworkId, reason: string): Promise<boolean> {
    this.calls.push(`disconnect ${userId} ${network} ${reason}`);
    return this.puppets.delete(`${userId}/${network}`);
  }

  async joinChannel(userId: UserId, network: NetworkId, channel: IrcChannel, key?: string): Promise<{ roomId: RoomId; alias?: RoomAlias }> {
    this.calls.push(`join ${userId} ${network} ${channel}${key !== undefined ? ` ${key}` : ''}`);
    if (this.failJoin) throw this.failJoin;
    const roomId = `!${channel.slice(1)}:example.org` as RoomId;
    const alias = `#irc_${network}_${channel}:example.org` as RoomAlias;
    this.rooms.push({ network, channel, roomId, alias });
    return { roomId, alias };
  }

  async partChannel(userId: UserId, network: NetworkId, channel: IrcChannel): Promise<boolean> {
    this.calls.push(`part ${userId} ${network} ${channel}`);
    const index = this.rooms.findIndex((r) => r.network === network && r.channel === channel);
    if (index === -1) return false;
    this.rooms.splice(index, 1);
    return true;
  }

  async listRooms(userId: UserId): Promise<BridgedRoom[]> {
    this.calls.push(`listRooms ${userId}`);
    return [...this.rooms];
  }
}

export class FakeMatrix implements AdminMatrixOps {
  readonly botUserId = '@ircbot:example.org' as UserId;
  readonly log: string[] = [];
  readonly notices: Array<{ roomId: RoomId; text: string }> = [];
  failRedact: Error | undefined;
  private nextEvent = 0;

  async join(roomId: RoomId): Promise<void> {
    this.log.push(`join ${roomId}`);
  }

  async leave(roomId: RoomId): Promise<void> {
    this.log.push(`leave ${roomId}`);
  }

  async sendNotice(roomId: RoomId, text: string): Promise<EventId> {
    this.log.push(`notice ${roomId}`);
    this.notices.push({ roomId, text });
    return `$notice${this.nextEvent++}` as EventId;
  }

  async redact(roomId: RoomId, eventId: EventId, reason: string): Promise<void> {
    if (this.failRedact) throw this.failRedact;
    this.log.push(`redact ${roomId} ${eventId} ${reason}`);
  }
}
