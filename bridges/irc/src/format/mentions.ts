/**
 * Which words of an IRC line are people, following what IRC clients highlight:
 *   - the line starts with `nick:` or `nick,` (addressing someone): always that person, however
 *     short the nick, as long as they are in the channel;
 *   - elsewhere, a whole word (sentence punctuation after it allowed) that is the nick of someone
 *     in the channel, only when the nick is at least MIN_MENTION_LENGTH characters;
 *   - never the speaker themselves.
 * Membership is the lookup's job (it answers only for the channel's members); this module decides
 * which words are worth asking about.
 */
import type { UserId } from '@bridgekit/appservice';

/** Who a word in the message refers to, when it is the nick of a user in the room. */
export interface MentionTarget {
  userId: UserId;
  displayName: string;
}

/** Looks a word up as a nick; return undefined for words that are not nicks in the room. */
export type MentionLookup = (word: string) => MentionTarget | undefined;

export interface MentionRules {
  lookup: MentionLookup;
  /** The speaker's own Matrix user (their ghost): never pilled, even if they say their nick. */
  sender?: UserId;
}

/**
 * Nicks shorter than this are pilled only when addressed (`ed: hi`). Every one- to three-letter
 * English word — "a", "I", "an", "to", "the", "and", "you", "for", "not", "can" — is among the most
 * frequent words of any chat, so a member called `the` or `can` would otherwise be pilled (and
 * notified) in half the lines; four letters is the shortest length where a nick in the middle of
 * a sentence is far more often meant than accidental.
 */
export const MIN_MENTION_LENGTH = 4;

/** Where a mention is in the message's plain text: `[start, end)` in UTF-16 code units. */
export interface MentionSpan {
  start: number;
  end: number;
  target: MentionTarget;
}

const WORD = /\S+/g;
const ADDRESSED = /^(.+)[:,]$/;
// Nicks cannot contain these (RFC 2812 nick characters), so stripping them never cuts a nick.
const TRAILING_PUNCTUATION = /[.,:;!?]+$/;

/** The mentions in `body` (plain text, no formatting codes), in order. */
export function findMentions(body: string, rules: MentionRules): MentionSpan[] {
  const spans: MentionSpan[] = [];
  const lookup = (word: string): MentionTarget | undefined => {
    const target = rules.lookup(word);
    return target && target.userId !== rules.sender ? target : undefined;
  };
  let first = true;
  for (const match of body.matchAll(WORD)) {
    const word = match[0];
    const start = match.index ?? 0;
    const isFirst = first;
    first = false;
    const addressed = isFirst ? ADDRESSED.exec(word)?.[1] : undefined;
    const addressee = addressed !== undefined ? lookup(addressed) : undefined;
    if (addressed !== undefined && addressee) {
      spans.push({ start, end: start + addressed.length, target: addressee });
      continue;
    }
    const bare = word.replace(TRAILING_PUNCTUATION, '');
    if (!bare || Array.from(bare).length < MIN_MENTION_LENGTH) continue;
    const target = lookup(bare);
    if (target) spans.push({ start, end: start + bare.length, target });
  }
  return spans;
}
