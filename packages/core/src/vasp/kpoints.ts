import { type Mat3, det, norm } from '../base/linalg.ts';

/**
 * The Γ-centred k-point mesh doped writes for a reciprocal density (k-points per Å⁻³ of reciprocal
 * space): pymatgen's `Kpoints.automatic_density_by_vol` with `force_gamma` (doped's `DopedDictSet`
 * forces Γ-centred meshes). kppa = density · (2π)³/V · n_atoms, nudged up 1 % when it is within 1 of
 * a perfect cube (pymatgen's guard against a rounding tie); then mult = (kppa/n_atoms · a·b·c)^⅓ and
 * divisions floor(max(mult / |aᵢ|, 1)) along each lattice vector.
 *
 * `lattice` is [3][3], rows the cell vectors in Å; returns the three divisions.
 */
export function gammaMesh(lattice: number[][], nAtoms: number, reciprocalDensity: number): [number, number, number] {
  const m = lattice as Mat3;
  const volume = Math.abs(det(m));
  let kppa = (reciprocalDensity * (2 * Math.PI) ** 3 * nAtoms) / volume;
  if (Math.abs(Math.floor(Math.cbrt(kppa) + 0.5) ** 3 - kppa) < 1) kppa += kppa * 0.01;
  const lengths = m.map(norm);
  const mult = Math.cbrt((kppa / nAtoms) * lengths[0] * lengths[1] * lengths[2]);
  return lengths.map((l) => Math.floor(Math.max(mult / l, 1))) as [number, number, number];
}

/**
 * doped's KPAR for a mesh (`DopedDictSet.incar`, auto_kpar): 2 when one direction has 2 or ≥ 4
 * divisions, 4 when two or more do, none (VASP's default, 1) otherwise, e.g. for Γ only.
 */
export function autoKpar(mesh: readonly number[]): number | null {
  const directions = mesh.filter((k) => k === 2 || k >= 4).length;
  return directions === 0 ? null : directions === 1 ? 2 : 4;
}

/**
 * KPOINTS text (automatic Γ-centred scheme, as pymatgen writes it): comment, 0, Gamma, the
 * divisions. `[1, 1, 1]` is Γ only, doped's `vasp_gam`.
 */
export function kpointsText(mesh: readonly number[], reciprocalDensity: number | null): string {
  const comment =
    reciprocalDensity === null
      ? "Gamma-only KPOINTS (doped's vasp_gam)"
      : `Gamma-centred mesh, reciprocal_density ${reciprocalDensity} per inverse Angstrom^3 (doped's vasp_std)`;
  return `${comment}\n0\nGamma\n${mesh.join(' ')}\n`;
}
