/**
 * Splits command arguments the way a shell does, but lazily: a cursor hands out one word at a
 * time, so the last argument of a command can instead take the rest of the line verbatim (a
 * password or a raw IRC line may contain quotes that must not be interpreted).
 *
 * Words are separated by whitespace; "double" or 'single' quotes group words; inside double
 * quotes a backslash escapes `"` and `\`. Quotes may touch a word: a"b c" is one word, `ab c`.
 */
import { CommandError } from './errors';

export class ArgCursor {
  private position = 0;

  constructor(private readonly input: string) {
    this.skipSpace();
  }

  get done(): boolean {
    return this.position >= this.input.length;
  }

  /** The next word without consuming it. */
  peek(): string | undefined {
    const saved = this.position;
    try {
      return this.next();
    } finally {
      this.position = saved;
    }
  }

  /** The raw text after the next word (trimmed at its start), without consuming anything. */
  restAfterPeek(): string {
    const saved = this.position;
    try {
      this.next();
      return this.input.slice(this.position);
    } finally {
      this.position = saved;
    }
  }

  next(): string | undefined {
    if (this.done) return undefined;
    let word = '';
    while (this.position < this.input.length && !isSpace(this.input[this.position]!)) {
      const ch = this.input[this.position]!;
      if (ch === '"' || ch === "'") {
        word += this.quoted(ch);
      } else {
        word += ch;
        this.position++;
      }
    }
    this.skipSpace();
    return word;
  }

  /** Everything not consumed yet, exactly as typed (only the whitespace before it is skipped). */
  rest(): string {
    const text = this.input.slice(this.position);
    this.position = this.input.length;
    return text;
  }

  /** All remaining words. */
  words(): string[] {
    const out: string[] = [];
    for (let word = this.next(); word !== undefined; word = this.next()) out.push(word);
    return out;
  }

  private quoted(quote: string): string {
    const start = this.position;
    this.position++;
    let text = '';
    while (this.position < this.input.length) {
      const ch = this.input[this.position]!;
      if (ch === quote) {
        this.position++;
        return text;
      }
      if (quote === '"' && ch === '\\' && (this.input[this.position + 1] === '"' || this.input[this.position + 1] === '\\')) {
        text += this.input[this.position + 1];
        this.position += 2;
        continue;
      }
      text += ch;
      this.position++;
    }
    throw new CommandError(`The quote ${quote} at position ${start + 1} is never closed. Close it, or put a backslash before a " inside "double quotes".`);
  }

  private skipSpace(): void {
    while (this.position < this.input.length && isSpace(this.input[this.position]!)) this.position++;
  }
}

function isSpace(ch: string): boolean {
  return /\s/.test(ch);
}

/** Convenience for tests and simple callers: every word of `input`. */
export function tokenize(input: string): string[] {
  return new ArgCursor(input).words();
}
