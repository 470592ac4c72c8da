import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BridgeError, errorCodeInfo, errorCodeTable, isRetriable, MatrixError, userMessageOf } from '@bridgekit/appservice';
import { ACCOUNT_ERROR_CODES, AccountError } from '../accounts/errors';
import { IRC_ERROR_CODES, IrcError, JoinFailedError, SEE_THE_LOG_REASON, userReasonOf } from './errors';

describe('IRC error codes in the core registry', () => {
  it('are BridgeErrors with their code\'s status, retriable and notifySender, and one retriable notion', () => {
    const e = new IrcError('IRC_NOT_CONNECTED', 'Not connected to irc.example; the bridge reconnects automatically, try again shortly.');
    expect(e).toBeInstanceOf(BridgeError);
    expect([e.code, e.httpStatus, e.retriable, e.notifySender]).toEqual(['IRC_NOT_CONNECTED', 503, true, true]);
    expect(isRetriable(e)).toBe(true);
    expect(isRetriable(new JoinFailedError('#c', '474', 'Cannot join channel (+b)'))).toBe(false);
    expect(errorCodeInfo('IRC_BANNED')).toEqual(IRC_ERROR_CODES.IRC_BANNED);
  });

  it("gives the room the thrower's sentence (written for the user), or the code's when asked", () => {
    const join = new JoinFailedError('#secret', '473', 'Cannot join channel (+i)');
    expect(join.userMessage).toBe('Cannot join #secret: Cannot join channel (+i) (473).');
    expect(userMessageOf(join)).toBe(join.message);
    expect(userReasonOf(join)).toBe(join.message);
    expect(new IrcError('IRC_BANNED', 'K-lined: spam', { userMessage: IRC_ERROR_CODES.IRC_BANNED.userMessage }).userMessage)
      .toBe('The IRC network refused your connection; contact its operators.');
    expect(userReasonOf(new MatrixError('M_FORBIDDEN', 403, 'no', 'PUT /send'))).toBe(SEE_THE_LOG_REASON);
  });

  it('has one short sentence per code that says what to do, with no numeric, status or code in it', () => {
    for (const [code, info] of Object.entries({ ...IRC_ERROR_CODES, ...ACCOUNT_ERROR_CODES })) {
      expect([code, info.userMessage.length > 10 && info.userMessage.length < 120, /[.;]/.test(info.userMessage)]).toEqual([code, true, true]);
      expect([code, /\b\d{3}\b|\bM_[A-Z_]+|[A-Z]+_[A-Z_]+/.test(info.userMessage)]).toEqual([code, false]);
      // Read as a plain number: the rule must hold for codes added later, not only today's literals.
      const status: number = info.httpStatus;
      if (info.retriable) expect([code, status === 429 || status >= 500]).toEqual([code, true]);
    }
  });
});

describe('account errors in the core registry', () => {
  it("give the room the user's own sentence, but never a key file's path", () => {
    const bad = new AccountError('PASSWORD_INVALID', 'The password is empty.');
    expect([bad.userMessage, bad.retriable, bad instanceof BridgeError]).toEqual(['The password is empty.', false, true]);
    const keyFile = new AccountError('KEY_FILE_INSECURE', 'chmod 600 /var/lib/bridge/irc-passwords.key');
    expect(keyFile.userMessage).not.toContain('/var/lib');
    expect(keyFile.message).toContain('/var/lib');
  });
});

describe('docs/errors.md', () => {
  // Generated from the registry (the core's codes and the IRC bridge's): regenerate with
  // UPDATE_ERROR_DOCS=1 npx jest bridges/irc/src/irc/errors.test.ts --selectProjects unit
  const path = join(__dirname, '../../../../docs/errors.md');
  const expected = `# Error codes

Every error the bridge raises has a stable code. Logs, metrics and notices name it; the admin reads
the full message in the log, the room reads only the last column. Retriable errors are tried again
with backoff; "notify sender" errors are answered in the room when they end an action for good.
Generated from the code registry (\`defineErrorCodes\`) by bridges/irc/src/irc/errors.test.ts.

${errorCodeTable()}
`;

  it('lists every registered code, as the registry has it', () => {
    if (process.env.UPDATE_ERROR_DOCS === '1') writeFileSync(path, expected);
    expect(readFileSync(path, 'utf8')).toBe(expected);
    for (const code of Object.keys({ ...IRC_ERROR_CODES, ...ACCOUNT_ERROR_CODES })) expect(expected).toContain(`| \`${code}\` |`);
  });
});
