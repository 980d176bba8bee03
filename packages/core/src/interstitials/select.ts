import type { Vec3 } from '../base/linalg.ts';
import { volume } from '../base/lattice.ts';
import type { Structure } from '../base/structure.ts';
import { fixedWyckoffPositions } from '../symmetry/label.ts';
import { applyOperation } from '../symmetry/orbit.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import { type Admissible, COINCIDENCE_TOLERANCE, wyckoffCandidates } from './candidates.ts';
import { CLUSTER_TOLERANCE, type ClusterPoint, clusterPoints } from './cluster.ts';
import type { HostEnvironment } from './environment.ts';
import { LOOSE_STOL, TIGHT_STOL, groupByOrbit, separate, stolDistance } from './group.ts';
import { nearestImage } from './min-image.ts';
import type { SiteCandidate } from './reduce.ts';
import type { VoronoiVertex } from './voronoi.ts';

/**
 * The interstitial sites of a host, selected as doped's `get_interstitial_sites` does
 * (doped/generation.py), one candidate per symmetry-distinct site:
 * 1. the points: every Voronoi vertex of the primitive cell (`host`, the idealized
 *    analysis.primitive, with its `vertices`) that `admissible` accepts (far enough from the
 *    atoms, not in a vacuum), plus the orbits of the fixed-coordinate Wyckoff positions that
 *    candidates.ts keeps (doped only offers these with `include_unique_wyckoffs=True`);
 *    and `extra`, candidates found elsewhere and already reduced to orbits (adsorption sites, which
 *    lie in the vacuum `admissible` refuses: doped adds them to the points before clustering);
 * 2. centroid-linkage clustering within `tol` Å (cluster.ts, doped's `_doped_cluster_frac_coords`);
 * 3. one site per orbit, grouped within doped's `stol` distance (group.ts);
 * 4. no two sites closer than `tol` (group.ts `separate`), which doped does not guarantee.
 * At every stage, two fixed-coordinate Wyckoff positions of different letters stay apart.
 *
 * Returns candidates in the primitive cell's fractional coordinates, each with its orbit there.
 * `tol` in Å (the request's `interstitial_cluster_tolerance`, 0–2, default 0.8).
 */
export function selectSites(
  host: Structure,
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  vertices: VoronoiVertex[],
  admissible: Admissible,
  tol: number = CLUSTER_TOLERANCE,
  extra: SiteCandidate[] = [],
): SiteCandidate[] {
  const { operations } = analysis.primitive;
  // Points of the fixed-coordinate positions that a candidate could sit on (within the coincidence
  // tolerance: a position that far inside the minimum distance cannot hold one), by Wyckoff label:
  // every image, repeats included, scanned linearly (a few hundred at most, most rejected on one
  // fractional coordinate: |Δx_i| > tol·|b*_i| puts the points more than tol apart).
  const fixedPoints: { frac: Vec3; label: string }[] = [];
  const positions = fixedWyckoffPositions(host, analysis);
  for (const position of positions) {
    const at = position.primitiveFracCoords;
    if (!admissible(at, env.nearestDistance(at) + COINCIDENCE_TOLERANCE)) continue;
    for (const op of operations) fixedPoints.push({ frac: applyOperation(op, at), label: position.label.wyckoff });
  }
  const [r0, r1, r2] = env.reciprocalLengths;
  const fixedWithin = (frac: Vec3, tolerance: number): string | null => {
    for (const { frac: q, label } of fixedPoints) {
      const d0 = q[0] - frac[0];
      const d1 = q[1] - frac[1];
      const d2 = q[2] - frac[2];
      if (Math.abs(d0 - Math.round(d0)) > tolerance * r0 || Math.abs(d1 - Math.round(d1)) > tolerance * r1 || Math.abs(d2 - Math.round(d2)) > tolerance * r2) continue;
      if (nearestImage(env, frac, q) <= tolerance * tolerance) return label;
    }
    return null;
  };
  const exactTol = Math.max(analysis.symprec, 1e-3);
  const onFixed = (frac: Vec3): string | null => fixedWithin(frac, exactTol);

  const points: ClusterPoint[] = [];
  for (const v of vertices) {
    if (admissible(v.fracCoords, v.radius)) points.push({ fracCoords: v.fracCoords, radius: v.radius, source: 'voronoi', fixed: fixedWithin(v.fracCoords, COINCIDENCE_TOLERANCE) });
  }
  for (const w of wyckoffCandidates(host, analysis, env, vertices, admissible, positions)) {
    const fixed = onFixed(w.fracCoords);
    for (const p of w.orbit) points.push({ fracCoords: p, radius: w.radius, source: 'wyckoff', fixed, placed: w });
  }

  for (const c of extra) for (const p of c.orbit) points.push({ fracCoords: p, radius: c.radius, source: c.source, fixed: null, placed: c });

  const choices = clusterPoints(points, env, analysis, tol);
  const atoms = host.fracCoords.length;
  const cellVolume = volume(host.lattice);
  const sites = groupByOrbit(
    choices,
    analysis,
    env,
    admissible,
    onFixed,
    stolDistance(TIGHT_STOL, cellVolume, atoms),
    stolDistance(LOOSE_STOL, cellVolume, atoms),
  );
  return separate(sites, env, tol).map(({ fixed: _fixed, ...site }) => site);
}
