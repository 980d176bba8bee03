import { type Mat3, type Vec3, inverse, matmul, matvec, wrapVec } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { fromConventional, toConventional } from './setting.ts';
import { EXACT, orbitOf, symmetrize } from './orbit.ts';
import { schoenflies } from './schoenflies.ts';
import type { SiteLabel, SymmetryAnalysis, SymmetryOperation } from './types.ts';
import { cleanCoordinate, hasFreeParameter, identifyPosition, matchRepresentative } from './wyckoff.ts';

/**
 * Every point works in two frames: the input cell's (what callers pass and get back) and the
 * primitive cell's (analysis.primitive), where the group has at most 48 operations. These convert
 * fractional coordinates between them; neither wraps.
 */
export function toPrimitiveFrac(analysis: SymmetryAnalysis, x: Vec3): Vec3 {
  return matvec(inverseOf(analysis), x);
}

export function toInputFrac(analysis: SymmetryAnalysis, y: Vec3): Vec3 {
  return matvec(analysis.primitive.transformation, y);
}

const inverses = new WeakMap<SymmetryAnalysis, ReturnType<typeof inverse>>();

/**
 * The primitive cell's operations (at most 48) written in the input cell's fractional frame,
 * x' = T·R·T⁻¹·x + T·t for x_input = T·x_primitive, translations wrapped into [0, 1): coset
 * representatives of the input cell's space group modulo its pure translations
 * (`analysis.translations`). Each operation followed by each pure translation gives the whole
 * group modulo the input lattice (|point group|·N maps), which is never built. Rotations are integer
 * where the operation keeps the input lattice, rational (denominators dividing N) where the input is
 * a supercell whose lattice is less symmetric than the crystal (doped's ZnS): such a map still carries
 * the crystal onto itself, so orbits built from it are right.
 */
export function inputFrameOperations(analysis: SymmetryAnalysis): SymmetryOperation[] {
  const t = analysis.primitive.transformation;
  const back = inverseOf(analysis);
  return analysis.primitive.operations.map((op) => ({
    // Exact integers (or rationals) up to the float dust of the two products.
    rotation: matmul(matmul(t, op.rotation), back).map((row) => row.map((v) => Math.round(v * 1e9) / 1e9 + 0)) as Mat3,
    translation: wrapVec(matvec(t, op.translation)).map(cleanCoordinate) as Vec3,
  }));
}

function inverseOf(analysis: SymmetryAnalysis) {
  let m = inverses.get(analysis);
  if (!m) {
    m = inverse(analysis.primitive.transformation);
    inverses.set(analysis, m);
  }
  return m;
}

/**
 * The orbit of a point of the primitive cell there (fractional coordinates of analysis.primitive,
 * wrapped into [0, 1)), the point first moved onto the special position within `tol` Å of it, so
 * the orbit has exactly |point group| / |site symmetry| points.
 */
export function primitiveOrbit(analysis: SymmetryAnalysis, y: Vec3, tol: number = analysis.symprec): Vec3[] {
  const { operations, structure } = analysis.primitive;
  return orbitOf(operations, structure.lattice, symmetrizePrimitive(analysis, y, tol), EXACT);
}

/**
 * The orbit of a point of the input cell there (fractional coordinates, wrapped into [0, 1)): its
 * primitive-cell orbit, each point with every pure translation of the input cell. It has
 * multiplicity-many points (up to 48·N for N primitive cells in the input): build it only where
 * the points themselves are needed.
 */
export function equivalentPositions(analysis: SymmetryAnalysis, frac: Vec3, tol: number = analysis.symprec): Vec3[] {
  const out: Vec3[] = [];
  for (const y of primitiveOrbit(analysis, toPrimitiveFrac(analysis, frac), tol)) {
    const x = toInputFrac(analysis, y);
    for (const t of analysis.translations) out.push(wrapVec([x[0] + t[0], x[1] + t[1], x[2] + t[2]]));
  }
  return out;
}

/**
 * Wyckoff label, site symmetry and multiplicity (in the input cell) of an arbitrary point given in
 * the input cell's fractional coordinates (an interstitial, say), consistent with the atoms' labels.
 * The structure is not read (the analysis holds all it needs); the parameter stays for callers.
 */
export function labelPoint(_structure: Structure, analysis: SymmetryAnalysis, frac: Vec3): SiteLabel {
  return labelPrimitivePoint(analysis, toPrimitiveFrac(analysis, frac));
}

/**
 * labelPoint for a point given in the primitive cell's fractional coordinates. The point is moved
 * onto the special position within symprec of it; its orbit in the primitive cell fixes the
 * multiplicity (times the pure translations of the input cell); it is then carried into the
 * analysis's conventional setting (the one the atoms' labels refer to), and the Wyckoff position is
 * the one of that orbit's size whose representative triplet some orbit point fits.
 */
export function labelPrimitivePoint(analysis: SymmetryAnalysis, y: Vec3): SiteLabel {
  const tol = analysis.symprec;
  const exact = symmetrizePrimitive(analysis, y, tol);
  const { operations, structure } = analysis.primitive;
  const multiplicity = orbitOf(operations, structure.lattice, exact, EXACT).length * analysis.translations.length;
  const { conventional } = analysis;
  const orbit = orbitOf(conventional.operations, conventional.lattice, toConventional(conventional, toInputFrac(analysis, exact)), EXACT);
  const { position, representative } = identifyPosition(analysis.wyckoffPositions, conventional.lattice, orbit, tol);
  return {
    wyckoff: `${position.multiplicity}${position.letter}`,
    siteSymmetry: position.siteSymmetry,
    pointGroup: schoenflies(position.siteSymmetry),
    multiplicity,
    conventionalFracCoords: representative,
  };
}

/**
 * Every Wyckoff position without a free parameter (the tables' '1/2,1/2,1/2', '1/4,1/4,1/4'…),
 * one representative each, in letter order, with its coordinates in the input cell (`fracCoords`)
 * and in the primitive cell (`primitiveFracCoords`). The structure is not read; it stays for callers.
 */
export function fixedWyckoffPositions(
  _structure: Structure,
  analysis: SymmetryAnalysis,
): { label: SiteLabel; fracCoords: Vec3; primitiveFracCoords: Vec3 }[] {
  const { conventional } = analysis;
  const { operations, structure } = analysis.primitive;
  return analysis.wyckoffPositions
    .filter((w) => !hasFreeParameter(w))
    .sort((a, b) => (a.letter < b.letter ? -1 : a.letter > b.letter ? 1 : 0))
    .map((position) => {
      const xs = matchRepresentative(position, conventional.lattice, [0, 0, 0], Infinity) as Vec3;
      const x = fromConventional(conventional, xs);
      const primitiveFracCoords = cleanVec(wrapVec(toPrimitiveFrac(analysis, x)));
      return {
        fracCoords: cleanVec(wrapVec(x)),
        primitiveFracCoords,
        label: {
          wyckoff: `${position.multiplicity}${position.letter}`,
          siteSymmetry: position.siteSymmetry,
          pointGroup: schoenflies(position.siteSymmetry),
          multiplicity: orbitOf(operations, structure.lattice, primitiveFracCoords, EXACT).length * analysis.translations.length,
          conventionalFracCoords: xs,
        },
      };
    });
}

/**
 * A point of the input cell moved onto its exact special position: the average of its images
 * under its own site-symmetry group (each image taken next to the point), i.e. the projection onto
 * the subspace that group fixes. The group is the closure of the operations that move the point by
 * at most `tol` Å; the search is repeated from the moved point until the group stops growing.
 * Done in the primitive cell; the point moves by the same Cartesian vector in the input cell.
 */
export function symmetrizePoint(analysis: SymmetryAnalysis, frac: Vec3, tol: number = analysis.symprec): Vec3 {
  const y = toPrimitiveFrac(analysis, frac);
  const moved = symmetrize(analysis.primitive.operations, analysis.primitive.structure.lattice, y, tol);
  const d = toInputFrac(analysis, [moved[0] - y[0], moved[1] - y[1], moved[2] - y[2]]);
  return cleanVec([frac[0] + d[0], frac[1] + d[1], frac[2] + d[2]]);
}

/** symmetrizePoint for a point of the primitive cell (its fractional coordinates in, and out). */
export function symmetrizePrimitive(analysis: SymmetryAnalysis, y: Vec3, tol: number = analysis.symprec): Vec3 {
  return cleanVec(symmetrize(analysis.primitive.operations, analysis.primitive.structure.lattice, y, tol));
}

function cleanVec(v: Vec3): Vec3 {
  return v.map(cleanCoordinate) as Vec3;
}
