// Test fake (not exported): the connector side of provisioning, keeping links in a real core
// store the way the portals do (kind 'channel', remote ID = casefolded channel), synchronously.
import type { OpenedStore, RoomId, UserId } from '@bridgekit/appservice';
import { casefold, type IrcChannel, type IrcNick, type NetworkId } from '../mapping';
import type { LinkedChannel, ProvisioningNetwork, ProvisioningOps } from './ops';

export interface SentPm {
  network: NetworkId;
  nick: IrcNick;
  text: string;
}

export class FakeProvisioningOps implements ProvisioningOps {
  readonly networks = new Map<string, ProvisioningNetwork>([
    ['libera', { id: 'libera' as NetworkId, name: 'Libera.Chat', connected: true, chanTypes: '#&', casemapping: 'rfc1459' }],
  ]);
  /** `${network}/${folded channel}` → folded op nicks. */
  readonly operators = new Map<string, Set<string>>();
  readonly mayLink = new Set<string>();
  readonly pms: SentPm[] = [];
  readonly calls: string[] = [];
  failLink: Error | undefined;
  failPm: Error | undefined;
  private pmWaiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly store: OpenedStore) {}

  setOperator(network: string, channel: string, nick: string, isOp = true): void {
    const key = `${network}/${casefold(channel, 'rfc1459')}`;
    const ops = this.operators.get(key) ?? new Set<string>();
    if (isOp) ops.add(casefold(nick, 'rfc1459'));
    else ops.delete(casefold(nick, 'rfc1459'));
    this.operators.set(key, ops);
  }

  allow(roomId: string, userId: string): void {
    this.mayLink.add(`${roomId} ${userId}`);
  }

  /** Resolves once `count` private messages have been sent in total. */
  pmsSent(count: number): Promise<void> {
    if (this.pms.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.pmWaiters.push({ count, resolve }));
  }

  network(id: NetworkId): ProvisioningNetwork | undefined {
    return this.networks.get(id);
  }

  channelsOfRoom(roomId: RoomId): readonly LinkedChannel[] {
    return this.store.sync.portals.byRoom(roomId).flatMap((link) => {
      const data = link.metadata as { channel?: string; origin?: string };
      if (link.kind !== 'channel' || typeof data.channel !== 'string') return [];
      return [{ roomId, network: link.network as NetworkId, channel: data.channel as IrcChannel, origin: data.origin ?? 'alias' }];
    });
  }

  async userMayLinkRoom(roomId: RoomId, userId: UserId): Promise<boolean> {
    return this.mayLink.has(`${roomId} ${userId}`);
  }

  async isChannelOperator(network: NetworkId, channel: IrcChannel, nick: IrcNick): Promise<boolean> {
    this.calls.push(`isChannelOperator ${network} ${channel} ${nick}`);
    return this.operators.get(`${network}/${casefold(channel, 'rfc1459')}`)?.has(casefold(nick, 'rfc1459')) ?? false;
  }

  async sendPrivateMessage(network: NetworkId, nick: IrcNick, text: string): Promise<void> {
    if (this.failPm) throw this.failPm;
    this.pms.push({ network, nick, text });
    this.pmWaiters = this.pmWaiters.filter((w) => {
      if (this.pms.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  async linkChannel(roomId: RoomId, network: NetworkId, channel: IrcChannel, meta: { linkedBy: UserId; approvedBy: IrcNick }): Promise<void> {
    this.calls.push(`linkChannel ${roomId} ${network} ${channel} by ${meta.linkedBy} approved by ${meta.approvedBy}`);
    this.linkInStore(roomId, network, channel, 'provisioning');
    if (this.failLink) throw this.failLink;
  }

  async unlinkChannel(roomId: RoomId, network: NetworkId, channel: IrcChannel): Promise<boolean> {
    this.calls.push(`unlinkChannel ${roomId} ${network} ${channel}`);
    return this.store.sync.portals.unlink(roomId, { network, remoteId: casefold(channel, 'rfc1459'), kind: 'channel' });
  }

  linkInStore(roomId: RoomId, network: string, channel: string, origin: string): void {
    this.store.sync.portals.link({ roomId, network, remoteId: casefold(channel, 'rfc1459'), kind: 'channel', metadata: { channel, origin } });
  }
}
