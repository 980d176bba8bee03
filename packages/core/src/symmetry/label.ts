import type { Lattice } from '../base/lattice.ts';
import { type Vec3, vecmat, wrapVec } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { fromConventional, toConventional } from './analyze.ts';
import { applyOperation, foldedDifference, generatedSubgroup, orbitOf, stabilizer } from './orbit.ts';
import { schoenflies } from './schoenflies.ts';
import type { SiteLabel, SymmetryAnalysis, WyckoffPosition } from './types.ts';
import { cleanCoordinate, compareCoordinates, hasFreeParameter, matchRepresentative, orbitRepresentative } from './wyckoff.ts';

/** Points closer than this after symmetrization are one point: only floating-point dust separates them. */
const EXACT = 1e-5;

/**
 * The orbit of a point in the input cell, wrapped into [0, 1). The point is first moved onto the
 * special position within `tol` Å of it (symmetrizePoint), so the orbit has exactly as many
 * points as the group's order divided by the site symmetry's, with no tolerance-chained merges.
 */
export function equivalentPositions(analysis: SymmetryAnalysis, frac: Vec3, tol: number = analysis.symprec): Vec3[] {
  return orbitOf(analysis.operations, analysis.lattice, symmetrizePoint(analysis, frac, tol), EXACT);
}

/**
 * Wyckoff label, site symmetry and multiplicities of an arbitrary point (an interstitial, say),
 * consistent with the labels of the atoms. The point is first moved onto the special position
 * within symprec of it (symmetrizePoint); it is then carried into the same conventional
 * setting moyo chose for the structure, its orbit there fixes the multiplicity, and the Wyckoff
 * position is the one of that multiplicity whose representative triplet some orbit point fits.
 */
export function labelPoint(structure: Structure, analysis: SymmetryAnalysis, frac: Vec3): SiteLabel {
  const tol = analysis.symprec;
  const x = symmetrizePoint(analysis, frac, tol);
  const multiplicity = orbitOf(analysis.operations, structure.lattice, x, EXACT).length;
  const { conventional } = analysis;
  const orbit = orbitOf(conventional.operations, conventional.lattice, toConventional(conventional, x), EXACT);
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
 * one representative each, carried into the input cell's coordinates, in letter order.
 */
export function fixedWyckoffPositions(structure: Structure, analysis: SymmetryAnalysis): { label: SiteLabel; fracCoords: Vec3 }[] {
  const { conventional } = analysis;
  const tol = analysis.symprec;
  return analysis.wyckoffPositions
    .filter((w) => !hasFreeParameter(w))
    .sort((a, b) => (a.letter < b.letter ? -1 : a.letter > b.letter ? 1 : 0))
    .map((position) => {
      const xs = matchRepresentative(position, conventional.lattice, [0, 0, 0], Infinity) as Vec3;
      const fracCoords = cleanVec(wrapVec(fromConventional(conventional, xs)));
      return {
        fracCoords,
        label: {
          wyckoff: `${position.multiplicity}${position.letter}`,
          siteSymmetry: position.siteSymmetry,
          pointGroup: schoenflies(position.siteSymmetry),
          multiplicity: orbitOf(analysis.operations, structure.lattice, fracCoords, EXACT).length,
          conventionalFracCoords: xs,
        },
      };
    });
}

/**
 * The point moved onto its exact special position: the average of its images under its own
 * site-symmetry group (each image taken next to the point), i.e. the projection onto the subspace
 * that group fixes. The group is the closure of the operations that move the point by at most
 * `tol` Å; the search is repeated from the moved point until the group stops growing.
 * Useful for positions found numerically (Voronoi nodes) and before labelling any point.
 */
export function symmetrizePoint(analysis: SymmetryAnalysis, frac: Vec3, tol: number = analysis.symprec): Vec3 {
  let x = frac;
  let order = 0;
  for (let round = 0; round < 4; round++) {
    const group = generatedSubgroup(analysis.operations, stabilizer(analysis.operations, analysis.lattice, x, tol));
    if (group.length <= order) break;
    order = group.length;
    const sum: Vec3 = [0, 0, 0];
    for (const op of group) {
      const d = foldedDifference(applyOperation(op, x), x);
      for (let k = 0; k < 3; k++) sum[k] += x[k] + d[k];
    }
    x = [sum[0] / group.length, sum[1] / group.length, sum[2] / group.length];
  }
  return cleanVec(wrapVec(x));
}

function identifyPosition(
  positions: WyckoffPosition[],
  lattice: Lattice,
  orbit: Vec3[],
  tol: number,
): { position: WyckoffPosition; representative: Vec3 } {
  const sameSize = positions.filter((w) => w.multiplicity === orbit.length);
  for (const position of sameSize) {
    const representative = orbitRepresentative(position, lattice, orbit, tol);
    if (representative) return { position, representative };
  }
  // Tolerance effects (a point just outside symprec of a special position) can leave no exact fit;
  // the position that fits best is then the honest answer.
  let best: { position: WyckoffPosition; representative: Vec3; residual: number } | null = null;
  for (const position of sameSize.length > 0 ? sameSize : positions) {
    for (const p of orbit) {
      const ideal = matchRepresentative(position, lattice, p, Infinity) as Vec3;
      const c = vecmat(foldedDifference(ideal, p), lattice.matrix);
      const residual = Math.hypot(c[0], c[1], c[2]);
      if (
        best === null ||
        residual < best.residual - 1e-9 ||
        (residual < best.residual + 1e-9 && compareCoordinates(ideal, best.representative) < 0)
      ) {
        best = { position, representative: ideal, residual };
      }
    }
  }
  return { position: best!.position, representative: best!.representative };
}

function cleanVec(v: Vec3): Vec3 {
  return v.map(cleanCoordinate) as Vec3;
}
