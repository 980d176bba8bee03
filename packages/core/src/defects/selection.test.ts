import { describe, expect, it } from 'vitest';
import { applyCaps, interleave, seededRandom, shuffled } from './selection.ts';

const group = (name: string, n: number) => ({ group: name, defectType: 'substitution' as const, dopant: null, items: Array.from({ length: n }, (_, i) => `${name}${i}`) });

describe('caps', () => {
  it('cuts each group at the per-type cap first', () => {
    const { kept, reports } = applyCaps([group('a', 5), group('b', 1)], 3, 100);
    expect(kept).toEqual([['a0', 'a1', 'a2'], ['b0']]);
    expect(reports[0]).toMatchObject({ generated: 5, emitted: 3, dropped: 2, dropped_by: { max_candidates_per_type: 2, max_candidates: 0 } });
    expect(reports[0].reason).toMatch(/max_candidates_per_type \(3\)/);
    expect(reports[1].reason).toBeUndefined();
  });

  it('fills the total round-robin in group order', () => {
    const { kept, reports } = applyCaps([group('a', 4), group('b', 1), group('c', 3)], 8, 5);
    // Round 1: a0 b0 c0; round 2: a1 c1 → 5.
    expect(kept).toEqual([['a0', 'a1'], ['b0'], ['c0', 'c1']]);
    expect(reports.map((r) => r.dropped_by.max_candidates)).toEqual([2, 0, 1]);
  });

  it('gives earlier groups the last slots of a round', () => {
    expect(applyCaps([group('a', 3), group('b', 3), group('c', 3)], 8, 2).kept).toEqual([['a0'], ['b0'], []]);
  });
});

describe('seeded choices', () => {
  it('repeat for the same key and differ for another', () => {
    const draw = (...key: (string | number)[]) => Array.from({ length: 5 }, seededRandom(...key));
    expect(draw(1, 'vacancy')).toEqual(draw(1, 'vacancy'));
    expect(draw(1, 'vacancy')).not.toEqual(draw(2, 'vacancy'));
    expect(draw(1, 'vacancy')).not.toEqual(draw(1, 'substitution'));
    for (const x of draw(3)) expect(x >= 0 && x < 1).toBe(true);
  });

  it('shuffle into a permutation', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const s = shuffled(items, seededRandom(0));
    expect([...s].sort((a, b) => a - b)).toEqual(items);
    expect(s).not.toEqual(items);
  });

  it('interleave lists of unequal length', () => {
    expect(interleave([[1, 2, 3], [10], [20, 21]])).toEqual([1, 10, 20, 2, 21, 3]);
  });
});
