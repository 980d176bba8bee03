import { createHash } from 'node:crypto';
import { toCartesian } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { guessChargeStates, vacancyChargeStates } from '../charges/charge-states.ts';
import { type DefectType, requestedTypes } from '../request.ts';
import { toPrimitiveFrac } from '../symmetry/label.ts';
import { closestSiteInfo, firstShell, nearestToCentre } from './geometry.ts';
import { copyName, nameDefects, namingElementOrder } from './naming.ts';
import { coordinateKey } from './orbits.ts';
import { compareSortKeys, dopedConventionalCoords, fracCoordsSortKey } from './site-order.ts';
import { type CandidateGroup, applyCaps, capWarning, interleave, seededRandom, shuffled } from './selection.ts';
import type { DefectDraft, GroupReport, HostContext, NeighborShellEntry } from './types.ts';

/** A draft after naming and charge guessing, at one position of the supercell. */
export interface PlacedDefect {
  draft: DefectDraft;
  name: string;
  group: string;
  chargeStates: number[];
  nearestNeighbors: NeighborShellEntry[];
  /** The conventional-cell coordinates doped gives the defect (site-order.ts), which also decided its name's place. */
  conventionalCoords: Vec3;
  /** Index into draft.supercellPositions. */
  position: number;
  /** Extra key part that tells apart copies of one class when deduplication is off. */
  copyKey: string;
}

export function groupKey(family: DefectType, origin: string): string {
  return origin === 'native' ? family : `${family}:${origin}`;
}

/**
 * Charge states of a draft from the host's oxidation states, doped's way (`guess_defect_charge_states`),
 * highest first; −1, 0, +1 for every defect when the host's oxidation states are unknown.
 */
export function draftChargeStates(ctx: HostContext, draft: DefectDraft): number[] {
  const perSite = ctx.oxidation.perSite;
  if (perSite === null) return [1, 0, -1];
  const maxHost = Math.max(0, ...perSite.map((v) => Math.abs(v)));
  if (draft.family === 'vacancy') {
    const site = draft.supercellSites ? ctx.supercellToInput[draft.supercellSites[0]] : 0;
    return vacancyChargeStates(perSite[site]);
  }
  const species = draft.species!;
  const elementOxidationInHost = species in ctx.oxidation.byElement ? ctx.oxidation.byElement[species] : null;
  if (draft.family === 'substitution') {
    const site = ctx.supercellToInput[draft.supercellSites![0]];
    return guessChargeStates({ kind: 'substitution', element: species, replacedOxidationState: perSite[site], maxHostOxidationMagnitude: maxHost, elementOxidationInHost });
  }
  return guessChargeStates({ kind: 'interstitial', element: species, maxHostOxidationMagnitude: maxHost, elementOxidationInHost });
}

/**
 * Names every draft (doped's rules, over all families at once so that names are stable whatever
 * the caps keep), guesses charges, places each at the equivalent site nearest the supercell's centre
 * (or, with deduplication off, makes one copy per supercell site), sorts them into groups (family,
 * then native before dopants in the order given), ranks each group and applies the caps; a warning
 * names what the caps dropped.
 */
export function selectDefects(ctx: HostContext, drafts: DefectDraft[]): { placed: PlacedDefect[]; groups: GroupReport[]; warnings: string[] } {
  const { names, conventional } = draftNames(ctx, drafts);
  const firstShellCache = new Map<string, NeighborShellEntry[]>();

  const { request } = ctx;
  const groups: CandidateGroup<PlacedDefect>[] = [];
  for (const family of requestedTypes(request)) {
    const origins = family === 'vacancy' ? ['native'] : ['native', ...ctx.dopants];
    for (const origin of origins) {
      const key = groupKey(family, origin);
      const classes: PlacedDefect[][] = [];
      drafts.forEach((draft, i) => {
        if (draft.family !== family || draft.origin !== origin) return;
        const base = {
          draft,
          group: key,
          chargeStates: draftChargeStates(ctx, draft),
          conventionalCoords: conventional[i],
          nearestNeighbors: memo(firstShellCache, coordinateKey(draft.unitCellFrac), () => firstShell(ctx.analysis.primitive.structure, toPrimitiveFrac(ctx.analysis, draft.unitCellFrac))),
        };
        if (request.dedupe_symmetry) {
          classes.push([{ ...base, name: names[i], position: nearestToCentre(draft.supercellPositions), copyKey: '' }]);
        } else {
          const n = draft.supercellPositions.length;
          const copies = draft.supercellPositions.map((p, k) => ({ ...base, name: copyName(names[i], k, n), position: k, copyKey: coordinateKey(p) }));
          // Which copies survive a cap is the one open choice: the seed makes it, per class.
          classes.push(shuffled(copies, seededRandom(request.random_seed, key, draft.key)));
        }
      });
      groups.push({
        group: key,
        defectType: family,
        dopant: origin === 'native' ? null : origin,
        items: request.dedupe_symmetry ? classes.map((c) => c[0]) : interleave(classes),
        emptyReason: emptyGroupReason(ctx, family, origin),
      });
    }
  }
  const { kept, dropped, reports } = applyCaps(groups, request.max_candidates_per_type, request.max_candidates);
  const warning = capWarning(
    reports,
    dropped.map((items) => items.map((p) => p.name)),
    { perType: request.max_candidates_per_type, total: request.max_candidates, symmetryDistinct: request.dedupe_symmetry },
  );
  return { placed: kept.flat(), groups: reports, warnings: warning ? [warning] : [] };
}

function memo<T>(cache: Map<string, T>, key: string, make: () => T): T {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key)!;
}

/**
 * doped's names for every draft, and the conventional-cell coordinates that order them, named over all families at once (so a name does not depend on
 * what the caps keep) and in doped's order (see site-order.ts), with neighbours listed in doped's
 * element order. Substitutions share their site's neighbours with the vacancy: each is computed once.
 */
function draftNames(ctx: HostContext, drafts: DefectDraft[]): { names: string[]; conventional: Vec3[] } {
  const elementOrder = namingElementOrder(ctx.elements);
  // Neighbour shells are read off the primitive cell, which holds the same environments as the
  // input cell (a supercell input would cost its atom count per query).
  const host = ctx.analysis.primitive.structure;
  const shells = new Map<string, string | null>();
  const conventional = drafts.map((d) => dopedConventionalCoords(ctx.analysis, d.label.conventionalFracCoords));
  const keys = conventional.map((c) => fracCoordsSortKey(c));
  const order = drafts.map((_, i) => i).sort((a, b) => compareSortKeys(keys[a], keys[b]) || a - b);
  const named = nameDefects(
    order.map((i) => {
      const d = drafts[i];
      return {
        family: d.family,
        species: d.species,
        hostSpecies: d.hostSpecies,
        pointGroup: d.label.pointGroup,
        closest: (n: number) => memo(shells, `${coordinateKey(d.unitCellFrac)}#${n}`, () => closestSiteInfo(host, toPrimitiveFrac(ctx.analysis, d.unitCellFrac), elementOrder, n)),
      };
    }),
  );
  const names = new Array<string>(drafts.length);
  order.forEach((i, k) => (names[i] = named[k]));
  return { names, conventional };
}

function emptyGroupReason(ctx: HostContext, family: DefectType, origin: string): string {
  if (family === 'substitution' && origin === 'native' && ctx.elements.length === 1) return 'a one-element host has no antisites';
  if (family === 'interstitial') return 'no interstitial site passed the distance filter';
  return 'nothing to generate';
}

/**
 * The pristine supercell as the answer gives it (`bulk`): the supercell's sites grouped by element,
 * host elements in order of first appearance in the input, each group in supercell order. `index[s]`
 * is where supercell site s sits in it. Every defect structure is cut from this one.
 */
export interface BulkSupercell {
  structure: Structure;
  index: number[];
}

export function bulkSupercell(ctx: HostContext): BulkSupercell {
  const host = ctx.supercell.structure;
  const order = groupedOrder(host.species, ctx.elements);
  const index = new Array<number>(order.length);
  order.forEach((site, i) => (index[site] = i));
  return { structure: { lattice: host.lattice, species: order.map((s) => host.species[s]), fracCoords: order.map((s) => host.fracCoords[s]) }, index };
}

/** Site indices sorted by element (in `elementOrder`, unknown elements last), keeping the given order within an element. */
function groupedOrder(species: readonly string[], elementOrder: readonly string[]): number[] {
  const rank = (el: string) => {
    const i = elementOrder.indexOf(el);
    return i < 0 ? elementOrder.length : i;
  };
  return species.map((_, i) => i).sort((a, b) => rank(species[a]) - rank(species[b]) || a - b);
}

/**
 * The bulk supercell with the defect applied, the way pymatgen-analysis-defects' `get_supercell_structure`
 * and doped place it: a vacancy removes its site, a substitution changes the species of its site in
 * place, an interstitial is inserted first (index 0); then sites are regrouped by element with a
 * stable sort, as doped's POSCAR writer does. So a substituent or interstitial ends up in its
 * element's block (an interstitial first in it, `Te_Cd` first among Te, `Cd_Te` last among Cd) and
 * a dopant forms its own block after the host elements; every other site keeps the bulk's order.
 */
export function defectStructure(ctx: HostContext, placed: PlacedDefect, bulk: BulkSupercell): { structure: Structure; frac: Vec3 } {
  const { draft } = placed;
  const frac = draft.supercellPositions[placed.position];
  const species = [...bulk.structure.species];
  const coords: Vec3[] = bulk.structure.fracCoords.map((f) => [f[0], f[1], f[2]]);
  if (draft.family === 'interstitial') {
    species.unshift(draft.species!);
    coords.unshift([frac[0], frac[1], frac[2]]);
  } else {
    const site = bulk.index[draft.supercellSites![placed.position]];
    if (draft.family === 'vacancy') {
      species.splice(site, 1);
      coords.splice(site, 1);
    } else {
      species[site] = draft.species!;
    }
  }
  const order = groupedOrder(species, [...ctx.elements, ...ctx.dopants]);
  return {
    structure: { lattice: bulk.structure.lattice, species: order.map((i) => species[i]), fracCoords: order.map((i) => coords[i]) },
    frac,
  };
}

/** Content hash of a candidate: the host, the supercell, the defect class and (dedupe off) its copy. */
export function candidateId(hostFingerprint: string, ctx: HostContext, placed: PlacedDefect): string {
  const payload = JSON.stringify([hostFingerprint, ctx.supercell.base, ctx.supercell.matrix, placed.draft.key, placed.copyKey]);
  return createHash('sha256').update(payload).digest('hex').slice(0, 16);
}

export function hostFingerprint(structure: Structure): string {
  const payload = JSON.stringify([
    structure.lattice.matrix.map((r) => r.map((x) => x.toFixed(6))),
    structure.species,
    structure.fracCoords.map(coordinateKey),
  ]);
  return createHash('sha256').update(payload).digest('hex');
}

export function cartesianOf(ctx: HostContext, frac: Vec3): Vec3 {
  return toCartesian(ctx.supercell.structure.lattice, frac);
}
