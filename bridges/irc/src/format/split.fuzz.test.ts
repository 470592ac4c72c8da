import fc from 'fast-check';
import { fuzzParams, fuzzTimeout } from '../../../../test/fuzz/runs';
import { isBlank } from './blank';
import { stripMirc } from './mirc';
import { splitMessage, textBudget, type LineFraming } from './split';

// Properties of the splitter over generated texts: each chunk fits the byte budget, no chunk
// boundary falls inside a UTF-8 sequence or a grapheme, and the chunks give back the text
// (minus the spaces cut at and the blank pieces IRC cannot send).

/**
 * Whole graphemes that stay whole when concatenated in any order (none starts with a combining
 * mark, a ZWJ or a lone regional indicator), so a segmenter run over a chunk must find only
 * these: any other grapheme means the splitter cut one in half.
 */
const GRAPHEMES = [
  'a', 'Z', '0', '.', ' ', ' ', ' ', 'é', 'e\u0301', 'ß', 'Ω', 'ж', '中', '한', 'ก', '☕', '😀',
  '👍🏽', '👩‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷', 'ǅ', '\u00a0', 'x\u0308\u0301\u0323',
];
const CODES = ['\x02', '\x1d', '\x1f', '\x1e', '\x11', '\x16', '\x0f', '\x03', '\x034', '\x0312,5', '\x03,3', '\x0399', '\x04ff0000', '\x04ABCDEF,000000'];

const piece = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...GRAPHEMES) },
  { weight: 1, arbitrary: fc.constantFrom(...CODES) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('w', 'o', 'r', 'd'), minLength: 1, maxLength: 40 }) },
);
const line = fc.array(piece, { maxLength: 400 }).map((pieces) => pieces.join(''));
const framing: fc.Arbitrary<LineFraming> = fc.record({
  command: fc.constantFrom('PRIVMSG' as const, 'NOTICE' as const),
  target: fc.constantFrom('#c', '#a-much-longer-channel-name', 'somenick', '#ünïcødé'),
  prefixLength: fc.integer({ min: 10, max: 120 }),
  action: fc.boolean(),
  lineBytes: fc.constantFrom(512, 512, 1024, 300),
});

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemeSet = new Set(GRAPHEMES);
const visible = (text: string) => [...segmenter.segment(stripMirc(text))].map((s) => s.segment).filter((g) => !isBlank(g)).join('');

describe('splitMessage over generated text', () => {
  it('keeps every chunk within the byte budget and cuts only between graphemes', () => {
    fc.assert(fc.property(line, framing, (text, frame) => {
      const budget = textBudget(frame);
      for (const chunk of splitMessage(text, frame)) {
        expect(Buffer.byteLength(chunk, 'utf8')).toBeLessThanOrEqual(budget);
        expect(chunk).not.toMatch(/[\r\n\0]/);
        // No lone surrogate: the chunk survives a UTF-8 round trip unchanged.
        expect(Buffer.from(chunk, 'utf8').toString('utf8')).toBe(chunk);
        for (const { segment } of segmenter.segment(stripMirc(chunk))) expect(graphemeSet.has(segment) || /^[\x20-\x7e]$/.test(segment)).toBe(true);
      }
    }), fuzzParams());
  }, fuzzTimeout(3));

  it('gives back the visible text, in order, across the chunks', () => {
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 3 }), framing, (lines, frame) => {
      const text = lines.join('\n');
      const chunks = splitMessage(text, frame);
      expect(chunks.map(visible).join('')).toBe(lines.map(visible).join(''));
    }), fuzzParams());
  }, fuzzTimeout(1));

  it('never throws on arbitrary strings (lone surrogates, controls, huge graphemes) and keeps the byte budget', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), framing, (text, frame) => {
      const budget = textBudget(frame);
      for (const chunk of splitMessage(text, frame)) expect(Buffer.byteLength(chunk, 'utf8')).toBeLessThanOrEqual(budget);
    }), fuzzParams());
  }, fuzzTimeout(1));
});
