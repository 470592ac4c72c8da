import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { ConfigError } from '../errors/bridge-error';

/**
 * Parses one YAML document with the JSON schema only: no `!!js` tags, no `yes`/`no` booleans,
 * no dates, duplicate keys rejected. Syntax errors become a ConfigError with line and column.
 */
export function parseYamlText(text: string, source: string): unknown {
  try {
    return yaml.load(text, { schema: yaml.JSON_SCHEMA, filename: source });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}: ` : '';
      throw new ConfigError(source, [{ path: '', message: `is not valid YAML (${where}${err.reason}); fix the syntax there` }], { cause: err });
    }
    throw err;
  }
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
