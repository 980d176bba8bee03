/**
 * doped's default POTCAR per element and the valence electron count (ZVAL) of each, as facts
 * (numbers and symbols only; POTCARs themselves are licensed and never shipped).
 *
 * Symbols: doped's `doped/VASP_sets/PotcarSet.yaml` (SMTG-Bham/doped, `POTCAR_FUNCTIONAL: PBE`),
 * the set doped writes into every POTCAR.spec. Elements it does not list (Po, Rn, Fr, Ra, Am and
 * heavier) have no default here either.
 *
 * ZVAL: the `ZVAL` line of each of those PAW_PBE POTCARs, as tabulated in pyiron's public POTCAR
 * index (`pyiron/pyiron-resources`, `vasp/potentials/potentials_vasp.csv`, column `n_elect`, set
 * `potpaw_PBE`). W_sv is not in that index: its 14 (5s² 5p⁶ 5d⁴ 6s²) is the valency the VASP wiki's
 * table of the PBE.54 potentials gives. Cross-checks: Cd 12 and Te 6 are what doped's own POTCAR
 * test prints (`tests/dope_potcar_tests.ipynb`), and doped's CdTe test inputs (`tests/data/CdTe`, 54-atom
 * supercell) carry the NELECT these values give (`Cd_Te_+1`: 28·12 + 26·6 − 1 = 491).
 */
export const DEFAULT_POTCARS: Readonly<Record<string, { symbol: string; zval: number }>> = {
  Ac: { symbol: 'Ac', zval: 11 },
  Ag: { symbol: 'Ag', zval: 11 },
  Al: { symbol: 'Al', zval: 3 },
  Ar: { symbol: 'Ar', zval: 8 },
  As: { symbol: 'As', zval: 5 },
  At: { symbol: 'At_d', zval: 17 },
  Au: { symbol: 'Au', zval: 11 },
  B: { symbol: 'B', zval: 3 },
  Ba: { symbol: 'Ba_sv', zval: 10 },
  Be: { symbol: 'Be', zval: 2 },
  Bi: { symbol: 'Bi_d', zval: 15 },
  Br: { symbol: 'Br', zval: 7 },
  C: { symbol: 'C', zval: 4 },
  Ca: { symbol: 'Ca_sv', zval: 10 },
  Cd: { symbol: 'Cd', zval: 12 },
  Ce: { symbol: 'Ce', zval: 12 },
  Cl: { symbol: 'Cl', zval: 7 },
  Co: { symbol: 'Co', zval: 9 },
  Cr: { symbol: 'Cr_pv', zval: 12 },
  Cs: { symbol: 'Cs_sv', zval: 9 },
  Cu: { symbol: 'Cu', zval: 11 },
  Dy: { symbol: 'Dy_3', zval: 9 },
  Er: { symbol: 'Er_3', zval: 9 },
  Eu: { symbol: 'Eu', zval: 17 },
  F: { symbol: 'F', zval: 7 },
  Fe: { symbol: 'Fe', zval: 8 },
  Ga: { symbol: 'Ga_d', zval: 13 },
  Gd: { symbol: 'Gd', zval: 18 },
  Ge: { symbol: 'Ge_d', zval: 14 },
  H: { symbol: 'H', zval: 1 },
  He: { symbol: 'He', zval: 2 },
  Hf: { symbol: 'Hf_pv', zval: 10 },
  Hg: { symbol: 'Hg', zval: 12 },
  Ho: { symbol: 'Ho_3', zval: 9 },
  I: { symbol: 'I', zval: 7 },
  In: { symbol: 'In_d', zval: 13 },
  Ir: { symbol: 'Ir', zval: 9 },
  K: { symbol: 'K_sv', zval: 9 },
  Kr: { symbol: 'Kr', zval: 8 },
  La: { symbol: 'La', zval: 11 },
  Li: { symbol: 'Li_sv', zval: 3 },
  Lu: { symbol: 'Lu_3', zval: 9 },
  Mg: { symbol: 'Mg', zval: 2 },
  Mn: { symbol: 'Mn_pv', zval: 13 },
  Mo: { symbol: 'Mo_sv', zval: 14 },
  N: { symbol: 'N', zval: 5 },
  Na: { symbol: 'Na_pv', zval: 7 },
  Nb: { symbol: 'Nb_sv', zval: 13 },
  Nd: { symbol: 'Nd_3', zval: 11 },
  Ne: { symbol: 'Ne', zval: 8 },
  Ni: { symbol: 'Ni', zval: 10 },
  Np: { symbol: 'Np', zval: 15 },
  O: { symbol: 'O', zval: 6 },
  Os: { symbol: 'Os', zval: 8 },
  P: { symbol: 'P', zval: 5 },
  Pa: { symbol: 'Pa', zval: 13 },
  Pb: { symbol: 'Pb_d', zval: 14 },
  Pd: { symbol: 'Pd', zval: 10 },
  Pm: { symbol: 'Pm_3', zval: 11 },
  Pr: { symbol: 'Pr_3', zval: 11 },
  Pt: { symbol: 'Pt', zval: 10 },
  Pu: { symbol: 'Pu', zval: 16 },
  Rb: { symbol: 'Rb_sv', zval: 9 },
  Re: { symbol: 'Re', zval: 7 },
  Rh: { symbol: 'Rh_pv', zval: 15 },
  Ru: { symbol: 'Ru_pv', zval: 14 },
  S: { symbol: 'S', zval: 6 },
  Sb: { symbol: 'Sb', zval: 5 },
  Sc: { symbol: 'Sc_sv', zval: 11 },
  Se: { symbol: 'Se', zval: 6 },
  Si: { symbol: 'Si', zval: 4 },
  Sm: { symbol: 'Sm_3', zval: 11 },
  Sn: { symbol: 'Sn_d', zval: 14 },
  Sr: { symbol: 'Sr_sv', zval: 10 },
  Ta: { symbol: 'Ta_pv', zval: 11 },
  Tb: { symbol: 'Tb_3', zval: 9 },
  Tc: { symbol: 'Tc_pv', zval: 13 },
  Te: { symbol: 'Te', zval: 6 },
  Th: { symbol: 'Th', zval: 12 },
  Ti: { symbol: 'Ti_sv', zval: 12 },
  Tl: { symbol: 'Tl_d', zval: 13 },
  Tm: { symbol: 'Tm_3', zval: 9 },
  U: { symbol: 'U', zval: 14 },
  V: { symbol: 'V_sv', zval: 13 },
  W: { symbol: 'W_sv', zval: 14 },
  Xe: { symbol: 'Xe', zval: 8 },
  Y: { symbol: 'Y_sv', zval: 11 },
  Yb: { symbol: 'Yb_2', zval: 8 },
  Zn: { symbol: 'Zn', zval: 12 },
  Zr: { symbol: 'Zr_sv', zval: 12 },
};

/** The functional of the POTCAR set above, as pymatgen and doped name it (`POTCAR_FUNCTIONAL`). */
export const POTCAR_FUNCTIONAL = 'PBE';

/**
 * Valence electrons of a neutral cell with doped's default POTCARs: the sum of ZVAL over the sites
 * (electrons). Elements without a default POTCAR are listed in `missing` (in order of first
 * appearance) and the count is then null.
 */
export function valenceElectrons(species: readonly string[]): { electrons: number | null; missing: string[] } {
  let electrons = 0;
  const missing: string[] = [];
  for (const el of species) {
    const potcar = DEFAULT_POTCARS[el];
    if (potcar) electrons += potcar.zval;
    else if (!missing.includes(el)) missing.push(el);
  }
  return { electrons: missing.length ? null : electrons, missing };
}
