import type { SinkAcceptResult, TransactionSink } from './appservice-app';
import { acceptPushed, ECHO_ANSWER_HOLD_MS } from './transaction-route';
import { TestLogger } from '../testing/logger';

const wireEvent = (id: string, sender = '@irc_alice:hs.test') => ({
  event_id: `$${id}`, room_id: '!room:hs.test', sender, type: 'm.room.message',
  content: { msgtype: 'm.text', body: id }, origin_server_ts: 1700000000000,
});

/** A sink that answers what the test says: how many of the events were echoes, and whether it is busy. */
function sink(result: SinkAcceptResult, busy: boolean): TransactionSink {
  return { acceptTransaction: () => result, expectsEchoes: () => busy };
}

describe('the answer to a pushed transaction', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function push(ingest: TransactionSink, body: unknown, echoAnswerHoldMs?: number): jest.Mock {
    const answer = jest.fn();
    acceptPushed({ ingest, log: new TestLogger(), ...(echoAnswerHoldMs !== undefined ? { echoAnswerHoldMs } : {}) }, '1', body, answer);
    return answer;
  }

  it('waits the hold when it holds only echoes and the bridge is still sending', () => {
    const answer = push(sink({ duplicate: false, echoes: 2 }, true), { events: [wireEvent('a'), wireEvent('b')] });
    jest.advanceTimersByTime(ECHO_ANSWER_HOLD_MS - 1);
    expect(answer).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(answer).toHaveBeenCalledWith(200, {});
  });

  it.each([
    ['the bridge is idle (no more echoes are coming)', { duplicate: false, echoes: 1 }, false, [wireEvent('a')]],
    ['an event is not an echo', { duplicate: false, echoes: 1 }, true, [wireEvent('a'), wireEvent('b', '@bob:hs.test')]],
    ['it is a duplicate', { duplicate: true, echoes: 0 }, true, [wireEvent('a')]],
    ['the sink does not count echoes', { duplicate: false }, true, [wireEvent('a')]],
    ['it has no events', { duplicate: false, echoes: 0 }, true, []],
  ])('answers on the next turn when %s', (_case, result, busy, events) => {
    const answer = push(sink(result, busy), { events });
    expect(answer).not.toHaveBeenCalled(); // never inside the push itself
    jest.advanceTimersByTime(0);
    expect(answer).toHaveBeenCalledWith(200, {});
  });

  it('answers at once with ephemeral events, and with a hold of 0', () => {
    const withEphemeral = push(sink({ duplicate: false, echoes: 1 }, true), { events: [wireEvent('a')], ephemeral: [{ type: 'm.typing', room_id: '!room:hs.test', content: { user_ids: [] } }] });
    const noHold = push(sink({ duplicate: false, echoes: 1 }, true), { events: [wireEvent('a')] }, 0);
    jest.advanceTimersByTime(0);
    expect(withEphemeral).toHaveBeenCalledWith(200, {});
    expect(noHold).toHaveBeenCalledWith(200, {});
  });
});
