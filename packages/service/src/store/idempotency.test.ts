import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint } from './idempotency.ts';

/**
 * The previous, recursive implementation: the iterative one must give the same text, so that keys
 * remembered before an upgrade still match their bodies afterwards.
 */
function recursiveCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(recursiveCanonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${recursiveCanonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

describe('canonicalJson', () => {
  it('is JSON with object keys sorted, whatever the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(text).toBe(recursiveCanonicalJson(value));
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('ignores key order and leaves out undefined members', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: undefined, a: 'x' }], a: null })).toBe('{"a":null,"b":[1,{"a":"x","d":1}]}');
    expect(fingerprint({ x: 1, y: [2] })).toBe(fingerprint({ y: [2], x: 1 }));
  });

  it('handles nesting far deeper than the call stack allows (100,000 levels)', () => {
    const depth = 100_000;
    const deep = JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown;
    const nested = JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as unknown;
    expect(canonicalJson(deep)).toBe(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(canonicalJson(nested)).toBe(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    expect(fingerprint({ file: { url: 'https://example.org/a.cif', extra: deep } })).toMatch(/^[0-9a-f]{64}$/);
  });
});
