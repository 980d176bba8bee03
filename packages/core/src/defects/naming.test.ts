import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../base/linalg.ts';
import { formatFixed } from '../base/python-number.ts';
import { copyName, nameDefects, namingElementOrder } from './naming.ts';
import { compareSortKeys, fracCoordsSortKey } from './site-order.ts';

const closest = (shells: string[]) => (n: number) => shells[n - 1] ?? null;
const vac = (host: string, pointGroup: string, shells: string[]) => ({ family: 'vacancy' as const, species: null, hostSpecies: host, pointGroup, closest: closest(shells) });
const int = (el: string, pointGroup: string, shells: string[]) => ({ family: 'interstitial' as const, species: el, hostSpecies: null, pointGroup, closest: closest(shells) });

describe('doped naming', () => {
  it('uses pymatgen’s short names when they are unique', () => {
    expect(nameDefects([vac('Cd', 'Td', ['Te2.83']), vac('Te', 'Td', ['Cd2.83']), { family: 'substitution', species: 'Mg', hostSpecies: 'Cd', pointGroup: 'Td', closest: closest([]) }])).toEqual([
      'v_Cd',
      'v_Te',
      'Mg_Cd',
    ]);
  });

  it('adds the point group to both when two would share a name, then the nearest neighbour', () => {
    expect(nameDefects([vac('O', 'C2v', ['Ti1.95']), vac('O', 'D4h', ['Ti1.95'])])).toEqual(['v_O_C2v', 'v_O_D4h']);
    expect(nameDefects([vac('O', 'C1', ['Ti1.95']), vac('O', 'C1', ['Ti2.01']), vac('O', 'Cs', ['Ti1.95'])])).toEqual([
      'v_O_C1_Ti1.95',
      'v_O_C1_Ti2.01',
      'v_O_Cs',
    ]);
  });

  it('always gives interstitials their point group, as in doped’s CdTe names', () => {
    expect(nameDefects([int('Cd', 'C3v', ['Cd2.71', 'Te2.71']), int('Cd', 'Td', ['Cd2.83']), int('Cd', 'Td', ['Te2.83'])])).toEqual([
      'Cd_i_C3v',
      'Cd_i_Td_Cd2.83',
      'Cd_i_Td_Te2.83',
    ]);
  });

  it('appends further shells, then letters', () => {
    expect(nameDefects([int('H', 'C1', ['O0.97', 'H1.50']), int('H', 'C1', ['O0.97', 'H1.62'])])).toEqual(['H_i_C1_O0.97H1.50', 'H_i_C1_O0.97H1.62']);
    expect(nameDefects([int('H', 'C1', ['O0.97']), int('H', 'C1', ['O0.97'])])).toEqual(['H_i_C1_O0.97a', 'H_i_C1_O0.97b']);
  });

  it('names copies of one class when deduplication is off', () => {
    expect([0, 1, 25, 26, 27].map((i) => copyName('v_Cd', i, 64))).toEqual(['v_Cd_a', 'v_Cd_b', 'v_Cd_z', 'v_Cd_aa', 'v_Cd_ab']);
    expect(copyName('v_Cd', 0, 1)).toBe('v_Cd');
  });
});

describe('doped’s procedure on doped’s own inputs (fixtures/doped)', () => {
  // Each fixture lists doped's defects with their conventional coordinates and names; the names
  // carry the closest-site info doped computed. Fed in doped's order (sorted by the conventional
  // coordinates), the procedure must give back exactly doped's names, clash letters included.
  const DOPED = new URL('../../../../fixtures/doped/', import.meta.url);
  type Entry = { name: string; type: 'vacancy' | 'substitution' | 'interstitial'; species: string | null; host: string | null; conv_coords: Vec3; nearest_host: [string, number] };

  it.each(['AgCu', 'Ag2Se', 'Sb2Si2Te6', 'YTOS', 'ZnS'])('%s', (material) => {
    const entries = (JSON.parse(readFileSync(new URL(`${material}.expected.json`, DOPED), 'utf8')).defects as Entry[])
      .map((e, i) => ({ e, i, key: fracCoordsSortKey(e.conv_coords) }))
      .sort((a, b) => compareSortKeys(a.key, b.key) || a.i - b.i)
      .map(({ e }) => e);
    const defects = entries.map((e) => {
      // 'v_Ag_C2_Ag2.80', 'Ag_i_C2_Ag1.95Se1.95Ag2.98a', 'v_Se': a name without a point group never needed one.
      const parts = e.name.split('_');
      const pointGroup = parts[2] ?? 'C1';
      // The shells doped named, where its name carries them; else its nearest host atom.
      const named = (parts[3] ?? '').match(/[A-Z][a-z]?\d+\.\d\d/g) ?? [];
      const shells = named.length > 0 ? named : [`${e.nearest_host[0]}${formatFixed(e.nearest_host[1], 2)}`];
      return { family: e.type, species: e.species, hostSpecies: e.host, pointGroup, closest: closest(shells) };
    });
    expect(nameDefects(defects)).toEqual(entries.map((e) => e.name));
  });
});

describe('the element order that breaks equal-distance ties', () => {
  it('is doped’s primitive-cell order: by electronegativity, whatever the file’s order', () => {
    expect(namingElementOrder(['Sb', 'Si', 'Te'])).toEqual(['Si', 'Sb', 'Te']);
    expect(namingElementOrder(['Ag', 'Cu'])).toEqual(['Cu', 'Ag']);
    expect(namingElementOrder(['O', 'Y', 'Ti', 'S'])).toEqual(['Y', 'Ti', 'S', 'O']);
    expect(namingElementOrder(['Ne', 'He', 'O'])).toEqual(['O', 'He', 'Ne']);
  });
});
