/**
 * Outgoing IRCv3 message tags (the `@key=value;… ` prefix of a line). Values are escaped as the
 * message-tags spec says (`;` `\s` `\\` `\r` `\n`), so a msgid from the server can never end the
 * tag section early or break the line; keys are checked, since they are never escaped.
 */
const TAG_KEY = /^\+?([A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/;
const ESCAPES: Record<string, string> = { ';': '\\:', ' ': '\\s', '\\': '\\\\', '\r': '\\r', '\n': '\\n' };

export function escapeTagValue(value: string): string {
  return value.replace(/[; \\\r\n]/g, (c) => ESCAPES[c] as string).replace(/\0/g, '');
}

/** `@a=1;+b=2 ` for `{ a: '1', '+b': '2' }`, or '' when there are none. */
export function tagPrefix(tags: Readonly<Record<string, string>>): string {
  const entries = Object.entries(tags);
  if (entries.length === 0) return '';
  for (const [key] of entries) {
    if (!TAG_KEY.test(key)) throw new Error(`"${key}" is not a valid IRCv3 tag name`);
  }
  return `@${entries.map(([key, value]) => (value === '' ? key : `${key}=${escapeTagValue(value)}`)).join(';')} `;
}
