import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveSpaceGroup } from './spacegroup.ts';
import { parseSymop, type AffineOperation } from './symops.ts';

const FIXTURES = new URL('../../../../fixtures/structures/', import.meta.url);

/** An operation as text with its translation reduced mod 1, so sets of operations can be compared. */
const opKey = (op: AffineOperation) =>
  `${op.rotation.flat().join(',')}|${op.translation.map((t) => (((t % 1) + 1) % 1).toFixed(6)).join(',')}`;

const hexagonal = { a: 4.759, b: 4.759, c: 12.99, alpha: 90, beta: 90, gamma: 120 };
const rhombohedral = { a: 5.128, b: 5.128, c: 5.128, alpha: 55.28, beta: 55.28, gamma: 55.28 };

describe('resolveSpaceGroup', () => {
  // Numbers and orders of the general position (× centring) from the International Tables, vol. A.
  it.each([
    ['F m -3 m', 225, 192],
    ['Fm-3m', 225, 192],
    ['F 4/m -3 2/m', 225, 192],
    ['P 63/m m c', 194, 24],
    ['P6_3/mmc', 194, 24],
    ['P 6_3 m c', 186, 12],
    ['F-43m', 216, 96],
    ['P4_2/mnm', 136, 16],
    ['P m -3 m', 221, 48],
    ['I a -3 d', 230, 96],
    ['Fm3m', 225, 192],
    ['P m 3', 200, 24],
    ['P 3 m 1', 156, 6],
  ])('reads %s as No. %i with %i operations', (symbol, number, count) => {
    const g = resolveSpaceGroup({ hm: symbol }, hexagonal)!;
    expect(g.number).toBe(number);
    expect(g.operations).toHaveLength(count);
  });

  it('picks hexagonal or rhombohedral axes for R groups from the suffix or, failing that, the cell', () => {
    expect(resolveSpaceGroup({ hm: 'R -3 c' }, hexagonal)).toMatchObject({ number: 167, setting: 'H' });
    expect(resolveSpaceGroup({ hm: 'R -3 c' }, hexagonal)!.operations).toHaveLength(36);
    expect(resolveSpaceGroup({ hm: 'R -3 c' }, rhombohedral)).toMatchObject({ number: 167, setting: 'R' });
    expect(resolveSpaceGroup({ hm: 'R -3 c' }, rhombohedral)!.operations).toHaveLength(12);
    expect(resolveSpaceGroup({ hm: 'R -3 c:R' }, hexagonal)).toMatchObject({ setting: 'R' });
    expect(resolveSpaceGroup({ hm: 'R-3c:H' }, rhombohedral)).toMatchObject({ setting: 'H' });
  });

  it('tells monoclinic and orthorhombic settings apart by their symbols', () => {
    expect(resolveSpaceGroup({ hm: 'P 21/c' })).toMatchObject({ number: 14, setting: 'b1' });
    expect(resolveSpaceGroup({ hm: 'P 1 21/n 1' })).toMatchObject({ number: 14, setting: 'b2' });
    expect(resolveSpaceGroup({ hm: 'P21/n' })).toMatchObject({ number: 14, setting: 'b2' });
    expect(resolveSpaceGroup({ hm: 'P n m a' })).toMatchObject({ number: 62, setting: '' });
    expect(resolveSpaceGroup({ hm: 'Pbnm' })).toMatchObject({ number: 62, setting: 'cab' });
  });

  it('assumes origin choice 2 when a two-origin group gives none, and says so', () => {
    const g = resolveSpaceGroup({ hm: 'F d -3 m' })!;
    expect(g.setting).toBe('2');
    expect(g.warnings.join()).toMatch(/origin choice 2/);
    // Origin choice 2 puts the inversion centre at the origin: -x, -y, -z with no translation.
    expect(g.operations.some((op) => op.rotation.flat().join() === '-1,0,0,0,-1,0,0,0,-1' && op.translation.every((t) => t === 0))).toBe(true);
    const g1 = resolveSpaceGroup({ hm: 'F d -3 m:1' })!;
    expect(g1.setting).toBe('1');
    expect(g1.warnings).toEqual([]);
  });

  it('resolves Hall symbols and bare numbers', () => {
    expect(resolveSpaceGroup({ hall: '-F 4 2 3' })).toMatchObject({ number: 225 });
    expect(resolveSpaceGroup({ number: 167 }, hexagonal)).toMatchObject({ number: 167, setting: 'H' });
    expect(resolveSpaceGroup({ hm: 'not a group', number: 225 })).toMatchObject({ number: 225 });
  });

  it('returns undefined for symbols and numbers that name no group', () => {
    expect(resolveSpaceGroup({ hm: 'Q 9' })).toBeUndefined();
    expect(resolveSpaceGroup({ number: 231 })).toBeUndefined();
  });

  // pymatgen listed every operation in these files: the tables must give the same set from the symbol.
  it.each([
    ['CdTe.cif', 'F-43m'],
    ['Cu.cif', 'Fm-3m'],
    ['TiO2-rutile.cif', 'P4_2/mnm'],
    ['Al2O3.cif', 'R-3c'],
  ])('gives the operations %s lists for %s', (file, symbol) => {
    const text = readFileSync(new URL(file, FIXTURES), 'utf8');
    const listed = [...text.matchAll(/^ +\d+ +'([^']+)'$/gm)].map((m) => opKey(parseSymop(m[1])));
    const g = resolveSpaceGroup({ hm: symbol }, hexagonal)!;
    expect(g.operations.map(opKey).sort()).toEqual(listed.sort());
  });
});
