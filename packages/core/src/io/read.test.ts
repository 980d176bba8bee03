import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formula } from '../base/structure.ts';
import { readStructure } from './read.ts';
import { structureErrorOf } from './structure-error-of.ts';

const FIXTURES = new URL('../../../../fixtures/', import.meta.url);
const reference: Record<string, { n_sites: number; formula: string }> = JSON.parse(readFileSync(new URL('reference.json', FIXTURES), 'utf8')).structures;
const read = (dir: string, name: string) => readFileSync(new URL(`${dir}/${name}`, FIXTURES), 'utf8');

describe('readStructure on the fixtures', () => {
  it('has a reference entry for every fixture file', () => {
    expect(readdirSync(new URL('structures/', FIXTURES)).sort()).toEqual(Object.keys(reference).sort());
  });

  it.each(Object.keys(reference))('reads %s with the reference site count and formula', (name) => {
    const { structure, warnings } = readStructure(read('structures', name), { filename: name });
    expect(structure.species.length).toBe(reference[name].n_sites);
    expect(formula(structure)).toBe(reference[name].formula);
    expect(warnings).toEqual([]);
  });

  it('reports the format it read', () => {
    expect(readStructure(read('structures', 'MgO.json')).format).toBe('pymatgen');
    expect(readStructure(read('structures', 'GaN.vasp')).format).toBe('poscar');
    expect(readStructure(read('structures', 'CdTe.cif')).format).toBe('cif');
  });

  it('honours an explicit format and the species of a VASP 4 file', () => {
    const { structure, format } = readStructure(read('bad', 'vasp4-no-species.vasp'), { format: 'poscar', species: ['Cd', 'Te'] });
    expect(format).toBe('poscar');
    expect(formula(structure)).toBe('CdTe');
  });
});

describe('readStructure on the bad fixtures', () => {
  it('disordered.cif: names the sites and says disordered structures are out of scope', () => {
    const e = structureErrorOf(() => readStructure(read('bad', 'disordered.cif'), { filename: 'disordered.cif' }));
    expect(e.message).toContain('Mg1');
    expect(e.message).toContain('Ni1');
    expect(e.message).toMatch(/partial occupancy.*disordered structures are out of scope/);
    expect(e).toMatchObject({ format: 'cif', line: 16 });
  });

  it('vasp4-no-species.vasp: names line 6 and the missing species', () => {
    const e = structureErrorOf(() => readStructure(read('bad', 'vasp4-no-species.vasp'), { filename: 'vasp4-no-species.vasp' }));
    expect(e.message).toMatch(/^POSCAR line 6: .*VASP 4 file without species.*element symbols.*or pass the species/);
    expect(e).toMatchObject({ format: 'poscar', line: 6 });
  });

  it('truncated.vasp: names the line where the coordinates stop', () => {
    const e = structureErrorOf(() => readStructure(read('bad', 'truncated.vasp'), { filename: 'truncated.vasp' }));
    expect(e.message).toMatch(/^POSCAR line 11: coordinates of site 3 of 4 \(N\) need three numbers, found 2 .*truncated/);
    expect(e).toMatchObject({ format: 'poscar', line: 11 });
  });

  it('overlapping-atoms.vasp: names both sites and the 0.05 Å distance', () => {
    const e = structureErrorOf(() => readStructure(read('bad', 'overlapping-atoms.vasp'), { filename: 'overlapping-atoms.vasp' }));
    expect(e.message).toBe('POSCAR: site 1 (Na) and site 2 (Cl) are 0.05 Å apart, closer than 0.5 Å: overlapping atoms');
  });

  it('unknown-element.json: names Xx and its site', () => {
    const e = structureErrorOf(() => readStructure(read('bad', 'unknown-element.json'), { filename: 'unknown-element.json' }));
    expect(e.message).toBe("JSON site 2 (Xx): unknown element 'Xx'");
    expect(e).toMatchObject({ format: 'json', site: 2 });
  });

  it('singular-lattice.vasp: says the lattice is singular', () => {
    const e = structureErrorOf(() => readStructure(read('bad', 'singular-lattice.vasp'), { filename: 'singular-lattice.vasp' }));
    expect(e.message).toMatch(/^POSCAR: the lattice is singular/);
  });

  it('not-a-structure.txt: says it is not a recognised structure', () => {
    const e = structureErrorOf(() => readStructure(read('bad', 'not-a-structure.txt'), { filename: 'not-a-structure.txt' }));
    expect(e.message).toMatch(/^not a recognised structure: expected CIF, POSCAR, .*JSON/);
    expect(e.format).toBe('unknown');
  });

  it('a left-handed POSCAR: says which swap makes it right-handed', () => {
    const text = ['left-handed NaCl', '1.0', '4 0 0', '0 0 4', '0 4 0', 'Na Cl', '1 1', 'Direct', '0 0 0', '0.5 0.5 0.5'].join('\n');
    expect(() => readStructure(text)).toThrow(/^POSCAR: the lattice is left-handed .* swap b and c/);
  });

  it('empty text: says the file is empty, whatever the format', () => {
    expect(() => readStructure('')).toThrow(/^the file is empty$/);
    for (const format of ['cif', 'poscar', 'json', 'extxyz'] as const) {
      expect(() => readStructure(' \n\r\n\t\n', { format })).toThrow('the file holds only whitespace (6 characters): it is empty');
    }
  });
});

describe('readStructure input hygiene', () => {
  it('ignores a byte-order mark and Windows line endings', () => {
    const text = '\ufeff' + read('structures', 'GaN.vasp').replace(/\n/g, '\r\n');
    expect(formula(readStructure(text).structure)).toBe('GaN');
    const cif = '\ufeff' + read('structures', 'TiO2-rutile.cif').replace(/\n/g, '\r\n');
    expect(readStructure(cif).structure.species.length).toBe(6);
  });

  it.each(['GaN.vasp', 'TiO2-rutile.cif', 'MgO.json'])('reads %s with classic Mac line endings (CR alone) as with LF, without a warning', (name) => {
    const text = read('structures', name);
    const mac = readStructure(text.replace(/\n/g, '\r'), { filename: name });
    expect(mac).toEqual(readStructure(text, { filename: name }));
    expect(mac.warnings).toEqual([]);
  });

  it('names the line of a fault in a file with CR line endings', () => {
    const e = structureErrorOf(() => readStructure(read('bad', 'truncated.vasp').replace(/\n/g, '\r')));
    expect(e.line).toBe(11);
  });

  it('warns that species passed with a file that is not a POSCAR are ignored', () => {
    const { structure, warnings } = readStructure(read('structures', 'TiO2-rutile.cif'), { species: ['Sn', 'O'] });
    expect(formula(structure)).toBe('TiO2');
    expect(warnings).toEqual(["species passed with the file (Sn O) ignored: they name a VASP 4 POSCAR's blocks, and this file is CIF, whose sites name their own elements"]);
  });
});

describe('readStructure on files other tools write', () => {
  // Written by ASE 3.22 (ase.io.write of bulk('GaN', 'wurtzite', a=3.189, c=5.185)) as extxyz and as CIF.
  const aseExtxyz = `4
Lattice="3.189 0.0 0.0 -1.5945 2.7617550126685746 0.0 0.0 0.0 5.185" Properties=species:S:1:pos:R:3 pbc="T T T"
Ga       0.00000000       0.00000000       0.00000000
N       -0.00000000       1.84117001       0.64245887
Ga      -0.00000000       1.84117001       2.59250000
N        0.00000000       0.00000000       3.23495887
`;
  const aseCif = `data_image0
_chemical_formula_structural       GaNGaN
_chemical_formula_sum              "Ga2 N2"
_cell_length_a       3.189
_cell_length_b       3.189
_cell_length_c       5.185
_cell_angle_alpha    90
_cell_angle_beta     90
_cell_angle_gamma    120

_space_group_name_H-M_alt    "P 1"
_space_group_IT_number       1

loop_
  _space_group_symop_operation_xyz
  'x, y, z'

loop_
  _atom_site_type_symbol
  _atom_site_label
  _atom_site_symmetry_multiplicity
  _atom_site_fract_x
  _atom_site_fract_y
  _atom_site_fract_z
  _atom_site_occupancy
  Ga  Ga1       1.0  0.00000  0.00000  0.00000  1.0000
  N   N1        1.0  0.33333  0.66667  0.12391  1.0000
  Ga  Ga2       1.0  0.33333  0.66667  0.50000  1.0000
  N   N2        1.0  0.00000  0.00000  0.62391  1.0000
`;

  it('gives the same wurtzite from ASE extxyz and ASE CIF', () => {
    const x = readStructure(aseExtxyz, { filename: 'GaN.extxyz' });
    const c = readStructure(aseCif, { filename: 'GaN.cif' });
    expect([x.format, c.format]).toEqual(['extxyz', 'cif']);
    expect(x.structure.species).toEqual(['Ga', 'N', 'Ga', 'N']);
    expect(c.structure.species).toEqual(x.structure.species);
    x.structure.fracCoords.forEach((p, i) => {
      const q = c.structure.fracCoords[i];
      // The CIF prints five decimals.
      p.forEach((v, k) => expect(Math.abs(v - q[k] - Math.round(v - q[k]))).toBeLessThan(1e-5));
    });
  });
});
