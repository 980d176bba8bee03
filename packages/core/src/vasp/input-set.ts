import type { VaspSettings } from '../request.ts';
import { incarText } from './incar.ts';
import { autoKpar, gammaMesh, kpointsText } from './kpoints.ts';
import { DEFAULT_POTCARS, valenceElectrons } from './potcars.ts';

/** One calculation folder's files, by file name. */
export interface VaspInputSet {
  POSCAR: string;
  INCAR: string;
  KPOINTS: string;
  'POTCAR.spec': string;
}

/** Species and counts of a VASP 5 POSCAR (lines 6 and 7), as our POSCAR writer lays them out. */
function poscarComposition(poscar: string): { species: string[]; counts: number[] } {
  const lines = poscar.split('\n');
  return { species: lines[5].trim().split(/\s+/), counts: lines[6].trim().split(/\s+/).map(Number) };
}

/**
 * POTCAR.spec: one POTCAR symbol per line, in the POSCAR's species order (doped's
 * `write_input(potcar_spec=True)`), doped's default PBE choice for each; an element without one is
 * written with a comment saying so, for the user to choose.
 */
export function potcarSpec(species: readonly string[]): string {
  return species
    .map((el) => DEFAULT_POTCARS[el]?.symbol ?? `${el}  # no default POTCAR in doped's PotcarSet: choose one, then set NELECT and NUPDOWN`)
    .map((line) => `${line}\n`)
    .join('');
}

/**
 * The four input files of one calculation: `poscar` as given but with `comment` as its first line,
 * the INCAR (NELECT from the POSCAR's composition, doped's default POTCARs and `charge`), KPOINTS (Γ
 * only, or a mesh on `lattice`, [3][3] Å, as the settings say) and POTCAR.spec.
 */
export function vaspInputSet(options: {
  poscar: string;
  comment: string;
  kind: 'defect' | 'bulk';
  charge: number;
  lattice: number[][];
  settings: VaspSettings;
}): VaspInputSet {
  const { species, counts } = poscarComposition(options.poscar);
  const { electrons, missing } = valenceElectrons(species.flatMap((el, i) => Array<string>(counts[i]).fill(el)));
  const nAtoms = counts.reduce((a, b) => a + b, 0);
  const density = options.settings.reciprocal_density;
  const mesh = density === null ? [1, 1, 1] : gammaMesh(options.lattice, nAtoms, density);
  return {
    POSCAR: `${options.comment}\n${options.poscar.slice(options.poscar.indexOf('\n') + 1)}`,
    INCAR: incarText({
      kind: options.kind,
      functional: options.settings.functional,
      charge: options.charge,
      nelect: electrons === null ? null : electrons - options.charge,
      missingPotcars: missing,
      kpar: autoKpar(mesh),
      elements: species,
    }),
    KPOINTS: kpointsText(mesh, density),
    'POTCAR.spec': potcarSpec(species),
  };
}
