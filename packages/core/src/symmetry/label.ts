import { type Vec3, wrapVec } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { fromConventional, toConventional } from './setting.ts';
import { EXACT, orbitOf, symmetrize } from './orbit.ts';
import { schoenflies } from './schoenflies.ts';
import type { SiteLabel, SymmetryAnalysis } from './types.ts';
import { cleanCoordinate, hasFreeParameter, identifyPosition, matchRepresentative } from './wyckoff.ts';

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
 * within symprec of it (symmetrizePoint); it is then carried into the analysis's conventional
 * setting (the one the atoms' labels refer to), its orbit there fixes the multiplicity, and the
 * Wyckoff position is the one of that multiplicity whose representative triplet some orbit point fits.
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
  return symmetrize(analysis.operations, analysis.lattice, frac, tol).map(cleanCoordinate) as Vec3;
}

function cleanVec(v: Vec3): Vec3 {
  return v.map(cleanCoordinate) as Vec3;
}
