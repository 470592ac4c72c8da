// Unit tests of the typed-event parser: every kind from well-formed content, and malformed
// content of each kind falling back to a RawEvent (never a throw).
import { asEventId, asRoomId, asUserId } from '../ids';
import type { MatrixEvent } from './matrix-event';
import { parseEvent } from './parse';
import { isEdit, isMediaMessage, isMembership, isMessage, isRaw, isTextMessage, type BridgeEvent } from './typed';

const alice = asUserId('@alice:hs.test');
const bob = asUserId('@bob:hs.test');

function ev(type: string, content: unknown, extra: Partial<MatrixEvent> = {}): MatrixEvent {
  return {
    eventId: asEventId('$e'), roomId: asRoomId('!r:hs.test'), sender: alice, type,
    content: content as Record<string, unknown>, originServerTs: 1, ...extra,
  };
}

/** The typed event without the fields every event has (base + raw), for compact expectations. */
function shape(event: BridgeEvent): Record<string, unknown> {
  const { eventId: _e, roomId: _r, sender: _s, originServerTs: _t, raw: _raw, ...rest } = event;
  if ('content' in rest) delete (rest as { content?: unknown }).content;
  return rest;
}

describe('parseEvent: well-formed events', () => {
  it.each<[string, MatrixEvent, Record<string, unknown>]>([
    ['text', ev('m.room.message', { msgtype: 'm.text', body: 'hi' }), { kind: 'message', msgtype: 'm.text', body: 'hi' }],
    ['notice with HTML', ev('m.room.message', { msgtype: 'm.notice', body: 'hi', format: 'org.matrix.custom.html', formatted_body: '<b>hi</b>' }),
      { kind: 'message', msgtype: 'm.notice', body: 'hi', formatted: { format: 'org.matrix.custom.html', body: '<b>hi</b>' } }],
    ['emote', ev('m.room.message', { msgtype: 'm.emote', body: 'waves' }), { kind: 'message', msgtype: 'm.emote', body: 'waves' }],
    ['image with caption', ev('m.room.message', { msgtype: 'm.image', body: 'look', filename: 'cat.png', url: 'mxc://hs/cat', info: { mimetype: 'image/png', size: 12 } }),
      { kind: 'message', msgtype: 'm.image', body: 'look', url: 'mxc://hs/cat', filename: 'cat.png', mimetype: 'image/png', size: 12, info: { mimetype: 'image/png', size: 12 } }],
    ['file without info', ev('m.room.message', { msgtype: 'm.file', body: 'a.pdf', url: 'mxc://hs/a' }), { kind: 'message', msgtype: 'm.file', body: 'a.pdf', url: 'mxc://hs/a', info: {} }],
    ['audio', ev('m.room.message', { msgtype: 'm.audio', body: 'a.ogg', url: 'mxc://hs/b' }), { kind: 'message', msgtype: 'm.audio', body: 'a.ogg', url: 'mxc://hs/b', info: {} }],
    ['video', ev('m.room.message', { msgtype: 'm.video', body: 'v.mp4', url: 'mxc://hs/v' }), { kind: 'message', msgtype: 'm.video', body: 'v.mp4', url: 'mxc://hs/v', info: {} }],
    ['location', ev('m.room.message', { msgtype: 'm.location', body: 'here', geo_uri: 'geo:1,2' }), { kind: 'message', msgtype: 'm.location', body: 'here', geoUri: 'geo:1,2' }],
    ['sticker', ev('m.sticker', { body: 'smile', url: 'mxc://hs/s', info: {} }), { kind: 'message', msgtype: 'm.sticker', body: 'smile', url: 'mxc://hs/s', info: {} }],
    ['reply with mentions', ev('m.room.message', { msgtype: 'm.text', body: 'yes', 'm.relates_to': { 'm.in_reply_to': { event_id: '$q' } }, 'm.mentions': { user_ids: [bob, 'not-a-user'], room: true } }),
      { kind: 'message', msgtype: 'm.text', body: 'yes', replyTo: '$q', mentions: { userIds: [bob], room: true } }],
    ['thread message (its in_reply_to a fallback)', ev('m.room.message', { msgtype: 'm.text', body: 't', 'm.relates_to': { rel_type: 'm.thread', event_id: '$root', is_falling_back: true, 'm.in_reply_to': { event_id: '$last' } } }),
      { kind: 'message', msgtype: 'm.text', body: 't', threadRoot: '$root' }],
    ['edit', ev('m.room.message', { msgtype: 'm.text', body: '* fixed', 'm.new_content': { msgtype: 'm.text', body: 'fixed', 'm.mentions': {} }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$old' } }),
      { kind: 'edit', target: '$old', newContent: { msgtype: 'm.text', body: 'fixed' }, mentions: { userIds: [], room: false } }],
    ['redaction (room v11: in content)', ev('m.room.redaction', { redacts: '$x', reason: 'spam' }), { kind: 'redaction', redacts: '$x', reason: 'spam' }],
    ['redaction (before v11: top level)', ev('m.room.redaction', {}, { redacts: asEventId('$y') }), { kind: 'redaction', redacts: '$y' }],
    ['reaction', ev('m.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$m', key: '👍' } }), { kind: 'reaction', target: '$m', key: '👍' }],
    ['topic', ev('m.room.topic', { topic: 'news' }, { stateKey: '' }), { kind: 'roomState', field: 'topic', topic: 'news' }],
    ['topic removed (redacted content)', ev('m.room.topic', {}, { stateKey: '' }), { kind: 'roomState', field: 'topic', topic: '' }],
    ['name', ev('m.room.name', { name: 'Room' }, { stateKey: '' }), { kind: 'roomState', field: 'name', name: 'Room' }],
    ['avatar', ev('m.room.avatar', { url: 'mxc://hs/av' }, { stateKey: '' }), { kind: 'roomState', field: 'avatar', url: 'mxc://hs/av' }],
    ['encryption on', ev('m.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2' }, { stateKey: '' }), { kind: 'encryption', source: 'state', algorithm: 'm.megolm.v1.aes-sha2' }],
    ['an encrypted event', ev('m.room.encrypted', { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'x' }), { kind: 'encryption', source: 'event', algorithm: 'm.megolm.v1.aes-sha2' }],
    ['tombstone', ev('m.room.tombstone', { replacement_room: '!new:hs.test', body: 'moved' }, { stateKey: '' }), { kind: 'tombstone', replacementRoom: '!new:hs.test', body: 'moved' }],
    ['unknown type', ev('org.example.custom', { a: 1 }), { kind: 'raw', reason: 'unknown' }],
    ['unknown msgtype', ev('m.room.message', { msgtype: 'org.example.poll', body: 'vote' }), { kind: 'raw', reason: 'unknown' }],
  ])('%s', (_what, event, expected) => {
    const typed = parseEvent(event);
    expect(shape(typed)).toEqual(expected);
    expect(typed.raw).toBe(event);
    expect(typed.eventId).toBe('$e');
  });
});

describe('parseEvent: membership', () => {
  const member = (membership: unknown, opts: { prev?: unknown; sender?: string; target?: string; extra?: Record<string, unknown> } = {}) => ev(
    'm.room.member',
    { membership, ...opts.extra },
    { stateKey: opts.target ?? alice, sender: asUserId(opts.sender ?? alice), ...(opts.prev !== undefined ? { unsigned: { prev_content: { membership: opts.prev } } } : {}) },
  );

  it.each<[string, MatrixEvent, string, string | undefined]>([
    ['a first join', member('join'), 'join', undefined],
    ['a join after an invite', member('join', { prev: 'invite' }), 'join', 'invite'],
    ['a profile change', member('join', { prev: 'join' }), 'profile', 'join'],
    ['leaving', member('leave', { prev: 'join' }), 'leave', 'join'],
    ['declining an invite', member('leave', { prev: 'invite' }), 'reject', 'invite'],
    ['a kick', member('leave', { prev: 'join', sender: bob }), 'kick', 'join'],
    ['a kick without prev_content', member('leave', { sender: bob }), 'kick', undefined],
    ['an unban', member('leave', { prev: 'ban', sender: bob }), 'unban', 'ban'],
    ['a withdrawn invite', member('leave', { prev: 'invite', sender: bob }), 'uninvite', 'invite'],
    ['a ban', member('ban', { prev: 'join', sender: bob }), 'ban', 'join'],
    ['an invite', member('invite', { sender: bob }), 'invite', undefined],
    ['a knock', member('knock'), 'knock', undefined],
    ['a prev membership of an unknown value', member('join', { prev: 'dancing' }), 'join', undefined],
  ])('%s', (_what, event, action, prev) => {
    const typed = parseEvent(event);
    if (!isMembership(typed)) throw new Error(`not a membership: ${typed.kind}`);
    expect(typed.action).toBe(action);
    expect(typed.prevMembership).toBe(prev);
    expect(typed.userId).toBe(alice);
  });

  it('lifts the display name, avatar and reason, and drops them when not strings', () => {
    const typed = parseEvent(member('join', { extra: { displayname: 'Alice', avatar_url: 'mxc://hs/a', reason: 'hi' } }));
    expect(typed).toMatchObject({ displayName: 'Alice', avatarUrl: 'mxc://hs/a', reason: 'hi' });
    const odd = parseEvent(member('join', { extra: { displayname: 42, avatar_url: null } }));
    expect(odd.kind).toBe('membership');
    expect(odd).not.toHaveProperty('displayName');
    expect(odd).not.toHaveProperty('avatarUrl');
  });
});

describe('parseEvent: malformed content is a RawEvent, never a throw', () => {
  it.each<[string, MatrixEvent]>([
    ['content not an object', ev('m.room.message', 'text')],
    ['content an array', ev('m.room.message', [1, 2])],
    ['content null', ev('m.room.message', null)],
    ['message without a body', ev('m.room.message', { msgtype: 'm.text' })],
    ['message with a numeric body', ev('m.room.message', { msgtype: 'm.text', body: 5 })],
    ['message without a msgtype', ev('m.room.message', { body: 'hi' })],
    ['image without a url (encrypted file)', ev('m.room.message', { msgtype: 'm.image', body: 'x', file: { url: 'mxc://hs/e' } })],
    ['location without geo_uri', ev('m.room.message', { msgtype: 'm.location', body: 'here' })],
    ['sticker without url', ev('m.sticker', { body: 'smile' })],
    ['edit without new content', ev('m.room.message', { msgtype: 'm.text', body: '* x', 'm.relates_to': { rel_type: 'm.replace', event_id: '$o' } })],
    ['edit with a malformed new content', ev('m.room.message', { msgtype: 'm.text', body: '* x', 'm.new_content': { msgtype: 'm.text' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$o' } })],
    ['edit without a target', ev('m.room.message', { msgtype: 'm.text', body: '* x', 'm.new_content': { msgtype: 'm.text', body: 'x' }, 'm.relates_to': { rel_type: 'm.replace' } })],
    ['redaction of nothing', ev('m.room.redaction', {})],
    ['redaction with a numeric target', ev('m.room.redaction', { redacts: 7 })],
    ['reaction without a key', ev('m.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$m' } })],
    ['reaction of another relation', ev('m.reaction', { 'm.relates_to': { rel_type: 'm.reference', event_id: '$m', key: 'x' } })],
    ['membership of an unknown value', ev('m.room.member', { membership: 'dancing' }, { stateKey: alice })],
    ['membership with a state key that is no user', ev('m.room.member', { membership: 'join' }, { stateKey: 'alice' })],
    ['membership without a state key', ev('m.room.member', { membership: 'join' })],
    ['topic with a non-string topic', ev('m.room.topic', { topic: ['a'] }, { stateKey: '' })],
    ['topic with a state key', ev('m.room.topic', { topic: 'a' }, { stateKey: 'x' })],
    ['avatar with a numeric url', ev('m.room.avatar', { url: 1 }, { stateKey: '' })],
    ['encryption with a state key', ev('m.room.encryption', { algorithm: 'x' }, { stateKey: 'x' })],
    ['tombstone without a room', ev('m.room.tombstone', { body: 'moved' }, { stateKey: '' })],
    ['tombstone to something that is no room ID', ev('m.room.tombstone', { replacement_room: '#alias:hs' }, { stateKey: '' })],
  ])('%s', (_what, event) => {
    const typed = parseEvent(event);
    expect(typed).toMatchObject({ kind: 'raw', reason: 'malformed' });
    expect(typed.raw).toBe(event);
  });
});

describe('type guards', () => {
  it('narrow by kind and msgtype', () => {
    const image = parseEvent(ev('m.room.message', { msgtype: 'm.image', body: 'x', url: 'mxc://hs/x' }));
    const text = parseEvent(ev('m.room.message', { msgtype: 'm.text', body: 'x' }));
    const edit = parseEvent(ev('m.room.message', { msgtype: 'm.text', body: '* y', 'm.new_content': { msgtype: 'm.text', body: 'y' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$o' } }));
    expect([isMessage(image), isMediaMessage(image), isTextMessage(image)]).toEqual([true, true, false]);
    expect([isMessage(text), isMediaMessage(text), isTextMessage(text)]).toEqual([true, false, true]);
    expect([isMessage(edit), isEdit(edit), isRaw(edit)]).toEqual([false, true, false]);
    if (isMediaMessage(image)) expect(image.url).toBe('mxc://hs/x'); // compiles only because the guard narrows
  });
});
