/**
 * The patterns admins write in `access:` lists: a glob (`*` any run of characters, `?` one) or a
 * regular expression between slashes (`/^@bot-\d+:/i`). Globs match the whole value and ignore
 * case; a regular expression matches anywhere unless it anchors itself.
 */

export type Matcher = (value: string) => boolean;

/** Compiles one pattern; throws a sentence naming the problem for an invalid regular expression. */
export function compilePattern(pattern: string, fold: (s: string) => string = (s) => s.toLowerCase()): Matcher {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (regex) {
    let compiled: RegExp;
    try {
      compiled = new RegExp(regex[1]!, regex[2]!.replace(/[gy]/g, ''));
    } catch (error) {
      throw new Error(`is not a valid regular expression (${(error as Error).message})`);
    }
    return (value) => compiled.test(value);
  }
  const glob = fold(pattern);
  const source = glob.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  const compiled = new RegExp(`^${source}$`, 's');
  return (value) => compiled.test(fold(value));
}

/** True when any pattern matches. */
export function matchesAny(patterns: readonly string[], value: string, fold?: (s: string) => string): boolean {
  return patterns.some((pattern) => compilePattern(pattern, fold)(value));
}
