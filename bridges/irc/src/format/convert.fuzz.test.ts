import fc from 'fast-check';
import { fuzzParams, fuzzTimeout } from '../../../../test/fuzz/runs';
import { ircToMatrix } from './irc-to-matrix';
import { htmlToIrc, matrixToIrc } from './matrix-to-irc';
import { applyCode, PLAIN, stripMirc, tokenizeMirc, type MircStyle } from './mirc';
import { splitMessage } from './split';

// mIRC ↔ Matrix HTML over generated inputs: nothing throws, the plain body is the text without
// codes, and formatting survives IRC → Matrix → IRC → Matrix unchanged (the round trip a message
// makes when a Matrix user quotes an IRC line back).

const ALL_CODES = { monospace: true, strikethrough: true };
/**
 * Palette colours 0-15 only (those map to an exact hex and back; 16-98 are approximated on the
 * way to IRC), always two digits so digits in the text after them stay text, as the sender meant.
 */
const colour = fc.integer({ min: 0, max: 15 }).map((n) => String(n).padStart(2, '0'));
// \x0399 (default colour) stands in for a bare \x03: by IRC's own rules a bare one followed by
// digits in the text is a colour code, so the text would not mean what the generator meant.
const code = fc.oneof(
  fc.constantFrom('\x02', '\x1d', '\x1f', '\x1e', '\x11', '\x0f', '\x0399'),
  colour.map((fg) => `\x03${fg}`),
  fc.tuple(colour, colour).map(([fg, bg]) => `\x03${fg},${bg}`),
);
const words = fc.constantFrom('hello', 'wörld', '1', '23', 'a,b', ' ', '  ', '<b>', '&amp;', '"', "'", '☕', '👩‍👩‍👧', 'https://example.org/a?b=c&d', '\t', '>', 'a\u0301');
const mircText = fc.array(fc.oneof({ weight: 3, arbitrary: words }, { weight: 1, arbitrary: code }), { maxLength: 60 }).map((p) => p.join(''));

/** Each visible character with the style it is shown in (`reverse` aside: Matrix has no such style). */
function styledChars(text: string): string[] {
  const out: string[] = [];
  let style: MircStyle = PLAIN;
  for (const token of tokenizeMirc(text)) {
    if (token.type === 'code') style = applyCode(style, token.code);
    else for (const ch of token.text.replace(CONTROL, '')) if (!/\s/.test(ch)) out.push(`${ch} ${JSON.stringify({ ...style, reverse: undefined })}`);
  }
  return out;
}

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

describe('IRC → Matrix over generated text', () => {
  it('never throws on any string, and the body is the text without formatting codes or controls', () => {
    fc.assert(fc.property(fc.oneof(mircText, fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
      const out = ircToMatrix(text);
      expect(out.body).toBe(stripMirc(text).replace(CONTROL, ''));
      if (out.formatted_body !== undefined) expect(out.formatted_body).not.toMatch(/<(?!\/?(?:b|i|u|del|code|a|font)[ >])/);
    }), fuzzParams());
  }, fuzzTimeout(0.5));

  // Compared per visible character (its text and its style): HTML → IRC reads whitespace as
  // HTML does (runs collapse, also across tags), so spaces and their styling may change.
  it('keeps every visible character and its style through IRC → Matrix → IRC', () => {
    fc.assert(fc.property(mircText, (text) => {
      const first = ircToMatrix(text);
      const back = matrixToIrc({ body: first.body, ...(first.formatted_body !== undefined ? { format: 'org.matrix.custom.html', formatted_body: first.formatted_body } : {}) }, { codes: ALL_CODES });
      expect(styledChars(back)).toEqual(styledChars(text));
    }), fuzzParams());
  }, fuzzTimeout(0.5));
});

describe('Matrix HTML → IRC over generated HTML', () => {
  const tag = fc.constantFrom('b', 'strong', 'i', 'em', 'u', 'del', 's', 'code', 'pre', 'p', 'div', 'br', 'blockquote', 'ul', 'ol', 'li', 'h1', 'a', 'font', 'span', 'mx-reply', 'script', 'table', 'tr', 'td', 'img', 'hr', 'x-unknown');
  const attr = fc.constantFrom('', ' href="https://matrix.to/#/@alice:hs.test"', ' href="javascript:alert(1)"', ' data-mx-color="#ff0000"', ' data-mx-bg-color="zz"', ' color="red"', ' src="mxc://a/b"', ' alt="x"');
  const html: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.tuple(tag, attr, fc.array(tie('node'), { maxLength: 4 })).map(([t, a, kids]) => `<${t}${a}>${kids.join('')}</${t}>`),
      fc.constantFrom('<b>', '</i>', '<', '&', '&#0;', '&#x110000;', '&nbsp;', '<!-- x -->', '<![CDATA[x]]>', '\r\n', '\0'),
    ),
  })).node;
  const deep = fc.tuple(fc.integer({ min: 1, max: 5_000 }), tag).map(([n, t]) => `<${t}>`.repeat(n) + 'x' + `</${t}>`.repeat(n));

  it('never throws, and the lines it makes carry no CR, LF or NUL (which would end or corrupt an IRC line)', () => {
    fc.assert(fc.property(fc.oneof({ weight: 9, arbitrary: html }, { weight: 1, arbitrary: deep }), fc.boolean(), (h, codes) => {
      const out = htmlToIrc(h, (userId) => (userId.length > 10 ? 'alice' : undefined), codes ? ALL_CODES : undefined);
      for (const chunk of splitMessage(out, { target: '#c' })) expect(chunk).not.toMatch(/[\r\n\0]/);
    }), fuzzParams());
  }, fuzzTimeout(2));
});
