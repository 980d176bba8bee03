import { atomicNumber } from '../base/elements.ts';
import type { VaspFunctional } from '../request.ts';

/**
 * INCARs as doped writes them for defect supercells (SMTG-Bham/doped, `doped/vasp.py` and
 * `doped/VASP_sets/*.yaml`). Each tag carries where it comes from:
 * - RelaxSet: doped's base relaxation set (`RelaxSet.yaml`); its ISIF 3 and NSW 100 are replaced by
 *   DefectSet's, and its EDIFF_PER_ATOM is dropped for defects (doped pops it and uses DefectSet's EDIFF);
 * - DefectSet: what doped changes for defects (`DefectSet.yaml`): fixed cell, spin-polarised, no symmetry,
 *   fixed EDIFF, the tags the FNV and eFNV charge corrections need;
 * - HSESet: doped's hybrid additions (`HSESet.yaml`), applied for `hse06` (doped's own default);
 * - the bulk reference is a single point: doped's `singleshot_incar_settings` (EDIFF 1e-6, IBRION −1,
 *   NSW 0, no EDIFFG);
 * - NELECT (charged supercells only: doped leaves it out of neutral ones so their INCARs can be copied
 *   between supercell sizes), NUPDOWN (0 for an even electron count, 1 for an odd one) and KPAR (only
 *   for meshes, doped's auto_kpar) are set per folder;
 * - LMAXMIX by the elements of the folder's structure, as pymatgen's input sets (which doped's derive
 *   from) set it: see `lmaxmix`.
 */

interface Tag {
  value: string;
  note: string;
}

const RELAX_SET: Record<string, Tag> = {
  ALGO: { value: 'Normal', note: 'RelaxSet; All if the electronic convergence is poor' },
  EDIFFG: { value: '-0.01', note: 'RelaxSet' },
  ENCUT: { value: '300', note: 'RelaxSet; converge it for your system' },
  GGA: { value: 'PS', note: 'RelaxSet: PBEsol' },
  IBRION: { value: '2', note: 'RelaxSet' },
  ICHARG: { value: '1', note: 'RelaxSet' },
  ISEARCH: { value: '1', note: 'RelaxSet' },
  ISMEAR: { value: '0', note: 'RelaxSet' },
  LASPH: { value: 'True', note: 'RelaxSet' },
  LORBIT: { value: '11', note: 'RelaxSet' },
  LREAL: { value: 'Auto', note: 'RelaxSet' },
  NCORE: { value: '16', note: 'RelaxSet; set it for your machine' },
  NEDOS: { value: '3000', note: 'RelaxSet' },
  PREC: { value: 'Accurate', note: 'RelaxSet' },
  SIGMA: { value: '0.05', note: 'RelaxSet' },
};

const DEFECT_SET: Record<string, Tag> = {
  EDIFF: { value: '1e-05', note: 'DefectSet' },
  ICORELEVEL: { value: '0', note: 'DefectSet: for the Kumagai-Oba (eFNV) correction' },
  ISIF: { value: '2', note: 'DefectSet: fixed cell' },
  ISPIN: { value: '2', note: 'DefectSet: spin-polarised' },
  ISYM: { value: '0', note: 'DefectSet: no symmetry' },
  LVHAR: { value: 'True', note: 'DefectSet: for the Freysoldt (FNV) correction' },
  NSW: { value: '200', note: 'DefectSet' },
};

const HSE_SET: Record<string, Tag> = {
  AEXX: { value: '0.25', note: 'HSESet: HSE06' },
  GGA: { value: 'PE', note: 'HSESet: PBE underneath HSE06' },
  HFSCREEN: { value: '0.208', note: 'HSESet: HSE06' },
  LHFCALC: { value: 'True', note: 'HSESet' },
  PRECFOCK: { value: 'Fast', note: 'HSESet' },
};

const BULK_SINGLE_POINT: Record<string, Tag | null> = {
  EDIFF: { value: '1e-06', note: 'doped bulk reference: single point' },
  EDIFFG: null,
  IBRION: { value: '-1', note: 'doped bulk reference: single point' },
  NSW: { value: '0', note: 'doped bulk reference: single point' },
};

/**
 * LMAXMIX for a structure of these elements, pymatgen's rule (materialsproject/pymatgen,
 * `pymatgen/io/vasp/sets.py`, `DictSet.incar`, applied to every set doped writes): 6 when an element
 * has f electrons (atomic number Z > 56), else 4 when one has d electrons (Z > 20), else not set
 * (null, VASP's default 2). doped's CdTe INCARs carry `LMAXMIX = 4` (Cd, Z = 48). The tag's note
 * names the element that decides it.
 */
export function lmaxmix(elements: readonly string[]): { value: number; element: string } | null {
  let heaviest: { z: number; element: string } | null = null;
  for (const element of elements) {
    const z = atomicNumber(element) ?? 0;
    if (!heaviest || z > heaviest.z) heaviest = { z, element };
  }
  if (!heaviest || heaviest.z <= 20) return null;
  return { value: heaviest.z > 56 ? 6 : 4, element: heaviest.element };
}

export interface IncarOptions {
  /** A defect supercell (relaxation) or the bulk reference (single point). */
  kind: 'defect' | 'bulk';
  /** `pbesol`: RelaxSet + DefectSet (GGA = PS); `hse06`: the same plus HSESet (GGA = PE underneath). */
  functional: VaspFunctional;
  /** Supercell charge; NELECT is written only when it is not 0. */
  charge: number;
  /** Electrons in the cell (ZVAL sum − charge), or null when an element has no default POTCAR. */
  nelect: number | null;
  /** Elements without a default POTCAR, named in the INCAR when NELECT and NUPDOWN cannot be set. */
  missingPotcars: readonly string[];
  /** KPAR, or null to leave VASP's default. */
  kpar: number | null;
  /** The elements of the folder's structure (element symbols), which decide LMAXMIX. */
  elements: readonly string[];
}

/**
 * INCAR text: a comment line on the settings, then `TAG = value  # source` lines in alphabetical
 * order (as pymatgen's `Incar` writes them, which doped uses).
 */
export function incarText(o: IncarOptions): string {
  const tags: Record<string, Tag> = { ...RELAX_SET, ...DEFECT_SET, ...(o.functional === 'hse06' ? HSE_SET : {}) };
  if (o.kind === 'bulk') {
    for (const [tag, value] of Object.entries(BULK_SINGLE_POINT)) {
      if (value) tags[tag] = value;
      else delete tags[tag];
    }
  }
  if (o.nelect !== null) {
    if (o.charge !== 0) tags.NELECT = { value: String(o.nelect), note: `charge ${o.charge > 0 ? '+' : ''}${o.charge}: ${o.nelect + o.charge} valence electrons ${o.charge > 0 ? '-' : '+'} ${Math.abs(o.charge)}` };
    tags.NUPDOWN = { value: String(o.nelect % 2), note: o.nelect % 2 ? 'doped: odd electron count, doublet' : 'doped: even electron count, singlet' };
  }
  const mix = lmaxmix(o.elements);
  if (mix) {
    const shell = mix.value === 6 ? `f electrons (${mix.element}, Z > 56)` : `d electrons (${mix.element}, Z > 20)`;
    tags.LMAXMIX = { value: String(mix.value), note: `pymatgen's DictSet rule (io/vasp/sets.py), as doped: ${shell}` };
  }
  if (o.kpar !== null) tags.KPAR = { value: String(o.kpar), note: "doped's auto_kpar for this mesh" };

  const sets = o.functional === 'hse06' ? 'RelaxSet + DefectSet + HSESet (HSE06)' : 'RelaxSet + DefectSet (PBEsol)';
  const what = o.kind === 'bulk' ? `bulk reference, single point with doped's ${sets}` : `defect relaxation with doped's ${sets}`;
  const lines = [`# ${what}. Converge ENCUT and KPOINTS for your system; set NCORE and KPAR for your machine.`];
  if (o.nelect === null) lines.push(`# NELECT and NUPDOWN are not set: no default POTCAR for ${o.missingPotcars.join(', ')}.`);
  for (const tag of Object.keys(tags).sort()) lines.push(`${tag} = ${tags[tag].value}  # ${tags[tag].note}`);
  return `${lines.join('\n')}\n`;
}
