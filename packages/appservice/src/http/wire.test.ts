import { BadJsonError, parseTransaction, toEphemeralEvent, toMatrixEvent } from './wire';

const wireEvent = (extra: Record<string, unknown> = {}) => ({
  event_id: '$abc', room_id: '!room:hs.test', sender: '@alice:hs.test', type: 'm.room.message',
  content: { msgtype: 'm.text', body: 'hi' }, origin_server_ts: 1700000000000, ...extra,
});

describe('toMatrixEvent', () => {
  it('converts snake_case wire fields to camelCase once', () => {
    expect(toMatrixEvent(wireEvent({ state_key: '', unsigned: { age: 5 }, extra_field: 1 }), 'e')).toEqual({
      eventId: '$abc', roomId: '!room:hs.test', sender: '@alice:hs.test', type: 'm.room.message',
      content: { msgtype: 'm.text', body: 'hi' }, originServerTs: 1700000000000, stateKey: '', unsigned: { age: 5 },
    });
  });

  it('reads redacts from the top level or, for room v11, from content', () => {
    expect(toMatrixEvent(wireEvent({ type: 'm.room.redaction', redacts: '$old' }), 'e').redacts).toBe('$old');
    expect(toMatrixEvent(wireEvent({ type: 'm.room.redaction', content: { redacts: '$v11' } }), 'e').redacts).toBe('$v11');
    expect(toMatrixEvent(wireEvent(), 'e').redacts).toBeUndefined();
  });

  it('accepts room IDs without a server part (room version 12)', () => {
    expect(toMatrixEvent(wireEvent({ room_id: '!opaqueHash' }), 'e').roomId).toBe('!opaqueHash');
  });

  it.each([
    [{ event_id: undefined }, 'events[0].event_id: missing (expected a string)'],
    [{ room_id: 42 }, 'events[0].room_id: expected a string, got number'],
    [{ room_id: 'room' }, 'events[0].room_id: Not a valid Matrix room ID'],
    [{ sender: 'alice' }, 'events[0].sender: Not a valid Matrix user ID'],
    [{ type: null }, 'events[0].type: expected a string, got null'],
    [{ content: [] }, 'events[0].content: expected an object, got an array'],
    [{ origin_server_ts: '1' }, 'events[0].origin_server_ts: expected a number, got string'],
    [{ state_key: 5 }, 'events[0].state_key: expected a string, got number'],
    [{ type: 'm.room.redaction', content: { redacts: 'nope' } }, 'events[0].content.redacts: Not a valid Matrix event ID'],
  ])('rejects %j naming the field', (extra, message) => {
    expect(() => toMatrixEvent(wireEvent(extra), 'events[0]')).toThrow(BadJsonError);
    expect(() => toMatrixEvent(wireEvent(extra), 'events[0]')).toThrow(message);
  });
});

describe('toEphemeralEvent', () => {
  it('converts room_id and keeps content', () => {
    expect(toEphemeralEvent({ type: 'm.typing', room_id: '!r:hs.test', content: { user_ids: [] } }, 'x')).toEqual({
      type: 'm.typing', roomId: '!r:hs.test', content: { user_ids: [] },
    });
    expect(toEphemeralEvent({ type: 'm.presence', sender: '@a:hs.test', content: { presence: 'online' } }, 'x')).toEqual({
      type: 'm.presence', content: { presence: 'online' },
    });
  });
});

describe('parseTransaction', () => {
  it('reads events and the stable or unstable ephemeral key', () => {
    const typing = { type: 'm.typing', room_id: '!r:hs.test', content: {} };
    expect(parseTransaction({ events: [wireEvent()], ephemeral: [typing] }).ephemeral).toHaveLength(1);
    expect(parseTransaction({ events: [], 'de.sorunome.msc2409.ephemeral': [typing] }).ephemeral).toHaveLength(1);
    expect(parseTransaction({ events: [wireEvent()] })).toMatchObject({ ephemeral: [], events: [{ eventId: '$abc' }] });
  });

  it.each([
    [[], 'body: expected an object, got an array'],
    [{}, 'events: missing (expected an array)'],
    [{ events: {} }, 'events: expected an array, got object'],
    [{ events: [], ephemeral: 'x' }, 'ephemeral: expected an array, got string'],
  ])('rejects %j', (body, message) => {
    expect(() => parseTransaction(body)).toThrow(message);
  });

  it.each([
    [{ events: [], 'de.sorunome.msc2409.ephemeral': [{ type: 'm.typing' }] }, 'de.sorunome.msc2409.ephemeral[0].content: missing', 0],
    [{ events: [wireEvent(), 'x'] }, 'events[1]: expected an object, got string', 1],
  ])('skips a malformed event in %j, naming the field, and keeps the others', (body, message, kept) => {
    const txn = parseTransaction(body);
    expect(txn.skipped.map((e) => e.message)).toEqual([expect.stringContaining(message)]);
    expect(txn.events).toHaveLength(kept);
  });
});
