import { applyCode, PLAIN, stripMirc, tokenizeMirc, type MircStyle } from './mirc';
import { ctcpAction, estimatePrefixLength, LineBudgetError, splitMessage, textBudget } from './split';

const framing = { target: '#chan', prefixLength: estimatePrefixLength() };
const budget = textBudget(framing);

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every visible non-space grapheme with the style it is shown in. */
function styledGraphemes(lines: string[]): string[] {
  const seg = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const out: string[] = [];
  for (const line of lines) {
    let style: MircStyle = PLAIN;
    for (const t of tokenizeMirc(line)) {
      if (t.type === 'code') style = applyCode(style, t.code);
      else for (const { segment } of seg.segment(t.text)) if (segment.trim()) out.push(`${segment}|${JSON.stringify(style)}`);
    }
  }
  return out;
}

describe('textBudget', () => {
  it('subtracts the relayed prefix, command, target, CRLF and CTCP framing', () => {
    // 512 - (":" + nick(30) "!" ~user(11) "@" host(63) + " ") - "PRIVMSG #chan :" - CRLF
    expect(budget).toBe(512 - 108 - 15 - 2);
    expect(textBudget({ ...framing, action: true })).toBe(budget - 9);
    expect(textBudget({ ...framing, command: 'NOTICE' })).toBe(budget + 1);
    expect(textBudget({ ...framing, lineBytes: 1024 })).toBe(budget + 512);
  });

  it('refuses framings that leave no room', () => {
    expect(() => splitMessage('x', { target: '#'.repeat(400) })).toThrow(LineBudgetError);
  });
});

describe('splitMessage', () => {
  it.each<[string, string[]]>([
    ['hello', ['hello']],
    ['a\nb\r\nc\rd', ['a', 'b', 'c', 'd']],
    ['a\n\n\nb', ['a', 'b']],
    ['\x02\x02\nx', ['x']],
    ['', []],
    ['nul\0byte', ['nulbyte']],
    ['a\n\u00a0\n\u200b\u200d\nb', ['a', 'b']],
    ['\u2060\ufeff', []],
    ['zero\u200bwidth inside', ['zero\u200bwidth inside']],
  ])('%j → %j', (text, chunks) => {
    expect(splitMessage(text, framing)).toEqual(chunks);
  });

  it('cuts at the last space that fits and drops that space', () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
    const chunks = splitMessage(words, framing);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(Buffer.byteLength(c)).toBeLessThanOrEqual(budget);
      expect(c).not.toMatch(/^ | $/);
    }
    expect(chunks.join(' ')).toBe(words);
  });

  it('hard-cuts a long word without breaking UTF-8 sequences', () => {
    const text = 'é'.repeat(1000);
    const chunks = splitMessage(text, framing);
    for (const c of chunks) {
      expect(Buffer.byteLength(c)).toBeLessThanOrEqual(budget);
      expect(Buffer.from(c).toString('utf8')).toBe(c);
    }
    expect(chunks.join('')).toBe(text);
  });

  it('never splits a grapheme cluster', () => {
    const family = '👨‍👩‍👧‍👦'; // 25 bytes, one grapheme
    const chunks = splitMessage(family.repeat(60), framing);
    for (const c of chunks) expect(c.length % family.length).toBe(0);
    expect(chunks.join('')).toBe(family.repeat(60));
  });

  it('cuts a grapheme longer than a line between code points', () => {
    const zalgo = `Z${'\u0336'.repeat(400)}`;
    const chunks = splitMessage(zalgo, framing);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(zalgo);
    for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThanOrEqual(budget);
  });

  it('re-opens formatting on the next chunk', () => {
    const text = `\x02\x0304,01${'x'.repeat(budget)}`;
    const [first, second] = splitMessage(text, framing);
    expect(Buffer.byteLength(first as string)).toBe(budget);
    expect(second).toMatch(/^\x0304,01\x02x+$/);
  });

  it('guards a re-opened colour before a comma and digit', () => {
    const text = `\x0304${'a'.repeat(budget - 6)} ,5 more words`;
    const chunks = splitMessage(text, framing);
    expect(chunks).toEqual([`\x0304${'a'.repeat(budget - 6)}`, '\x0304\x02\x02,5 more words']);
  });

  it('never cuts inside a formatting code', () => {
    for (let pad = budget - 20; pad <= budget; pad++) {
      const chunks = splitMessage(`${'a'.repeat(pad)}\x0312,04b\x04aabbcc,ddeeffc`, framing);
      expect(styledGraphemes(chunks)).toEqual(styledGraphemes([`${'a'.repeat(pad)}\x0312,04b\x04aabbcc,ddeeffc`]));
    }
  });

  it('keeps text and styles intact for random formatted input (property)', () => {
    const random = prng(7);
    const pieces = ['word', ' ', '  ', 'é', '😀', '👍🏽', '\x02', '\x1d', '\x1f', '\x0304', '\x0312,01', '\x03', '\x0f', '\x04ff0000', '1', ',', 'x'.repeat(50), '\n'];
    for (let i = 0; i < 300; i++) {
      let text = '';
      const n = Math.floor(random() * 400);
      for (let j = 0; j < n; j++) text += pieces[Math.floor(random() * pieces.length)];
      const chunks = splitMessage(text, { ...framing, action: i % 2 === 0 });
      const limit = textBudget({ ...framing, action: i % 2 === 0 });
      for (const c of chunks) {
        expect(Buffer.byteLength(c)).toBeLessThanOrEqual(limit);
        expect(c).not.toMatch(/[\r\n\0]/);
        expect(stripMirc(c).trim()).not.toBe('');
      }
      expect(styledGraphemes(chunks)).toEqual(styledGraphemes(text.split('\n')));
    }
  });

  it('fits a relayed line in 512 bytes with the real framing', () => {
    const nick = 'n'.repeat(30);
    const prefix = `${nick}!~${'u'.repeat(10)}@${'h'.repeat(63)}`;
    const chunks = splitMessage('z '.repeat(2000), { target: '#chan', prefixLength: prefix.length, action: true });
    for (const c of chunks) {
      const relayed = `:${prefix} PRIVMSG #chan :${ctcpAction(c)}\r\n`;
      expect(Buffer.byteLength(relayed)).toBeLessThanOrEqual(512);
    }
  });
});
