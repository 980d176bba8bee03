import { StructureError, type StructureFormat } from '../base/errors.ts';
import { isElement } from '../base/elements.ts';
import { det, norm } from '../base/linalg.ts';
import type { Lattice } from '../base/lattice.ts';
import type { Structure } from '../base/structure.ts';
import { closePairs } from './close-pairs.ts';
import { shortestVectorLength } from '../base/reduction.ts';
import { MIN_INTERATOMIC_DISTANCE } from './tolerances.ts';

/** How messages name each format. */
export const FORMAT_NAMES: Record<StructureFormat | 'unknown', string> = {
  cif: 'CIF',
  poscar: 'POSCAR',
  pymatgen: 'pymatgen JSON',
  json: 'JSON',
  extxyz: 'extxyz',
  unknown: 'structure',
};

/** No periodic model for DFT is anywhere near this long; beyond it the geometry's arithmetic overflows. */
const MAX_LATTICE_LENGTH = 10_000;

/** Volume below this fraction of |a||b||c| means the vectors are (nearly) coplanar. */
const SINGULAR_RELATIVE_VOLUME = 1e-6;

/** How a site is named in messages: its 1-based index and its label or element, e.g. `site 2 (Cl)`. */
export function siteName(s: Structure, i: number): string {
  return `site ${i + 1} (${s.labels?.[i] ?? s.species[i]})`;
}

const round = (x: number) => Number(x.toPrecision(3));

/**
 * What makes a lattice unusable, or undefined: non-finite entries, a vector over 10,000 Å, three
 * (nearly) coplanar vectors, or a period under 0.5 Å. Handedness is left to the caller.
 */
export function latticeProblem(lattice: Lattice): string | undefined {
  const m = lattice.matrix;
  if (m.length !== 3 || m.some((row) => row.length !== 3 || row.some((x) => !Number.isFinite(x)))) {
    return 'the lattice must be three vectors of three finite numbers';
  }
  for (let k = 0; k < 3; k++) {
    const length = Math.hypot(...m[k]);
    if (length > MAX_LATTICE_LENGTH) {
      return `lattice vector ${'abc'[k]} is ${length.toPrecision(3)} Å long, more than ${MAX_LATTICE_LENGTH} Å: lattice vectors must be in Å (a scale factor or unit may be wrong)`;
    }
  }
  const d = det(m);
  const scale = norm(m[0]) * norm(m[1]) * norm(m[2]);
  if (scale === 0 || Math.abs(d) <= SINGULAR_RELATIVE_VOLUME * scale) {
    return `the lattice is singular (cell volume ${round(Math.abs(d))} Å³): its three vectors are linearly dependent (coplanar or zero), so it spans no 3D cell`;
  }
  // Vector by vector first, for a message that names the vector; then the shortest period, which a
  // combination of long vectors can make short.
  for (let k = 0; k < 3; k++) {
    const length = norm(m[k]);
    if (length < MIN_INTERATOMIC_DISTANCE) {
      return `lattice vector ${'abc'[k]} is ${length.toPrecision(3)} Å long, shorter than ${MIN_INTERATOMIC_DISTANCE} Å: every atom would overlap its own periodic image (lattice vectors must be in Å)`;
    }
  }
  const period = shortestVectorLength(m);
  if (period < MIN_INTERATOMIC_DISTANCE) {
    return `the cell has a period of ${period.toPrecision(3)} Å (a short combination of its lattice vectors), shorter than ${MIN_INTERATOMIC_DISTANCE} Å: every atom would overlap its own periodic image`;
  }
  return undefined;
}

/**
 * Refuses structures the rest of the pipeline cannot use: no atoms, mismatched arrays, unknown
 * elements, non-finite numbers, a singular or left-handed lattice, or two atoms closer than
 * 0.5 Å (periodic images included). Throws StructureError naming the format, the site and the problem.
 */
export function validateStructure(s: Structure, format: StructureFormat | 'unknown' = 'unknown'): void {
  const name = FORMAT_NAMES[format];
  const fail = (message: string, site?: number): never => {
    throw new StructureError(`${name}${site === undefined ? '' : ` ${siteName(s, site)}`}: ${message}`, {
      format,
      site: site === undefined ? undefined : site + 1,
    });
  };
  const n = s.species.length;
  if (n === 0) fail('no atoms');
  if (s.fracCoords.length !== n) fail(`${n} species but ${s.fracCoords.length} coordinates`);
  if (s.labels && s.labels.length !== n) fail(`${n} sites but ${s.labels.length} labels`);
  if (s.oxidationStates && s.oxidationStates.length !== n) fail(`${n} sites but ${s.oxidationStates.length} oxidation states`);

  const problem = latticeProblem(s.lattice);
  if (problem) fail(problem);
  const d = det(s.lattice.matrix);
  if (d < 0) {
    fail(
      `the lattice is left-handed (a·(b×c) = ${round(d)} Å³ < 0): swap b and c to make it right-handed (listing them a, c, b, and swapping the second and third fractional coordinates of every site)`,
    );
  }

  for (let i = 0; i < n; i++) {
    if (!isElement(s.species[i])) fail(`unknown element '${s.species[i]}'`, i);
    const p = s.fracCoords[i];
    if (!Array.isArray(p) || p.length !== 3 || p.some((x) => !Number.isFinite(x))) fail('coordinates must be three finite numbers', i);
  }

  let closest: { i: number; j: number; distance: number } | undefined;
  for (const pair of closePairs(s.lattice, s.fracCoords, MIN_INTERATOMIC_DISTANCE)) {
    if (!closest || pair.distance < closest.distance) closest = pair;
  }
  if (closest) {
    const { i, j, distance } = closest;
    if (i === j) fail(`is ${round(distance)} Å from its own periodic image (closer than ${MIN_INTERATOMIC_DISTANCE} Å): a lattice vector is too short`, i);
    throw new StructureError(
      `${name}: ${siteName(s, i)} and ${siteName(s, j)} are ${round(distance)} Å apart, closer than ${MIN_INTERATOMIC_DISTANCE} Å: overlapping atoms`,
      { format, site: i + 1 },
    );
  }
}
