/**
 * Moderation policy lists against the real Synapse: the bridge follows two policy rooms (one by
 * room ID, one by alias). A user banned by a rule present before the start gets nothing bridged
 * and is told; removing the rule (empty content) lets them through with no restart. A server
 * glob pushed later refuses everyone of that server, and redacting it lifts the ban.
 */
import { channelScene, joinPortal, bridgeForThisFile, uniqueChannel, puppetNick } from './harness/irc-bridge';
import { connectIrc, uniqueNick } from './harness/irc-client';
import { MatrixClient, uniqueLocalpart } from './harness/matrix-client';
import { SERVER_NAME } from './harness/namespaces';

const BANNED = /you are banned from using this bridge by a moderation list/;

let moderator: MatrixClient;
let userList: string;
let serverList: string;
let serverListAlias: string;
let banned: MatrixClient;
let bannedName: string;

const bridge = bridgeForThisFile(async () => {
  moderator = await MatrixClient.register();
  banned = await MatrixClient.register(uniqueLocalpart('x'));
  bannedName = uniqueNick('x');
  await banned.setDisplayName(bannedName);
  // Public, so the bridge bot can join them without an invite.
  userList = await moderator.createRoom({ preset: 'public_chat', name: 'user bans' });
  await moderator.sendState(userList, 'm.policy.rule.user', 'rule:x', { entity: banned.userId, recommendation: 'm.ban', reason: 'spam waves' });
  const aliasName = uniqueLocalpart('server-bans');
  serverList = await moderator.createRoom({ preset: 'public_chat', name: 'server bans', roomAliasName: aliasName });
  serverListAlias = `#${aliasName}:${SERVER_NAME}`;
  // A glob that matches no server yet: the test widens it later.
  await moderator.sendState(serverList, 'm.policy.rule.server', 'rule:servers', { entity: '*.invalid', recommendation: 'm.ban', reason: 'bad servers' });
  return { moderation: { policy_rooms: [userList, serverListAlias] } };
});

describe('moderation policy lists', () => {
  it('a banned user gets nothing bridged and is told; removing the rule lets them through without a restart', async () => {
    const log = bridge().logTail(400);
    expect(log).toMatch(/Moderation policy list loaded.*"rules":1/);
    const channel = uniqueChannel('ban');
    const op = await connectIrc(uniqueNick('op'));
    await op.join(channel);
    const roomId = await joinPortal(banned, channel, op);
    await banned.sendText(roomId, 'this must not reach IRC');
    await banned.waitForMessage(roomId, BANNED);
    // A sentinel from someone else in the same room: handled after the banned message.
    const other = await MatrixClient.register();
    await other.setDisplayName(uniqueNick('ok'));
    await other.joinRoom(roomId);
    await other.sendText(roomId, 'sentinel after the banned message');
    await op.waitForMessage((m) => m.message === 'sentinel after the banned message');
    expect(op.rawLines.filter((l) => l.includes('this must not reach IRC'))).toEqual([]);
    // Not even a JOIN: the banned user got no IRC connection.
    expect(op.rawLines.filter((l) => l.startsWith(`:${puppetNick(bannedName)}!`))).toEqual([]);
    // Told once: the join and the message made one notice between them.
    const notices = (await banned.roomTimeline(roomId)).filter((e) => typeof e.content.body === 'string' && BANNED.test(e.content.body));
    expect(notices).toHaveLength(1);
    expect(bridge().logTail(400)).toMatch(new RegExp(`Refused a Matrix user banned by a moderation policy list.*"entity":"${banned.userId.replace(/[.]/g, '\\.')}".*"reason":"spam waves"`));

    await moderator.sendState(userList, 'm.policy.rule.user', 'rule:x', {});
    await banned.sendText(roomId, 'unbanned now');
    await op.waitForMessage((m) => m.message === 'unbanned now' && m.nick === puppetNick(bannedName));
  });

  it('a server glob pushed later refuses users of that server, and its redaction lifts the ban', async () => {
    const scene = await channelScene('srv');
    const ruleId = await moderator.sendState(serverList, 'm.policy.rule.server', 'rule:servers', { entity: `*${SERVER_NAME.slice(-4)}`, recommendation: 'm.ban', reason: 'whole server' });
    await scene.alice.client.sendText(scene.roomId, 'refused by the server glob');
    await scene.alice.client.waitForMessage(scene.roomId, BANNED);
    // Alice's open IRC connection was closed when the rule arrived.
    await scene.op.waitForQuit((q) => q.nick === scene.alice.nick);
    expect(scene.op.rawLines.filter((l) => l.includes('refused by the server glob'))).toEqual([]);

    await moderator.redact(serverList, ruleId, 'mistake');
    await scene.alice.client.sendText(scene.roomId, 'allowed again');
    await scene.op.waitForMessage((m) => m.message === 'allowed again' && m.nick === scene.alice.nick);
    expect(bridge().logTail(400)).toMatch(/Moderation policy rule removed \(redacted\)/);
  });
});
