import type { ConfigProblem } from '../errors/bridge-error';

/**
 * A misspelled section (`loging:`) would otherwise be handed to connectors as a section nobody
 * reads, and its settings silently ignored. Every top-level key must be a core section or one a
 * connector declared; the closest known name is suggested.
 */
export function unknownSectionProblems(keys: readonly string[], known: readonly string[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of keys) {
    if (known.includes(key)) continue;
    const closest = closestName(key, known);
    problems.push({
      path: '',
      message: closest !== undefined
        ? `unknown section '${key}' — did you mean '${closest}'?`
        : `unknown section '${key}' — remove it or fix its spelling (known sections: ${known.join(', ')})`,
    });
  }
  return problems;
}

/** The candidate within a few typos of `word` (case-insensitive), if one is clearly meant. */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  // A third of the word, at least 1, at most 3 edits: "loging" → "logging", but "db" is not "irc".
  const allowed = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance (insert, delete, substitute), one row at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
