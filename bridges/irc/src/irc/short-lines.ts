/**
 * Lines irc-framework cannot read. Its handlers index a command's parameters without checking
 * that they are there (`params[1].toLowerCase()` in the WHOIS replies, `.split(' ')` on the
 * last parameter of 353, ...), so a server line with fewer parameters than a handler expects
 * throws inside its middleware, which prints the stack with console.log: noise in the bridge's
 * output that the log level cannot silence, and a state error for the next line of the same
 * reply. Such a line carries nothing the bridge could use, so the socket transport drops it
 * before irc-framework parses it (bot and puppets alike).
 *
 * The table was measured against irc-framework 4.14 by sending every command and numeric it
 * handles with 0 … 8 parameters (short-lines.test.ts repeats that measurement against the
 * installed version, so an upgrade that needs more is caught).
 */

/** Fewest parameters each command or numeric needs before irc-framework can handle it. */
export const MIN_PARAMS: Readonly<Record<string, number>> = {
  PRIVMSG: 1, NOTICE: 1, BATCH: 1, CAP: 2,
  // Away, WHOIS/WHOWAS replies and their end markers: the nick is params[1].
  '301': 2, '305': 1, '306': 1, '276': 2, '307': 2, '310': 2, '311': 2, '312': 2, '313': 2, '314': 2,
  '317': 2, '318': 2, '319': 2, '320': 2, '330': 2, '335': 2, '338': 2, '344': 2, '369': 2, '378': 2,
  '379': 2, '406': 2, '569': 2, '671': 2,
  // Channel replies: topic setter, names, WHO, ban/invite/exception lists, links.
  '333': 3, '352': 8, '353': 3, '364': 4, '366': 2, '346': 2, '347': 2, '348': 2, '349': 2, '367': 2, '368': 2,
  // SASL logged in/out, MONITOR list full.
  '900': 2, '901': 2, '732': 1,
};

/** Counts a line's parameters (a trailing `:` parameter counts as one, even when empty). */
export function paramCount(line: string): { command: string; params: number } | undefined {
  let i = 0;
  const skipWord = () => {
    const end = line.indexOf(' ', i);
    i = end === -1 ? line.length : end;
    while (line[i] === ' ') i++;
  };
  while (line[i] === ' ') i++;
  if (line[i] === '@') skipWord();
  if (line[i] === ':') skipWord();
  const start = i;
  skipWord();
  const command = line.slice(start, i).trim().toUpperCase();
  if (command === '') return undefined;
  let params = 0;
  while (i < line.length) {
    params++;
    if (line[i] === ':') break;
    skipWord();
  }
  return { command, params };
}

/** True when irc-framework would throw on this line (see MIN_PARAMS). */
export function tooShortForIrcFramework(line: string): boolean {
  const head = paramCount(line);
  if (!head) return false;
  const needed = MIN_PARAMS[head.command];
  return needed !== undefined && head.params < needed;
}
