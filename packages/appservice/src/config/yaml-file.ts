import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { ConfigError } from '../errors/bridge-error';

/**
 * Parses one YAML document with the JSON schema only: no `!!js` tags, no `yes`/`no` booleans,
 * no dates, duplicate keys rejected. Syntax errors become a ConfigError with line and column.
 */
export function parseYamlText(text: string, source: string): unknown {
  let parsed: unknown;
  try {
    parsed = yaml.load(text, { schema: yaml.JSON_SCHEMA, filename: source });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}: ` : '';
      throw new ConfigError(source, [{ path: '', message: `is not valid YAML (${where}${err.reason}); fix the syntax there` }], { cause: err });
    }
    throw err;
  }
  // An alias inside the anchor it names (`a: &x {b: *x}`) makes a value that contains itself:
  // every later walk over the config would recurse without end (found by the config fuzzer).
  const cycle = selfReference(parsed, new Set());
  if (cycle !== undefined) {
    throw new ConfigError(source, [{ path: cycle, message: 'refers to a value that contains it (a YAML alias inside its own anchor); write the value out instead' }]);
  }
  return parsed;
}

/** The key path where `value` first contains one of its own ancestors, or undefined for a tree (shared aliases are fine). */
function selfReference(value: unknown, ancestors: Set<object>, done = new Set<object>(), path = ''): string | undefined {
  if (typeof value !== 'object' || value === null || done.has(value)) return undefined;
  if (ancestors.has(value)) return path;
  ancestors.add(value);
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  for (const [key, child] of entries) {
    const found = selfReference(child, ancestors, done, path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  ancestors.delete(value);
  done.add(value); // a value shared through an alias is walked once
  return undefined;
}

/** Reads a file for a loader, turning "not there" and "not readable" into an error that says what to do. */
export function readTextFile(path: string, whatToDo: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'the file does not exist' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new ConfigError(path, [{ path: '', message: `cannot be read (${reason}); ${whatToDo}` }], { cause: err });
  }
}
