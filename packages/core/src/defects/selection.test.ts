import { describe, expect, it } from 'vitest';
import { applyCaps, capWarning, interleave, seededRandom, shuffled } from './selection.ts';

const group = (name: string, n: number) => ({ group: name, defectType: 'substitution' as const, dopant: null, items: Array.from({ length: n }, (_, i) => `${name}${i}`) });

describe('caps', () => {
  it('returns what each group lost, best-ranked first', () => {
    const { dropped } = applyCaps([group('a', 5), group('b', 2), group('c', 1)], 3, 4);
    // Per type: a keeps a0-a2; round-robin to 4: a0 b0 c0 a1.
    expect(dropped).toEqual([['a2', 'a3', 'a4'], ['b1'], []]);
  });

  it('warns with counts and the first dropped names per capped group, and how to get them all', () => {
    const groups = [group('a', 5), group('b', 2), group('c', 1)];
    const { dropped, reports } = applyCaps(groups, 3, 4);
    const warning = capWarning(reports, dropped, { perType: 3, total: 4, symmetryDistinct: true })!;
    expect(warning).toBe(
      'max_candidates_per_type (3) and max_candidates (4) dropped 4 symmetry-distinct candidates: a: 2 of 5 emitted, dropped a2, a3, a4; ' +
        'b: 1 of 2 emitted, dropped b1. Ask for max_candidates 200 and max_candidates_per_type 100 to get them all.',
    );
    const many = applyCaps([group('a', 9)], 2, 24);
    expect(capWarning(many.reports, many.dropped, { perType: 2, total: 24, symmetryDistinct: false })).toMatch(/dropped 7 candidates: a: 2 of 9 emitted, dropped a2, a3, a4 and 4 more\./);
    const none = applyCaps(groups, 100, 200);
    expect(capWarning(none.reports, none.dropped, { perType: 100, total: 200, symmetryDistinct: true })).toBeNull();
  });

  it('says when even the largest caps cannot hold every group', () => {
    const big = [group('a', 150), group('b', 90), group('c', 40)];
    const { dropped, reports } = applyCaps(big, 100, 200);
    expect(capWarning(reports, dropped, { perType: 100, total: 200, symmetryDistinct: true })).toMatch(
      /\(the largest allowed\) keep 200 of the 280; for the rest, ask for fewer defect_types or dopant_elements per request\.$/,
    );
  });

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
