import { describe, expect, it } from 'vitest';
import type { Structure } from '../base/structure.ts';
import { closestSiteInfo, neighbourShells } from './geometry.ts';

// A 20 Å cube, so that no periodic image comes near; the probe point sits at the origin.
const L = 20;
const host = (atoms: [string, number, number, number][]): Structure => ({
  lattice: { matrix: [[L, 0, 0], [0, L, 0], [0, 0, L]] },
  species: atoms.map((a) => a[0]),
  fracCoords: atoms.map((a) => [a[1] / L, a[2] / L, a[3] / L]),
});

describe('doped’s neighbour shells', () => {
  it('names the element first in the element order when two lie at the same rounded distance', () => {
    // Sb at 2.2055 Å and Si at 2.2064 Å both round to 2.21 (Sb2Si2Te6's interstitial)
    const s = host([['Sb', 2.2055, 0, 0], ['Si', 0, 2.2064, 0], ['Te', 0, 0, 3]]);
    expect(closestSiteInfo(s, [0, 0, 0], ['Si', 'Sb', 'Te'], 1)).toBe('Si2.21');
    expect(closestSiteInfo(s, [0, 0, 0], ['Sb', 'Si', 'Te'], 1)).toBe('Sb2.21');
  });

  it('lists another element at the same distance as a shell of its own, and the same element only 0.02 Å further', () => {
    // Ag2Se's `Ag_i_C2_Ag2.45Se2.45`: Ag and Se both at 2.45 Å; a second Ag 0.01 Å further is no new shell
    const s = host([['Ag', 2.45, 0, 0], ['Ag', 0, -2.46, 0], ['Se', 0, 2.45, 0], ['Ag', 0, 0, 3.05]]);
    expect(neighbourShells(s, [0, 0, 0], ['Ag', 'Se'], 3).map((n) => `${n.element}${n.distance.toFixed(2)}`)).toEqual(['Ag2.45', 'Se2.45', 'Ag3.05']);
  });

  it('skips the atom on the point itself, and prints distances as Python does (1.805 → 1.80)', () => {
    const s = host([['Cu', 0, 0, 0], ['Cu', 1.805, 0, 0], ['Ag', 0, 0, 2.5]]);
    expect(closestSiteInfo(s, [0, 0, 0], ['Cu', 'Ag'], 1)).toBe('Cu1.80');
    expect(closestSiteInfo(s, [0, 0, 0], ['Cu', 'Ag'], 2)).toBe('Ag2.50');
  });

  it('reads equal distances alike whatever floating-point dust they carry, also on a rounding edge', () => {
    // AgCu's interstitial: Cu and Ag both 1.805 Å away; computed from another but equivalent cell
    // one comes out a hair above 1.805 (→ 1.81) and the other a hair below (→ 1.80). doped names Cu1.80.
    for (const [cu, ag] of [
      [1.805 + 4e-15, 1.805 - 4e-15],
      [1.805 - 4e-15, 1.805 + 4e-15],
    ]) {
      const s = host([['Ag', 0, ag, 0], ['Cu', cu, 0, 0], ['Ag', 0, 0, 3]]);
      expect(closestSiteInfo(s, [0, 0, 0], ['Cu', 'Ag'], 1)).toBe('Cu1.80');
    }
  });

  it('widens the search from 3 Å until it reaches a neighbour', () => {
    // the nearest atoms are the eight images at (±5, ±5, ±5) Å, the next at 16.58 Å
    const s = host([['Cu', 0, 0, 0]]);
    expect(closestSiteInfo(s, [0.25, 0.25, 0.25], ['Cu'], 1)).toBe('Cu8.66');
    expect(closestSiteInfo(s, [0.25, 0.25, 0.25], ['Cu'], 2)).toBe('Cu16.58');
  });
});
