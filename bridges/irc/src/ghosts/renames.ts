/**
 * Which ghost (Matrix user) speaks for the IRC person behind a nick: one person, one ghost.
 *
 * The rule:
 *  1. A person keeps the ghost they first got for as long as the bridge can follow them. A NICK
 *     is the same person renamed, not a new one (issue #5: a rename, never a leave and a join):
 *     after `alice → alice2` the ghost `…_alice` speaks for alice2, display name "alice2", in
 *     the channels' rooms and in private chats alike.
 *  2. A ghost speaks for one person at a time. While `…_alice` is bound to alice2, whoever takes
 *     the freed nick `alice` is someone else (IRC gives a nick to one connection, and alice2 is
 *     still the original): they get the nick's first further ghost nobody holds (`…_alice_2`,
 *     then `_3`, ...; mapping/ghost-ids.ts), and keep it, even once `…_alice` is free again.
 *  3. A nick nobody renamed to, whose own ghost nobody holds, speaks through it without a record.
 *  4. A binding ends when its person is gone: QUIT, or in no bridged channel any more (`release`),
 *     unless a private chat with them exists (`isKept`): the chat's room has that ghost as its
 *     member and follows the person, so the ghost stays theirs until the chat ends too.
 *
 * The identity signal is what our connections hear: NICK, JOIN, PART, QUIT. Not user@host: it
 * is no identity on IRC (one webchat gateway or bouncer host is many people; a cloak changes it
 * mid-session), and nick uniqueness already says when two lines are two people. What the bridge
 * cannot see it cannot follow: someone taking a nick after its holder quit is taken for that
 * nick's person, as IRC itself does without accounts.
 *
 * One NICK may be heard by several of our connections (puppets sharing a channel with the
 * person): a binding remembers the nick it was renamed from, so the same rename heard again
 * changes nothing (`rename`).
 *
 * Bindings are core ghost links (`ctx.store.ghosts`): ghost → the casefolded nick of the person
 * it speaks for, with the nick as spelled and the one renamed from as metadata. A bridge restart
 * thus keeps people apart instead of merging them again. One record per renamed person (or
 * holder of a further ghost): bounded by those around (one who left while the bridge was down
 * keeps theirs until their nick is seen leaving again).
 *
 * Every question here is asked synchronously from IRC listeners, in line order, so the bindings
 * are kept in memory (loaded at start: `load`) and written to the store behind each change, in
 * order; `flushed()` waits for those writes, and a failed one is logged.
 */
import type { GhostRepository, Logger, UserId } from '@bridgekit/appservice';
import { GhostIdTooLongError, type GhostUserIds } from '../mapping/ghost-ids';
import type { IrcNick, NetworkId } from '../mapping/ids';
import { OrderedWrites } from '../store/ordered-writes';

/** What the renames need from a network: its ID and its casefolding. */
export interface NickNetwork {
  readonly id: NetworkId;
  fold(name: string): string;
}

/** Whether the person now called `nick` must keep their ghost although they left every channel. */
export type KeepBinding = (network: NickNetwork, nick: string) => boolean;

interface BindingData {
  /** The nick the person has now, as spelled on IRC (the ghost's display name). */
  nick: string;
  /** The casefolded nick they were renamed from, to recognise the same NICK heard again. */
  from?: string;
}

interface Binding extends BindingData {
  ghost: UserId;
  /** The casefolded nick it is indexed under. */
  folded?: string;
}

export class GhostRenames {
  /** Per network: casefolded nick → binding, and ghost → binding. */
  private readonly byNick = new Map<string, Map<string, Binding>>();
  private readonly byGhost = new Map<string, Map<UserId, Binding>>();
  private readonly writes: OrderedWrites;

  constructor(
    private readonly links: GhostRepository,
    private readonly ids: GhostUserIds,
    private readonly isKept: KeepBinding = () => false,
    log?: Logger,
  ) {
    this.writes = new OrderedWrites(log, 'ghost binding');
  }

  /** Reads the networks' bindings from the store; call once before anything asks. */
  async load(networks: readonly NetworkId[]): Promise<number> {
    let n = 0;
    for (const network of networks) {
      for (const link of await this.links.list(network)) {
        const data = link.metadata as Partial<BindingData>;
        if (typeof data.nick !== 'string') continue;
        this.index(network, link.remoteId, { ghost: link.userId, nick: data.nick, ...(typeof data.from === 'string' ? { from: data.from } : {}) });
        n++;
      }
    }
    return n;
  }

  /** Resolves once every binding change made so far reached the store. */
  flushed(): Promise<void> {
    return this.writes.flushed();
  }

  /**
   * The ghost that speaks for the person called `nick`: theirs if they have one, else the
   * nick's own, else (someone else holds that) a further ghost of the nick, which becomes theirs.
   * @throws GhostIdTooLongError when the nick's ghost ID would be too long.
   */
  userIdFor(network: NickNetwork, nick: IrcNick): UserId {
    const bound = this.boundTo(network, nick);
    if (bound) return bound;
    const own = this.ids.userIdFor(network.id, nick);
    if (!this.holds(network, own)) return own;
    // Each taken copy has a record, so this ends within (records + 1) steps.
    for (let copy = 2; ; copy++) {
      const ghost = this.ids.userIdFor(network.id, nick, copy);
      if (this.holds(network, ghost)) continue;
      this.record(network, ghost, nick);
      return ghost;
    }
  }

  /**
   * The nick of the person a ghost of `network` speaks for now; undefined when it is not one of
   * its ghosts, or speaks for nobody (a further ghost whose person left, or a nick's own ghost
   * while that nick belongs to someone holding another ghost).
   */
  nickOf(network: NickNetwork, userId: UserId): IrcNick | undefined {
    const parsed = this.ids.parseUserId(userId);
    if (!parsed || parsed.network !== network.id) return undefined;
    const data = this.dataOf(network, userId);
    if (data) return data.nick as IrcNick;
    if (parsed.copy !== undefined) return undefined;
    const holder = this.boundTo(network, parsed.nick);
    return holder && holder !== userId ? undefined : parsed.nick;
  }

  /**
   * `oldNick` is now called `newNick`: returns the ghost that keeps speaking for them. A
   * binding someone else had for `newNick` is stale (they cannot still have the nick) and goes.
   * @throws GhostIdTooLongError only when neither nick can have a ghost.
   */
  rename(network: NickNetwork, oldNick: IrcNick, newNick: IrcNick): UserId {
    const done = this.boundTo(network, newNick);
    if (done && !this.boundTo(network, oldNick) && this.dataOf(network, done)?.from === network.fold(oldNick)) return done;
    let ghost: UserId;
    try {
      ghost = this.userIdFor(network, oldNick);
    } catch (error) {
      if (!(error instanceof GhostIdTooLongError)) throw error;
      // They never had a ghost: under the new nick they are someone the bridge meets now.
      this.forget(network, newNick);
      return this.userIdFor(network, newNick);
    }
    // Setting the record takes `newNick` away from a stale binding (core user mappings are unique).
    this.record(network, ghost, newNick, network.fold(oldNick));
    return ghost;
  }

  /** The person called `nick` is gone (QUIT, left every bridged channel): their ghost is free. */
  release(network: NickNetwork, nick: IrcNick): void {
    if (this.isKept(network, nick)) return;
    this.forget(network, nick);
  }

  private forget(network: NickNetwork, nick: string): void {
    const ghost = this.boundTo(network, nick);
    if (!ghost) return;
    this.unindex(network.id, ghost);
    this.writes.behind(() => this.links.unlink(ghost));
  }

  /** One binding per ghost and per nick: a stale binding of either is replaced (as the store does). */
  private record(network: NickNetwork, ghost: UserId, nick: string, from?: string): void {
    const data: BindingData = { nick, ...(from !== undefined ? { from } : {}) };
    const folded = network.fold(nick);
    const stale = this.byNick.get(network.id)?.get(folded);
    if (stale && stale.ghost !== ghost) this.unindex(network.id, stale.ghost);
    this.unindex(network.id, ghost);
    this.index(network.id, folded, { ghost, ...data });
    this.writes.behind(() => this.links.link(ghost, { network: network.id, remoteId: folded, metadata: { ...data } }));
  }

  private dataOf(network: NickNetwork, ghost: UserId): BindingData | undefined {
    const binding = this.byGhost.get(network.id)?.get(ghost);
    return binding && { nick: binding.nick, ...(binding.from !== undefined ? { from: binding.from } : {}) };
  }

  private holds(network: NickNetwork, ghost: UserId): boolean {
    return this.byGhost.get(network.id)?.has(ghost) ?? false;
  }

  /** The ghost recorded for the person called `nick`, if any. */
  private boundTo(network: NickNetwork, nick: string): UserId | undefined {
    const userId = this.byNick.get(network.id)?.get(network.fold(nick))?.ghost;
    return userId && this.ids.parseUserId(userId)?.network === network.id ? userId : undefined;
  }

  private index(network: string, folded: string, binding: Binding): void {
    let nicks = this.byNick.get(network);
    if (!nicks) this.byNick.set(network, nicks = new Map());
    let ghosts = this.byGhost.get(network);
    if (!ghosts) this.byGhost.set(network, ghosts = new Map());
    binding.folded = folded;
    nicks.set(folded, binding);
    ghosts.set(binding.ghost, binding);
  }

  private unindex(network: string, ghost: UserId): void {
    const nicks = this.byNick.get(network);
    const binding = this.byGhost.get(network)?.get(ghost);
    if (!binding || !nicks) return;
    this.byGhost.get(network)?.delete(ghost);
    if (binding.folded !== undefined && nicks.get(binding.folded) === binding) nicks.delete(binding.folded);
  }
}
