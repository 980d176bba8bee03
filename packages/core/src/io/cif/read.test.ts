import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { angles, lengths, periodicDistance } from '../../base/lattice.ts';
import type { Vec3 } from '../../base/linalg.ts';
import { formula, type Structure } from '../../base/structure.ts';
import { readCif } from './read.ts';
import { structureErrorOf } from '../structure-error-of.ts';

const FIXTURES = new URL('../../../../../fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`structures/${name}`, FIXTURES), 'utf8');
const reference = JSON.parse(readFileSync(new URL('reference.json', FIXTURES), 'utf8')).structures;

/** Removes the symmetry-operation loop of a pymatgen CIF, leaving only the space-group symbol and number. */
const withoutOperations = (cif: string) => cif.replace(/loop_\n _symmetry_equiv_pos_site_id\n _symmetry_equiv_pos_as_xyz\n(  \d+  '[^']*'\n)+/, '');

/** True when every expected (element, point) is in the structure, comparing periodic positions. */
function hasSites(s: Structure, expected: [string, Vec3][]): boolean {
  return expected.every(([el, p]) => s.fracCoords.some((q, i) => s.species[i] === el && periodicDistance(s.lattice, p, q) < 1e-6));
}

describe('readCif', () => {
  it('expands rock salt from the Hermann–Mauguin symbol alone: one Na and one Cl site give 8 atoms', () => {
    const cif = `data_NaCl
_cell_length_a 5.64
_cell_length_b 5.64
_cell_length_c 5.64
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_space_group_name_H-M_alt 'F m -3 m'
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Na1 0 0 0
Cl1 0.5 0.5 0.5
`;
    const { structure, warnings } = readCif(cif);
    expect(structure.species.length).toBe(8);
    expect(formula(structure)).toBe('NaCl');
    expect(warnings).toEqual([]);
    // Face-centred translations of the two sites (International Tables, Fm-3m 4a and 4b).
    expect(
      hasSites(structure, [
        ['Na', [0, 0, 0]], ['Na', [0, 0.5, 0.5]], ['Na', [0.5, 0, 0.5]], ['Na', [0.5, 0.5, 0]],
        ['Cl', [0.5, 0.5, 0.5]], ['Cl', [0.5, 0, 0]], ['Cl', [0, 0.5, 0]], ['Cl', [0, 0, 0.5]],
      ]),
    ).toBe(true);
  });

  it.each(['CdTe.cif', 'Cu.cif', 'TiO2-rutile.cif', 'Al2O3.cif'])('gives %s the reference site count from its symbol when the operations are removed', (name) => {
    const { structure } = readCif(withoutOperations(fixture(name)));
    expect(structure.species.length).toBe(reference[name].n_sites);
    expect(formula(structure)).toBe(reference[name].formula);
  });

  it('expands from the space-group number when that is all the file gives', () => {
    const cif = withoutOperations(fixture('CdTe.cif')).replace(/_symmetry_space_group_name_H-M.*\n/, '');
    expect(readCif(cif).structure.species.length).toBe(8);
  });

  it('reads a VESTA-style file: _space_group_symop_operation_xyz, extra columns, uncertainties, oxidation states', () => {
    const cif = `#======================================================================
# CRYSTAL DATA
#----------------------------------------------------------------------
data_VESTA_phase_1

_chemical_name_common                  'Titanium dioxide, rutile'
_cell_length_a                         4.5940(3)
_cell_length_b                         4.5940(3)
_cell_length_c                         2.9590(2)
_cell_angle_alpha                      90.000000
_cell_angle_beta                       90.000000
_cell_angle_gamma                      90.000000
_space_group_name_H-M_alt              'P 42/m n m'
_space_group_IT_number                 136

loop_
_space_group_symop_operation_xyz
   'x, y, z'
   '-x, -y, -z'
   '-x, -y, z'
   'x, y, -z'
   '-y+1/2, x+1/2, z+1/2'
   'y+1/2, -x+1/2, -z+1/2'
   'y+1/2, -x+1/2, z+1/2'
   '-y+1/2, x+1/2, -z+1/2'
   'x+1/2, -y+1/2, -z+1/2'
   '-x+1/2, y+1/2, z+1/2'
   '-x+1/2, y+1/2, -z+1/2'
   'x+1/2, -y+1/2, z+1/2'
   '-y, -x, -z'
   'y, x, z'
   'y, x, -z'
   '-y, -x, z'

loop_
   _atom_site_label
   _atom_site_occupancy
   _atom_site_fract_x
   _atom_site_fract_y
   _atom_site_fract_z
   _atom_site_adp_type
   _atom_site_U_iso_or_equiv
   _atom_site_type_symbol
   Ti1        1.0     0.000000     0.000000     0.000000    Uiso  ?  Ti4+
   O1         1.0     0.30500(4)   0.30500(4)   0.000000    Uiso  ?  O2-
`;
    const { structure } = readCif(cif);
    expect(structure.species.length).toBe(6);
    expect(lengths(structure.lattice)[0]).toBeCloseTo(4.594, 12);
    expect(structure.oxidationStates).toEqual([4, 4, -2, -2, -2, -2]);
    expect(structure.labels).toEqual(['Ti1', 'Ti1', 'O1', 'O1', 'O1', 'O1']);
    // Rutile O at 4f: (x,x,0), (-x,-x,0), (1/2+x,1/2-x,1/2), (1/2-x,1/2+x,1/2)
    expect(hasSites(structure, [['O', [0.305, 0.305, 0]], ['O', [0.695, 0.695, 0]], ['O', [0.805, 0.195, 0.5]], ['O', [0.195, 0.805, 0.5]]])).toBe(true);
  });

  it('takes elements from labels when there is no type symbol (Fe1, O2A, Ca3) and handles quotes and text fields', () => {
    const cif = `data_labels
_publ_section_title
;
 A made-up cell; with a semicolon and 'quotes'
;
_cell_length_a 10.0
_cell_length_b 10.0
_cell_length_c 10.0
_cell_angle_alpha 90.0
_cell_angle_beta 90.0
_cell_angle_gamma 90.0
_symmetry_space_group_name_H-M "P 1"
loop_
_symmetry_equiv_pos_as_xyz
x,y,z
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Fe1 0.1 0.1 0.1   # iron
O2A 0.3 0.3 0.3
'Ca3' 0.6 0.6 0.6
`;
    const { structure } = readCif(cif);
    expect(structure.species).toEqual(['Fe', 'O', 'Ca']);
    expect(structure.labels).toEqual(['Fe1', 'O2A', 'Ca3']);
    expect(structure.oxidationStates).toBeUndefined();
  });

  it('keeps oxidation states from the _atom_type loop and from decorations such as Fe0+', () => {
    const cif = `data_x
_cell_length_a 4
_cell_length_b 4
_cell_length_c 4
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_atom_type_symbol
_atom_type_oxidation_number
Mg 2.0
loop_
_atom_site_type_symbol
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Mg Mg1 0 0 0
Fe0+ Fe1 0.5 0.5 0.5
`;
    const { structure, warnings } = readCif(cif);
    expect(structure.oxidationStates).toEqual([2, 0]);
    expect(warnings.join()).toMatch(/no symmetry operations and no space group: read as P1/);
  });

  it('merges images of a special position written with rounded coordinates (0.3333 for 1/3)', () => {
    const cif = `data_GaN
_cell_length_a 3.189
_cell_length_b 3.189
_cell_length_c 5.185
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 120
_symmetry_space_group_name_H-M 'P 63 m c'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Ga1 Ga 0.3333 0.6667 0
N1 N 0.3333 0.6667 0.377
`;
    const { structure } = readCif(cif);
    expect(structure.species).toEqual(['Ga', 'Ga', 'N', 'N']);
    // Wurtzite 2b: (1/3, 2/3, z) and (2/3, 1/3, z + 1/2); the file's own coordinates are kept.
    expect(structure.fracCoords[0]).toEqual([0.3333, 0.6667, 0]);
    expect(hasSites(structure, [['Ga', [0.6667, 0.3333, 0.5]]])).toBe(false);
    expect(structure.fracCoords.filter((p) => Math.abs(p[2] - 0.5) < 1e-9)).toHaveLength(1);
  });

  it('takes the first data block with atoms and warns about the others', () => {
    const cell = '_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
    const atoms = (el: string) => `loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n${el}1 0 0 0\n`;
    const cif = `data_global\n_journal_name_full 'Some Journal'\ndata_one\n${cell}${atoms('Cu')}data_two\n${cell}${atoms('Ag')}`;
    const { structure, warnings } = readCif(cif);
    expect(structure.species).toEqual(['Cu']);
    expect(warnings.join()).toMatch(/3 data blocks: read data_one, the first with atoms/);
  });

  it('refuses partial occupancy, naming the sites and saying disordered structures are out of scope', () => {
    const e = structureErrorOf(() => readCif(readFileSync(new URL('bad/disordered.cif', FIXTURES), 'utf8')));
    expect(e.message).toMatch(/Mg1 \(0\.5\)/);
    expect(e.message).toMatch(/Ni1 \(0\.5\)/);
    expect(e.message).toMatch(/disordered structures are out of scope/);
    expect(e).toMatchObject({ format: 'cif', line: 16, site: 'Mg1' });
  });

  it('accepts occupancies printed as 0.999 and refuses two species on one site even without occupancies', () => {
    const base = `data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n`;
    expect(readCif(`${base}Mg1 0 0 0 0.999\nO1 0.5 0.5 0.5 1.0\n`).structure.species).toEqual(['Mg', 'O']);
    const e = structureErrorOf(() => readCif(`${base}Mg1 0 0 0 .\nNi1 0 0 0 ?\n`));
    expect(e.message).toMatch(/sites Mg1 \(Mg\) and Ni1 \(Ni\) occupy the same position/);
    expect(e.message).toMatch(/disordered/);
  });

  it('names the line and the problem for unknown elements, bad operations, bad numbers and missing cells', () => {
    const head = `data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n`;
    const atoms = `loop_\n_atom_site_type_symbol\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n`;
    expect(() => readCif(`${head}${atoms}Xx Xx1 0 0 0\n`)).toThrow(/CIF line 14: unknown element 'Xx' at site Xx1/);
    expect(() => readCif(`${head}loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'x,q,z'\n${atoms}Cu Cu1 0 0 0\n`)).toThrow(/CIF line 11: symmetry operation 'x,q,z'/);
    expect(() => readCif(`${head}${atoms}Cu Cu1 0 abc 0\n`)).toThrow(/CIF line 14: site Cu1 has _atom_site_fract_y 'abc', not a number/);
    expect(() => readCif(head.replace('_cell_length_b 4\n', '') + `${atoms}Cu Cu1 0 0 0\n`)).toThrow(/_cell_length_b is missing/);
    expect(() => readCif(`${head}_symmetry_space_group_name_H-M 'Q 42'\n${atoms}Cu Cu1 0 0 0\n`)).toThrow(/CIF line 8: .*space group 'Q 42'/);
  });

  it('bounds and checks the listed symmetry operations', () => {
    const head = `data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n`;
    const atoms = `loop_\n_atom_site_type_symbol\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCu Cu1 0.1 0.2 0.3\n`;
    const withOps = (ops: string[]) => `${head}loop_\n_symmetry_equiv_pos_as_xyz\n${ops.map((o) => `'${o}'`).join('\n')}\n${atoms}`;
    // 10,000 made-up operators: refused at once, with the count
    const many = Array.from({ length: 10_000 }, (_, i) => `x+${i}/10007,y,z`);
    expect(() => readCif(withOps(many))).toThrow(/CIF line 10: the CIF lists 10000 symmetry operations; no space group has more than 192/);
    // a matrix that would scale the structure
    expect(() => readCif(withOps(['x,y,z', '2x,y,z']))).toThrow(/CIF line 10: symmetry operation '2x,y,z' is not a symmetry operation: .*determinant ±1/);
    // not closed: the fourfold rotation without its square and cube
    const open = readCif(withOps(['x,y,z', '-y,x,z']));
    expect(open.warnings).toContain(
      "the CIF's symmetry operations do not form a group: '-y,x,z' followed by '-y,x,z' is not among them, so the expanded structure may miss atoms",
    );
    // a closed set, with translations given modulo the lattice, passes silently
    const closed = readCif(withOps(['x,y,z', '-x+1,-y,z+1/2', 'x+1/2,y+1/2,z', '-x+1/2,-y+1/2,z+1/2']));
    expect(closed.warnings.filter((w) => /symmetry operations/.test(w))).toEqual([]);
    expect(closed.structure.species).toHaveLength(4);
  });

  it('builds the lattice in the standard orientation from the cell parameters', () => {
    const { structure } = readCif(fixture('Al2O3.cif'));
    expect(structure.lattice.matrix[0]).toEqual([4.759, 0, 0]);
    expect(angles(structure.lattice)[2]).toBeCloseTo(120, 10);
  });

  it('merges atoms a file lists both explicitly and through its operations, with a warning', () => {
    // All eight rock-salt atoms listed, plus the F-centring operations that generate them again.
    const ops = ['x,y,z', 'x,y+1/2,z+1/2', 'x+1/2,y,z+1/2', 'x+1/2,y+1/2,z'].map((o) => `'${o}'`).join('\n');
    const atoms = [
      'Na1 0 0 0', 'Na2 0 0.5 0.5', 'Na3 0.5 0 0.5', 'Na4 0.5 0.5 0',
      'Cl1 0.5 0.5 0.5', 'Cl2 0.5 0 0', 'Cl3 0 0.5 0', 'Cl4 0 0 0.5',
    ].join('\n');
    const cif = `data_x\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_symmetry_equiv_pos_as_xyz\n${ops}\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n${atoms}\n`;
    const { structure, warnings } = readCif(cif);
    expect(structure.species).toEqual(['Na', 'Na', 'Na', 'Na', 'Cl', 'Cl', 'Cl', 'Cl']);
    expect(structure.labels).toEqual(['Na1', 'Na2', 'Na3', 'Na4', 'Cl1', 'Cl2', 'Cl3', 'Cl4']);
    expect(warnings.join()).toMatch(/coincide after symmetry expansion and were merged: Na1\/Na2/);
    // Each of the 12 pairs of rows once (6 among the Na rows, 6 among the Cl), not once per direction.
    expect(warnings.join()).toMatch(/, and 4 more$/);
    expect(warnings.join()).not.toContain('Na2/Na1');
  });
});

