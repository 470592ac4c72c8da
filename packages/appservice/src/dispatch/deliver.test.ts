// Unit tests of the core's event dispatch: which handler a typed event reaches (capability,
// raw fallback, "unsupported" notice, ignored), the notice's bound, and the one error path.
import { Counter, Registry } from 'prom-client';
import type { Connector } from '../connector';
import { BridgeError } from '../errors/bridge-error';
import type { MatrixEvent } from '../events';
import { asEventId, asRoomId, asUserId, type EventId, type RoomId } from '../ids';
import type { Intent } from '../intent/types';
import type { Logger } from '../log/types';
import { createMatrixEventDispatcher } from './deliver';
import { UNSUPPORTED_SENTENCES } from './unsupported';

const alice = asUserId('@alice:hs.test');
const room = asRoomId('!r:hs.test');
let n = 0;

function ev(type: string, content: Record<string, unknown>, extra: Partial<MatrixEvent> = {}): MatrixEvent {
  return { eventId: asEventId(`$e${++n}`), roomId: room, sender: alice, type, content, originServerTs: 1, ...extra };
}
const text = (body = 'hi', roomId: RoomId = room) => ev('m.room.message', { msgtype: 'm.text', body }, { roomId });
const edit = () => ev('m.room.message', { msgtype: 'm.text', body: '* x', 'm.new_content': { msgtype: 'm.text', body: 'x' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$o' } });
const reaction = () => ev('m.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$o', key: '👍' } });
const redaction = (of: string) => ev('m.room.redaction', { redacts: of });
const join = () => ev('m.room.member', { membership: 'join' }, { stateKey: alice });
const topic = () => ev('m.room.topic', { topic: 't' }, { stateKey: '' });
const encrypted = () => ev('m.room.encrypted', { algorithm: 'm.megolm.v1.aes-sha2' });
const custom = () => ev('org.example.thing', {});

const silentLog: Logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return silentLog; } } as unknown as Logger;

function setup(connector: Connector, opts: { bridged?: EventId[]; speaker?: Intent } = {}) {
  const said: Array<{ as: string; roomId: RoomId; content: Record<string, unknown> }> = [];
  const intent = (name: string) => ({
    sendMessage: async (roomId: RoomId, content: Record<string, unknown>) => {
      said.push({ as: name, roomId, content });
      return asEventId('$notice');
    },
  }) as unknown as Intent;
  let now = 0;
  const counter = new Counter({ name: 'unsupported_total', help: 'x', labelNames: ['kind', 'outcome'] as const, registers: [new Registry()] });
  const dispatcher = createMatrixEventDispatcher({
    connector: opts.speaker ? { ...connector, noticeSpeaker: async () => opts.speaker } : connector,
    bot: intent('bot'),
    wasBridged: (id) => (opts.bridged ?? []).includes(id),
    log: silentLog,
    unsupportedCounter: counter,
    now: () => now,
    unsupportedWindowMs: 60_000,
  });
  const count = async (kind: string, outcome: string) => (await counter.get()).values.find((v) => v.labels.kind === kind && v.labels.outcome === outcome)?.value ?? 0;
  return { dispatcher, said, intent, advance: (ms: number) => { now += ms; }, count };
}

const base = (): Connector => ({ name: 't', async start() {}, async stop() {} });

describe('routing a typed event', () => {
  it('hands a connector with only onMatrixEvent every event, raw, and never answers for it', async () => {
    const seen: string[] = [];
    const { dispatcher, said } = setup({ ...base(), onMatrixEvent: async (e) => void seen.push(e.type) });
    for (const e of [text(), edit(), reaction(), redaction('$x'), join(), topic(), encrypted(), custom()]) await dispatcher.dispatch(e, 0);
    expect(seen).toEqual(['m.room.message', 'm.room.message', 'm.reaction', 'm.room.redaction', 'm.room.member', 'm.room.topic', 'm.room.encrypted', 'org.example.thing']);
    expect(said).toEqual([]);
  });

  it('gives each kind to its capability, and the rest to onMatrixEvent', async () => {
    const seen: string[] = [];
    const { dispatcher, said } = setup({
      ...base(),
      onMessage: async (e) => void seen.push(`message ${e.msgtype} ${e.body}`),
      onEdit: async (e) => void seen.push(`edit ${e.target} ${e.newContent.body}`),
      onMembership: async (e) => void seen.push(`membership ${e.action}`),
      onMatrixEvent: async (e) => void seen.push(`raw ${e.type}`),
    });
    for (const e of [text('hello'), edit(), join(), topic(), custom()]) await dispatcher.dispatch(e, 0);
    expect(seen).toEqual(['message m.text hello', 'edit $o x', 'membership join', 'raw m.room.topic', 'raw org.example.thing']);
    expect(said).toEqual([]);
  });

  it('tells the sender about an edit, a reaction, encryption and a redaction of a bridged message it cannot carry; ignores membership and state', async () => {
    const { dispatcher, said, count } = setup({ ...base(), onMessage: async () => undefined }, { bridged: [asEventId('$bridged')] });
    for (const e of [edit(), reaction(), encrypted(), redaction('$bridged'), redaction('$never-bridged'), join(), topic(), custom()]) await dispatcher.dispatch(e, 0);
    expect(said.map((s) => s.content.body)).toEqual([
      `${alice}: ${UNSUPPORTED_SENTENCES.edit}`,
      `${alice}: ${UNSUPPORTED_SENTENCES.reaction}`,
      `${alice}: ${UNSUPPORTED_SENTENCES.encryption}`,
      `${alice}: ${UNSUPPORTED_SENTENCES.redaction}`,
    ]);
    expect(said[0]?.content).toMatchObject({ msgtype: 'm.notice', 'm.mentions': { user_ids: [alice] } });
    expect(await count('reaction', 'told')).toBe(1);
  });

  it('tells a connector without onMessage that messages are not bridged', async () => {
    const { dispatcher, said } = setup({ ...base(), onReaction: async () => undefined });
    await dispatcher.dispatch(text(), 0);
    expect(said.map((s) => s.content.body)).toEqual([`${alice}: ${UNSUPPORTED_SENTENCES.message}`]);
  });
});

describe('the "not bridged" notice', () => {
  it('is said once per room and kind per window, and counted every time', async () => {
    const { dispatcher, said, advance, count } = setup({ ...base(), onMessage: async () => undefined });
    const other = asRoomId('!other:hs.test');
    for (let i = 0; i < 5; i++) await dispatcher.dispatch(reaction(), 0);
    await dispatcher.dispatch(edit(), 0);
    await dispatcher.dispatch({ ...reaction(), roomId: other }, 0);
    expect(said.map((s) => [s.roomId, s.content.body])).toEqual([
      [room, `${alice}: ${UNSUPPORTED_SENTENCES.reaction}`],
      [room, `${alice}: ${UNSUPPORTED_SENTENCES.edit}`],
      [other, `${alice}: ${UNSUPPORTED_SENTENCES.reaction}`],
    ]);
    expect(await count('reaction', 'quiet')).toBe(4);
    advance(60_000);
    await dispatcher.dispatch(reaction(), 0);
    expect(said).toHaveLength(4);
  });

  it('is said by the connector\'s speaker for the room when it names one', async () => {
    const byGhost: RoomId[] = [];
    const ghost = { sendMessage: async (roomId: RoomId) => { byGhost.push(roomId); return asEventId('$n'); } } as unknown as Intent;
    const { dispatcher, said } = setup({ ...base(), onMessage: async () => undefined }, { speaker: ghost });
    await dispatcher.dispatch(reaction(), 0);
    expect(byGhost).toEqual([room]);
    expect(said).toEqual([]);
  });
});

describe('the one error path', () => {
  const failing = (error: unknown): Connector => ({ ...base(), onMessage: async () => { throw error; } });

  it('rethrows, and tells the sender the userMessage only when no attempt is left', async () => {
    const error = new BridgeError('REMOTE_UNAVAILABLE', 'irc.example: connection reset', { userMessage: 'The network is away; try again soon.' });
    const { dispatcher, said } = setup(failing(error));
    await expect(dispatcher.dispatch(text(), 2)).rejects.toBe(error);
    expect(said).toEqual([]);
    await expect(dispatcher.dispatch(text(), 0)).rejects.toBe(error);
    expect(said.map((s) => s.content.body)).toEqual([`${alice}: The network is away; try again soon.`]);
    expect(said[0]?.content['m.relates_to']).toEqual({ 'm.in_reply_to': { event_id: `$e${n}` } });
  });

  it('tells at once for a final error, and never for an error that does not ask to notify or is no BridgeError', async () => {
    const final = setup(failing(new BridgeError('REMOTE_REJECTED', 'refused', { userMessage: 'Refused.' })));
    await expect(final.dispatcher.dispatch(text(), 3)).rejects.toThrow('refused');
    expect(final.said.map((s) => s.content.body)).toEqual([`${alice}: Refused.`]);
    for (const error of [new BridgeError('HANDLER_FAILED', 'x', { notifySender: false, retriable: false }), new Error('a bug')]) {
      const quiet = setup(failing(error));
      await expect(quiet.dispatcher.dispatch(text(), 0)).rejects.toBe(error);
      expect(quiet.said).toEqual([]);
    }
  });

  it('applies to every capability and the raw fallback alike', async () => {
    const error = new BridgeError('REMOTE_REJECTED', 'no', { userMessage: 'No.' });
    const { dispatcher, said } = setup({ ...base(), onMembership: async () => { throw error; }, onMatrixEvent: async () => { throw error; } });
    await expect(dispatcher.dispatch(join(), 0)).rejects.toBe(error);
    await expect(dispatcher.dispatch(custom(), 0)).rejects.toBe(error);
    expect(said).toHaveLength(2);
  });
});
