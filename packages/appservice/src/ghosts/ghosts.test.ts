import { join } from 'node:path';
import { asUserId } from '../ids';
import { openStore, type OpenedStore } from '../store/open';
import { useTempDir } from '../store/testing/fixtures';
import { createGhosts, type Ghosts } from './ghosts';
import { InvalidUserIdError } from './localpart';
import { recordingIntents, type RecordedCall } from './testing';

describe('ctx.ghosts', () => {
  const dir = useTempDir();
  let store: OpenedStore;
  let calls: RecordedCall[];
  let ghosts: Ghosts;

  function open(options: { includeNetwork?: boolean } = {}): void {
    store = openStore(join(dir(), 'bridge.db'));
    const intents = recordingIntents();
    calls = intents.calls;
    ghosts = createGhosts({ prefix: '_x_', domain: 'example.org', links: store.ghosts, intent: intents.intent, ...options });
  }
  beforeEach(() => open());
  afterEach(() => store.close());

  it('builds spec-escaped user IDs under the prefix, and parses them back', () => {
    const id = ghosts.userIdFor({ network: 'slack', remoteId: 'U01_Ab' });
    expect(id).toBe('@_x_slack__u01___ab:example.org');
    expect(ghosts.parse(id)).toEqual({ network: 'slack', remoteId: 'U01_Ab', variant: 1 });
    const second = ghosts.userIdFor({ network: 'slack', remoteId: 'U01_Ab' }, 2);
    expect(second).toBe('@_x_slack__u01___ab_2:example.org');
    expect(ghosts.parse(second)).toEqual({ network: 'slack', remoteId: 'U01_Ab', variant: 2 });
    expect(ghosts.parse('@_x_slack__u01___ab:other.org')).toBeUndefined();
    expect(ghosts.parse('@someone:example.org')).toBeUndefined();
  });

  it('leaves the network out for a connector with one network', () => {
    store.close();
    open({ includeNetwork: false });
    expect(ghosts.userIdFor({ network: 'hook', remoteId: 'Bob' })).toBe('@_x__bob:example.org');
    expect(ghosts.parse('@_x__bob:example.org')).toEqual({ network: '', remoteId: 'Bob', variant: 1 });
  });

  it('links the identity, so the reverse lookup works and a restart keeps it', async () => {
    const intent = await ghosts.intentFor({ network: 'slack', remoteId: 'U1' });
    expect(intent.userId).toBe('@_x_slack__u1:example.org');
    await expect(ghosts.remoteOf(intent.userId)).resolves.toMatchObject({ network: 'slack', remoteId: 'U1' });
    store.close();
    open();
    await expect(ghosts.remoteOf(intent.userId)).resolves.toMatchObject({ network: 'slack', remoteId: 'U1' });
  });

  it('gives a reused name the first free variant: two identities never share a ghost', async () => {
    // The ghost @…_alice speaks for someone renamed away from "alice" (a link moved on a rename).
    const own = ghosts.userIdFor({ network: 'irc', remoteId: 'alice' });
    await store.ghosts.link(own, { network: 'irc', remoteId: 'alice2' });
    const newcomer = await ghosts.intentFor({ network: 'irc', remoteId: 'alice' });
    expect(newcomer.userId).toBe('@_x_irc_alice_2:example.org');
    // Both stay put: the renamed person keeps theirs, the newcomer keeps the variant.
    expect((await ghosts.intentFor({ network: 'irc', remoteId: 'alice2' })).userId).toBe(own);
    expect((await ghosts.intentFor({ network: 'irc', remoteId: 'alice' })).userId).toBe(newcomer.userId);
  });

  it('writes the profile only when it changed, also after a restart', async () => {
    const who = { network: 'slack', remoteId: 'U1' };
    await ghosts.intentFor({ ...who, profile: { displayName: 'Ann' } });
    await ghosts.intentFor({ ...who, profile: { displayName: 'Ann' } });
    expect(calls.filter((c) => c.method === 'ensureProfile')).toHaveLength(1);
    store.close();
    open();
    await ghosts.intentFor({ ...who, profile: { displayName: 'Ann' } });
    expect(calls).toHaveLength(0);
    await ghosts.intentFor({ ...who, profile: { displayName: 'Ann', avatarUrl: 'mxc://example.org/a' } });
    expect(calls).toEqual([{ userId: '@_x_slack__u1:example.org', method: 'ensureProfile', args: { displayName: 'Ann', avatarUrl: 'mxc://example.org/a' } }]);
  });

  it('does not remember a profile whose write failed: the next call tries again', async () => {
    const failing = createGhosts({
      prefix: '_x_', domain: 'example.org', links: store.ghosts,
      intent: (userId) => ({ userId, ensureProfile: async () => { throw new Error('homeserver down'); } }) as never,
    });
    await expect(failing.intentFor({ network: 'slack', remoteId: 'U9', profile: { displayName: 'Z' } })).rejects.toThrow('homeserver down');
    await expect(store.ghosts.profileHashOf(asUserId('@_x_slack__u9:example.org'))).resolves.toBeUndefined();
  });

  it('refuses an identity whose user ID would be too long before storing or sending anything', async () => {
    const long = { network: 'slack', remoteId: 'é'.repeat(60), profile: { displayName: 'x' } };
    await expect(ghosts.intentFor(long)).rejects.toBeInstanceOf(InvalidUserIdError);
    expect(calls).toEqual([]);
    await expect(store.ghosts.list('slack')).resolves.toEqual([]);
  });

  it('refuses a network name that cannot be part of a localpart', () => {
    expect(() => ghosts.userIdFor({ network: 'My_Net', remoteId: 'a' })).toThrow(/lower-case letters/);
  });
});
