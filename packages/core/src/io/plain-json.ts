import { isElement } from '../base/elements.ts';
import { toFractional } from '../base/lattice.ts';
import { det, inverse, type Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { asLattice, asVec3, jsonFail, type JsonSite } from './json-values.ts';
import { preview } from '../base/preview.ts';
import type { ReadResult } from './result.ts';
import { parseSpeciesSymbol } from './species.ts';

/**
 * Reads the plain JSON form `{ "lattice": 3x3 | {"matrix": 3x3}, "species": [...], "frac_coords": [...] }`
 * (or `cart_coords` in Å), with optional `labels`. Species may carry oxidation decorations ('Fe2+').
 */
export function readPlainJson(d: Record<string, unknown>): ReadResult {
  const fail = (message: string, site?: JsonSite) => jsonFail('json', message, site);
  const matrix = asLattice('json', d.lattice);
  if (!Array.isArray(d.species) || d.species.length === 0) fail('"species" must be a non-empty list of element symbols');
  const species = d.species as unknown[];
  const cartesian = d.frac_coords === undefined && d.cart_coords !== undefined;
  const coords = cartesian ? d.cart_coords : d.frac_coords;
  if (!Array.isArray(coords)) fail('needs "frac_coords" (or "cart_coords"): one [x, y, z] per species');
  const list = coords as unknown[];
  const field = cartesian ? 'cart_coords' : 'frac_coords';
  if (list.length !== species.length) fail(`"species" has ${species.length} entries but "${field}" has ${list.length}`);
  const labels = Array.isArray(d.labels) && d.labels.length === species.length && d.labels.every((l) => typeof l === 'string') ? (d.labels as string[]) : undefined;
  // A singular cell has no fractional coordinates: keep the Cartesian ones and let validation name the lattice.
  const inv = cartesian && det(matrix) !== 0 ? inverse(matrix) : undefined;
  const structure: Structure = { lattice: { matrix }, species: [], fracCoords: [] };
  const oxidationStates: (number | null)[] = [];
  species.forEach((sp, k) => {
    const name: JsonSite = { index: k + 1, name: labels?.[k] ?? (typeof sp === 'string' ? sp : undefined) };
    if (typeof sp !== 'string') fail(`species must be an element symbol string, found ${preview(sp)}`, name);
    const parsed = parseSpeciesSymbol(sp as string);
    if (!isElement(parsed.element)) fail(`unknown element '${parsed.element}'`, name);
    const p = asVec3('json', list[k], `"${field}"`, name);
    structure.species.push(parsed.element);
    structure.fracCoords.push(inv ? toFractional({ matrix }, p as Vec3, inv) : p);
    oxidationStates.push(parsed.oxidationState);
  });
  if (labels) structure.labels = [...labels];
  if (oxidationStates.some((o) => o !== null)) structure.oxidationStates = oxidationStates;
  return { structure, format: 'json', warnings: [] };
}
