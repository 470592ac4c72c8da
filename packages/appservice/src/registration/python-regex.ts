/**
 * Synapse matches namespace regexes with Python's `re.match`: anchored at the start, not at the
 * end. This compiles such a pattern for JavaScript with the same meaning, translating the few
 * Python-only spellings that have a JS equivalent and failing with the reason for the rest.
 */
export function compilePythonRegex(pattern: string): RegExp {
  let flags = '';
  let body = pattern;
  // Python only allows global inline flags at the very start, e.g. (?i)@_irc_.*
  const leading = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (leading) {
    for (const flag of leading[1]) {
      if (flag === 'x') throw new SyntaxError('verbose mode (?x) is not supported; remove it and write the pattern without comments or spaces');
      if ('ims'.includes(flag) && !flags.includes(flag)) flags += flag;
    }
    body = body.slice(leading[0].length);
  }
  return new RegExp(`^(?:${translate(body)})`, flags);
}

function translate(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new SyntaxError('the pattern ends with a lone backslash');
      i++;
      if (!inClass && next === 'A') out += '^';
      else if (!inClass && (next === 'Z' || next === 'z')) out += '$';
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += `\\${pattern[++i]}`; // Python: a leading ']' is literal
      continue;
    }
    if (pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    if (pattern.startsWith('(?P=', i)) {
      const end = pattern.indexOf(')', i);
      if (end < 0) throw new SyntaxError('unterminated (?P=name) back-reference');
      out += `\\k<${pattern.slice(i + 4, end)}>`;
      i = end;
      continue;
    }
    if (pattern.startsWith('(?#', i)) {
      const end = pattern.indexOf(')', i);
      if (end < 0) throw new SyntaxError('unterminated (?#...) comment');
      i = end;
      continue;
    }
    if (/^\(\?[aiLmsux]+\)/.test(pattern.slice(i))) {
      throw new SyntaxError('inline flags such as (?i) are only allowed at the very start of the pattern');
    }
    out += c;
  }
  return out;
}

/** Escapes text so it matches literally, in a form both Python and JavaScript read the same way. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}
