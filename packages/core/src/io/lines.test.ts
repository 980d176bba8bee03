import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextLines, firstTokens, lineOf, quoteLine } from './lines.ts';

/** Text made of the characters that matter here: line feeds, carriage returns, blanks and a few letters. */
const texts = fc.string({ unit: fc.constantFrom('\n', '\r', ' ', '\t', 'a', 'b', '1'), maxLength: 60 });

describe('TextLines', () => {
  it('gives the lines text.split(/\\r?\\n/) gives, one by one, and undefined after the last', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const lines = new TextLines(text);
        const split = text.split(/\r?\n/);
        // Asked out of order too: the offsets found so far are reused.
        for (const k of [split.length, 1, ...split.keys()].map((i) => i || 1)) expect(lines.line(k)).toBe(split[k - 1]);
        expect(lines.line(split.length + 1)).toBeUndefined();
        expect(lines.line(0)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('knows the last line that holds more than whitespace', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const split = text.split(/\r?\n/);
        let last = split.length;
        while (last > 0 && split[last - 1].trim() === '') last--;
        expect(new TextLines(text).lastNonBlank).toBe(last);
      }),
      { numRuns: 500 },
    );
  });
});

describe('lineOf, firstTokens and quoteLine', () => {
  it('lineOf counts the line feeds before an index', () => {
    fc.assert(
      fc.property(texts, fc.nat(), (text, at) => {
        const index = text.length === 0 ? 0 : at % text.length;
        expect(lineOf(text, index)).toBe(text.slice(0, index).split('\n').length);
      }),
      { numRuns: 500 },
    );
  });

  it('firstTokens gives the first tokens of a split, at most as many as asked', () => {
    fc.assert(
      fc.property(texts, fc.integer({ min: 0, max: 5 }), (text, max) => {
        const all = text.trim() === '' ? [] : text.trim().split(/\s+/);
        expect(firstTokens(text, max)).toEqual(all.slice(0, max));
      }),
      { numRuns: 500 },
    );
  });

  it('quoteLine trims and cuts a long line', () => {
    expect(quoteLine('  0 0 0  ')).toBe('0 0 0');
    expect(quoteLine('x'.repeat(200))).toBe(`${'x'.repeat(77)}...`);
    expect(quoteLine(undefined)).toBe('');
  });
});
