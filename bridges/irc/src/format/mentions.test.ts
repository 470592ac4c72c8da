import { asUserId, type UserId } from '@bridgekit/appservice';
import { findMentions, MIN_MENTION_LENGTH, type MentionRules, type MentionTarget } from './mentions';

// The channel's members; the lookup folds case as the roster does.
const members = ['the', 'ed', 'alice', 'carol[m]', 'will'];
const idOf = (nick: string): UserId => asUserId(`@_irc_net_${nick.replace(/[[\]]/g, '_')}:hs`);
const lookup = (word: string): MentionTarget | undefined => {
  const nick = members.find((m) => m === word.toLowerCase());
  return nick ? { userId: idOf(nick), displayName: nick } : undefined;
};
const rules = (sender?: string): MentionRules => ({ lookup, ...(sender ? { sender: idOf(sender) } : {}) });

describe('findMentions', () => {
  it('uses a minimum length of four for nicks in running text', () => {
    expect(MIN_MENTION_LENGTH).toBe(4);
  });

  it.each<[string, string, string | undefined, string[]]>([
    ['a short nick as an ordinary word is text', 'the quick brown fox jumps over the lazy dog', undefined, []],
    ['a short nick addressed with ":" at the start is a pill', 'the: quick question', undefined, ['the']],
    ['... and with ","', 'the, look', undefined, ['the']],
    ['a two-letter nick addressed', 'ed: hi', undefined, ['ed']],
    ['a two-letter nick in running text is text', 'hi ed', undefined, []],
    ['addressing counts only at the start of the line', 'hey the: hi', undefined, []],
    ['leading spaces do not stop addressing', '  ed: hi', undefined, ['ed']],
    ['a nick alone with ":"', 'carol[m]:', undefined, ['carol[m]']],
    ['a long enough nick anywhere', 'thanks carol[m]', undefined, ['carol[m]']],
    ['with sentence punctuation after it', 'ask alice! or carol[m]?', undefined, ['alice', 'carol[m]']],
    ['four letters is enough', 'I will ask', undefined, ['will']],
    ['a nick as the first word without ":" follows the length rule', 'alice said hi, the rest left', undefined, ['alice']],
    ['in any case, as IRC compares nicks', 'ALICE: hi', undefined, ['alice']],
    ['only the first word is addressed', 'alice, ed: hi', undefined, ['alice']],
    ['not a member: text', 'ask dave or ed', undefined, []],
    ['part of a word: text', "alice's cat, malice, alice:alice, carol[m]@example.org", undefined, []],
    ['never the speaker, addressed', 'alice: note to self', 'alice', []],
    ['never the speaker, in running text', 'this is alice speaking to carol[m]', 'alice', ['carol[m]']],
    ['every occurrence', 'alice alice', undefined, ['alice', 'alice']],
  ])('%s: %j', (_what, body, sender, nicks) => {
    const spans = findMentions(body, rules(sender));
    expect(spans.map((s) => s.target.displayName)).toEqual(nicks);
    for (const span of spans) expect(body.slice(span.start, span.end).toLowerCase()).toBe(span.target.displayName);
  });
});
