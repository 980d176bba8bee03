import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, scanJsonShape } from './json-limits.ts';

/** Depth and value count of a parsed JSON value, by walking it (the scan must agree without parsing). */
function shape(value: unknown, depth = 0): { depth: number; values: number } {
  if (value === null || typeof value !== 'object') return { depth, values: 1 };
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  let deepest = depth + 1;
  let values = 1;
  for (const child of children) {
    const s = shape(child, depth + 1);
    deepest = Math.max(deepest, s.depth);
    values += s.values;
  }
  return { depth: deepest, values };
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('scanJsonShape', () => {
  it('agrees with a walk of the parsed value on depth and values, whatever the strings hold', () => {
    // Strings full of brackets, quotes, backslashes and commas must not be counted.
    const tricky = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ':', 'a', 'é', ' ') });
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tricky, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(tricky, tie('value'), { maxKeys: 5 }),
    })).value;
    fc.assert(
      fc.property(json, fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const { depth, values } = shape(value);
        // Exactly at the bounds: accepted; one below either: refused, naming that bound.
        expect(scanJsonShape(bytes(text), Math.max(depth, 1), values)).toBeNull();
        if (depth > 1) expect(scanJsonShape(bytes(text), depth - 1, values)?.kind).toBe('depth');
        if (values > 1) expect(scanJsonShape(bytes(text), Math.max(depth, 1), values - 1)?.kind).toBe('values');
      }),
      { numRuns: 300 },
    );
  });

  it('names the depth and the byte offset where the body went too deep', () => {
    const text = `{"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const fault = scanJsonShape(bytes(text));
    expect(fault).toMatchObject({ kind: 'depth', offset: 6 + MAX_JSON_DEPTH - 1 });
    expect(fault?.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels (depth ${MAX_JSON_DEPTH + 1} at byte offset ${6 + MAX_JSON_DEPTH - 1})`);
  });

  it('leaves malformed text to JSON.parse (unterminated strings, stray closers)', () => {
    expect(scanJsonShape(bytes('{"a": "never closed'))).toBeNull();
    expect(scanJsonShape(bytes(']]]}}'))).toBeNull();
  });
});
