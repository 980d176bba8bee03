import { isElement } from '../base/elements.ts';
import { angles, lengths, toFractional, toCartesian, volume } from '../base/lattice.ts';
import { det, inverse, type Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { OCCUPANCY_TOLERANCE } from './tolerances.ts';
import { asLattice, asVec3, isRecord, jsonFail, type JsonSite } from './json-values.ts';
import { preview } from '../base/preview.ts';
import type { ReadResult } from './result.ts';
import { normalizeElementCase, parseSpeciesSymbol } from './species.ts';

/**
 * Reads a dict from pymatgen's `Structure.as_dict()`: `lattice.matrix`, and `sites` with
 * `species` [{element, occu, oxidation_state?}], fractional `abc` (or Cartesian `xyz`) and `label`.
 * A site with several species or an occupancy below 1 is disordered and refused.
 */
export function readPymatgenDict(d: Record<string, unknown>): ReadResult {
  const fail = (message: string, site?: JsonSite) => jsonFail('pymatgen', message, site);
  if (d['@class'] === 'Molecule' || d['@class'] === 'IMolecule') fail('this is a pymatgen Molecule, which has no lattice: send a periodic Structure');
  const matrix = asLattice('pymatgen', d.lattice);
  if (!Array.isArray(d.sites) || d.sites.length === 0) fail('"sites" must be a non-empty list');
  const sites = d.sites as unknown[];
  let inv: ReturnType<typeof inverse> | undefined;
  const structure: Structure = { lattice: { matrix }, species: [], fracCoords: [], labels: [] };
  const oxidationStates: (number | null)[] = [];
  sites.forEach((site, k) => {
    if (!isRecord(site)) fail(`expected an object, found ${preview(site)}`, { index: k + 1 });
    const s = site as Record<string, unknown>;
    const label = typeof s.label === 'string' ? s.label : undefined;
    const name: JsonSite = { index: k + 1, name: label };
    if (!Array.isArray(s.species) || s.species.length === 0) fail('"species" must be a non-empty list', name);
    const species = s.species as unknown[];
    const occupancy = species.reduce<number>((sum, sp) => sum + (isRecord(sp) && typeof sp.occu === 'number' ? sp.occu : 1), 0);
    if (species.length > 1 || occupancy < 1 - OCCUPANCY_TOLERANCE) {
      const what = species.map((sp) => (isRecord(sp) ? `${typeof sp.element === 'string' ? sp.element.slice(0, 12) : preview(sp.element, 12)}:${preview(sp.occu ?? 1, 12)}` : '?')).join(', ');
      fail(`partial occupancy (${what}): disordered structures are out of scope; supply an ordered structure`, name);
    }
    const sp = species[0];
    if (!isRecord(sp) || typeof sp.element !== 'string') fail('species entry needs an "element" string', name);
    const entry = sp as Record<string, unknown>;
    const parsed = parseSpeciesSymbol(entry.element as string);
    const element = normalizeElementCase(parsed.element);
    if (!isElement(element)) fail(`unknown element '${entry.element}'`, name);
    const ox = typeof entry.oxidation_state === 'number' ? entry.oxidation_state : parsed.oxidationState;
    let frac: Vec3;
    if (s.abc !== undefined) frac = asVec3('pymatgen', s.abc, '"abc"', name);
    else if (s.xyz !== undefined) {
      // A singular cell has no fractional coordinates: keep the Cartesian ones and let validation name the lattice.
      const xyz = asVec3('pymatgen', s.xyz, '"xyz"', name);
      frac = det(matrix) === 0 ? xyz : toFractional({ matrix }, xyz, (inv ??= inverse(matrix)));
    } else fail('needs fractional "abc" or Cartesian "xyz" coordinates', name);
    structure.species.push(element);
    structure.fracCoords.push(frac!);
    structure.labels!.push(label ?? element);
    oxidationStates.push(ox);
  });
  if (oxidationStates.some((o) => o !== null)) structure.oxidationStates = oxidationStates;
  return { structure, format: 'pymatgen', warnings: [] };
}

/** The dict pymatgen's `Structure.from_dict` loads (what `Structure.as_dict()` writes, minus versions). */
export function toPymatgenDict(s: Structure): Record<string, unknown> {
  const [a, b, c] = lengths(s.lattice);
  const [alpha, beta, gamma] = angles(s.lattice);
  return {
    '@module': 'pymatgen.core.structure',
    '@class': 'Structure',
    charge: 0,
    lattice: { matrix: s.lattice.matrix, pbc: [true, true, true], a, b, c, alpha, beta, gamma, volume: volume(s.lattice) },
    properties: {},
    sites: s.species.map((el, i) => {
      const ox = s.oxidationStates?.[i];
      const species = ox === null || ox === undefined ? { element: el, occu: 1 } : { element: el, occu: 1, oxidation_state: ox };
      return {
        species: [species],
        abc: s.fracCoords[i],
        xyz: toCartesian(s.lattice, s.fracCoords[i]),
        label: s.labels?.[i] ?? el,
        properties: {},
      };
    }),
  };
}

export function writePymatgenJson(s: Structure): string {
  return JSON.stringify(toPymatgenDict(s));
}
