/**
 * What a user can do about a JOIN the server refused, by numeric. The server's own words
 * ("Cannot join channel (+k) -- Wrong channel key (475)") name the mode, not the next step.
 * Refusals of the channel's name itself (403, 476, 479) are portals/refused-channels.ts's.
 */
const ADVICE: Readonly<Record<string, (channel: string) => string>> = {
  471: (c) => `${c} is full (+l); try again later.`,
  473: (c) => `${c} is invite-only (+i): ask one of its operators to invite you, then join again.`,
  474: (c) => `You are banned from ${c} (+b); ask one of its operators if you think this is a mistake.`,
  475: (c) => `${c} needs a key (+k): join with !join ${c} <key>, and check the key if you gave one.`,
  477: (c) => `${c} only lets in users logged in to services: store your password with !storepass, then join again.`,
  405: (c) => `You are in too many channels to join ${c}; leave one with !part first.`,
};

/** One sentence saying why and what to do; undefined for numerics without advice. */
export function joinRefusalAdvice(channel: string, numeric: string): string | undefined {
  return ADVICE[numeric]?.(channel);
}
