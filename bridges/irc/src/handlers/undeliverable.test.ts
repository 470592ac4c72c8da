// Unit tests (in-process fakes): a notice about an undelivered message tells the room a short
// reason; what went wrong on the Matrix side (endpoint, status, errcode) goes to the log only.
import { MatrixError, type RoomId, type UserId } from '@bridgekit/appservice';
import { IrcError, SEE_THE_LOG_REASON, userReasonOf } from '../irc/errors';
import { alice, startHarness, type Harness } from '../testing/harness';
import { UndeliverableError } from './undeliverable';

const UPLOAD = 'POST /_matrix/media/v3/upload';
const refusedUpload = () => new MatrixError('M_TOO_LARGE', 413, 'Upload request body is too large', UPLOAD);

describe('UndeliverableError', () => {
  it('keeps an IRC reason and a sentence given as a string for the room', () => {
    const irc = new UndeliverableError('#chan', 'Test Net', new IrcError('IRC_NOT_CONNECTED', 'Not connected to Test Net.'));
    expect(irc.message).toBe('Your message was not delivered to #chan on Test Net: Not connected to Test Net.');
    const told = new UndeliverableError('bob', 'Test Net', 'this room is a private chat');
    expect(told.message).toBe('Your message was not delivered to bob on Test Net: this room is a private chat');
  });

  it("gives the room a generic reason for a homeserver refusal, and the log its full text", () => {
    const e = new UndeliverableError('#chan', 'Test Net', refusedUpload());
    expect(e.message).toBe(`Your message was not delivered to #chan on Test Net: ${SEE_THE_LOG_REASON}`);
    expect(e.detail).toBe(`${UPLOAD} failed with 413 M_TOO_LARGE: Upload request body is too large`);
    expect(e.code).toBe('IRC_NOT_DELIVERED');
  });

  it('never passes the text of an error that is not IRC\'s to the room', () => {
    expect(userReasonOf(new Error('ECONNRESET 10.0.0.5:8008'))).toBe(SEE_THE_LOG_REASON);
    expect(userReasonOf(new MatrixError('M_FORBIDDEN', 403, 'not in room', 'PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}'))).toBe(SEE_THE_LOG_REASON);
  });
});

describe('a message whose paste upload the homeserver refuses', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  function noticesTo(roomId: RoomId, userId: UserId): string[] {
    return h.messagesIn(roomId)
      .filter((e) => (e.content['m.mentions'] as { user_ids?: string[] } | undefined)?.user_ids?.includes(userId))
      .map((e) => String(e.content.body));
  }

  it('tells the sender in a sentence with no path, status or errcode, and logs all three', async () => {
    h = await startHarness({ network: { messages: { paste_threshold_lines: 2 } } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'warm-up' });
    h.tb.failNext(1, { status: 413, errcode: 'M_TOO_LARGE', error: 'Upload request body is too large' }, { endpoint: 'upload' });
    const { eventId } = await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'one\ntwo\nthree\nfour' });

    const notices = noticesTo(roomId, alice);
    expect(notices).toEqual([`${alice}: Your message was not delivered to #chan on Test Net: ${SEE_THE_LOG_REASON}`]);
    for (const notice of notices) {
      expect(notice).not.toMatch(/\/_matrix|POST/); // no path
      expect(notice).not.toMatch(/\b[1-5]\d\d\b/); // no status code
      expect(notice).not.toMatch(/\bM_[A-Z_]+/); // no Matrix errcode
    }
    expect(h.server.sent.filter((l) => l.text?.includes('three'))).toEqual([]);
    const logged = h.tb.logLines().filter((l) => l.message === 'Telling the sender that their event was not bridged');
    expect(logged).toHaveLength(1);
    expect(String(logged[0]?.meta.cause)).toBe(`${UPLOAD} failed with 413 M_TOO_LARGE: Upload request body is too large`);
    // Dead-lettered by the core at once, not retried: one upload attempt.
    expect(h.store.journal.deadLetters()).toEqual([expect.objectContaining({ eventId, roomId })]);
    expect(h.tb.sent.to('upload')).toHaveLength(1);
  });
});
