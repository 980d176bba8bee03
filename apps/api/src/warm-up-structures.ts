/**
 * Small, legal structures the API checks at start in every check thread, so that the first
 * submissions do not pay for loading and compiling the code paths they take (measured: a thread
 * warmed on one Si POSCAR still spent 200–500 ms on its first CIF with symmetry operations, first
 * pymatgen JSON or first hexagonal cell, against 40–70 ms for the same check again).
 *
 * Together they go through every reader (POSCAR, CIF with a symmetry-operation loop, CIF by its
 * Hermann–Mauguin symbol alone, pymatgen Structure JSON, extended XYZ), one- and two-element hosts,
 * the centred, primitive and hexagonal lattices the supercell search treats differently, and the
 * space groups of the commonest hosts (each group's Euclidean normalizer is computed on first use).
 * Coordinates are fractional unless the format says Cartesian (extended XYZ: Å).
 */
export const WARM_UP_STRUCTURES: { name: string; content: string; format: string }[] = [
  {
    // Diamond Si, fcc primitive cell (Fd-3m).
    name: 'Si diamond, POSCAR',
    format: 'poscar',
    content: ['Si', '5.43', '0 0.5 0.5', '0.5 0 0.5', '0.5 0.5 0', 'Si', '2', 'Direct', '0 0 0', '0.25 0.25 0.25'].join('\n'),
  },
  {
    // bcc Fe, conventional cell (Im-3m).
    name: 'Fe bcc, POSCAR',
    format: 'poscar',
    content: ['Fe', '2.87', '1 0 0', '0 1 0', '0 0 1', 'Fe', '2', 'Direct', '0 0 0', '0.5 0.5 0.5'].join('\n'),
  },
  {
    // Rutile TiO2 (P4_2/mnm) with its sixteen symmetry operations, as pymatgen writes CIFs.
    name: 'TiO2 rutile, CIF with symmetry operations',
    format: 'cif',
    content: [
      'data_TiO2',
      '_symmetry_space_group_name_H-M   P4_2/mnm',
      '_cell_length_a 4.594',
      '_cell_length_b 4.594',
      '_cell_length_c 2.959',
      '_cell_angle_alpha 90',
      '_cell_angle_beta 90',
      '_cell_angle_gamma 90',
      '_symmetry_Int_Tables_number 136',
      'loop_',
      ' _symmetry_equiv_pos_site_id',
      ' _symmetry_equiv_pos_as_xyz',
      ...[
        'x, y, z', '-x, -y, -z', '-y+1/2, x+1/2, z+1/2', 'y+1/2, -x+1/2, -z+1/2', '-x, -y, z', 'x, y, -z', 'y+1/2, -x+1/2, z+1/2', '-y+1/2, x+1/2, -z+1/2',
        'x+1/2, -y+1/2, -z+1/2', '-x+1/2, y+1/2, z+1/2', '-y, -x, -z', 'y, x, z', '-x+1/2, y+1/2, -z+1/2', 'x+1/2, -y+1/2, z+1/2', 'y, x, -z', '-y, -x, z',
      ].map((op, i) => `  ${i + 1}  '${op}'`),
      'loop_',
      ' _atom_site_type_symbol',
      ' _atom_site_label',
      ' _atom_site_fract_x',
      ' _atom_site_fract_y',
      ' _atom_site_fract_z',
      ' _atom_site_occupancy',
      '  Ti  Ti0  0.0  0.0  0.0  1',
      '  O  O1  0.195  0.805  0.5  1',
    ].join('\n'),
  },
  {
    // CsCl (Pm-3m) by its Hermann–Mauguin symbol alone: the reader expands the asymmetric unit from its tables.
    name: 'CsCl, CIF by space-group symbol',
    format: 'cif',
    content: [
      'data_CsCl',
      "_symmetry_space_group_name_H-M 'P m -3 m'",
      '_cell_length_a 4.12',
      '_cell_length_b 4.12',
      '_cell_length_c 4.12',
      '_cell_angle_alpha 90',
      '_cell_angle_beta 90',
      '_cell_angle_gamma 90',
      'loop_',
      '_atom_site_label',
      '_atom_site_type_symbol',
      '_atom_site_fract_x',
      '_atom_site_fract_y',
      '_atom_site_fract_z',
      'Cs1 Cs 0 0 0',
      'Cl1 Cl 0.5 0.5 0.5',
    ].join('\n'),
  },
  {
    // Rock-salt MgO, fcc primitive cell (Fm-3m), as pymatgen's Structure.as_dict() gives it.
    name: 'MgO rock salt, pymatgen JSON',
    format: 'pymatgen',
    content: JSON.stringify({
      '@module': 'pymatgen.core.structure',
      '@class': 'Structure',
      charge: 0,
      lattice: { matrix: [[0, 2.106, 2.106], [2.106, 0, 2.106], [2.106, 2.106, 0]], pbc: [true, true, true] },
      sites: [
        { species: [{ element: 'Mg', occu: 1 }], abc: [0, 0, 0], label: 'Mg', properties: {} },
        { species: [{ element: 'O', occu: 1 }], abc: [0.5, 0.5, 0.5], label: 'O', properties: {} },
      ],
      properties: {},
    }),
  },
  {
    // Wurtzite GaN (P6_3mc), hexagonal, Cartesian positions in Å.
    name: 'GaN wurtzite, extended XYZ',
    format: 'extxyz',
    content: (() => {
      const a = 3.19;
      const c = 5.19;
      const cell = [[a, 0, 0], [-a / 2, (a * Math.sqrt(3)) / 2, 0], [0, 0, c]];
      const cart = (f: number[]) => [0, 1, 2].map((k) => f[0] * cell[0][k] + f[1] * cell[1][k] + f[2] * cell[2][k]);
      const sites: [string, number[]][] = [['Ga', [1 / 3, 2 / 3, 0]], ['Ga', [2 / 3, 1 / 3, 0.5]], ['N', [1 / 3, 2 / 3, 0.377]], ['N', [2 / 3, 1 / 3, 0.877]]];
      return [
        String(sites.length),
        `Lattice="${cell.flat().map((x) => x.toFixed(6)).join(' ')}" Properties=species:S:1:pos:R:3 pbc="T T T"`,
        ...sites.map(([el, f]) => `${el} ${cart(f).map((x) => x.toFixed(6)).join(' ')}`),
      ].join('\n');
    })(),
  },
  {
    // Zincblende ZnS (F-43m, CdTe's group) by its symbol: the group's Euclidean normalizer is worked
    // out once per setting and kept, a few hundred ms for a cubic group on this machine.
    name: 'ZnS zincblende, CIF by space-group symbol',
    format: 'cif',
    content: [
      'data_ZnS',
      "_symmetry_space_group_name_H-M 'F -4 3 m'",
      '_cell_length_a 5.41',
      '_cell_length_b 5.41',
      '_cell_length_c 5.41',
      '_cell_angle_alpha 90',
      '_cell_angle_beta 90',
      '_cell_angle_gamma 90',
      'loop_',
      '_atom_site_label',
      '_atom_site_type_symbol',
      '_atom_site_fract_x',
      '_atom_site_fract_y',
      '_atom_site_fract_z',
      'Zn1 Zn 0 0 0',
      'S1 S 0.25 0.25 0.25',
    ].join('\n'),
  },
  {
    // hcp Mg (P6_3/mmc), the commonest hexagonal metal structure.
    name: 'Mg hcp, POSCAR',
    format: 'poscar',
    content: ['Mg', '1.0', '3.21 0 0', '-1.605 2.779942 0', '0 0 5.21', 'Mg', '2', 'Direct', '0.333333 0.666667 0.25', '0.666667 0.333333 0.75'].join('\n'),
  },
];
