import { createHash } from 'node:crypto';
import { toCartesian } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { PAULING_ELECTRONEGATIVITY } from '../charges/bond-valence-data.ts';
import { guessChargeStates, vacancyChargeStates } from '../charges/charge-states.ts';
import { type DefectType, requestedTypes } from '../request.ts';
import { toPrimitiveFrac } from '../symmetry/label.ts';
import { closestSiteInfo, firstShell, nearestToCentre } from './geometry.ts';
import { copyName, nameDefects } from './naming.ts';
import { coordinateKey } from './orbits.ts';
import { type CandidateGroup, applyCaps, interleave, seededRandom, shuffled } from './selection.ts';
import type { DefectDraft, GroupReport, HostContext, NeighborShellEntry } from './types.ts';

/** A draft after naming and charge guessing, at one position of the supercell. */
export interface PlacedDefect {
  draft: DefectDraft;
  name: string;
  group: string;
  chargeStates: number[];
  nearestNeighbors: NeighborShellEntry[];
  /** Index into draft.supercellPositions. */
  position: number;
  /** Extra key part that tells apart copies of one class when deduplication is off. */
  copyKey: string;
}

/**
 * Host elements in the order names list equidistant neighbours in: Pauling electronegativity, then
 * symbol. doped lists them in the order of its bulk supercell's composition, which pymatgen's
 * `get_sorted_structure` sorts this way (doped/generation.py, `_get_element_list`); the file's own
 * order would make a name depend on which species block comes first.
 */
export function nameOrder(elements: string[]): string[] {
  const x = (el: string) => PAULING_ELECTRONEGATIVITY[el] ?? Infinity;
  return [...elements].sort((a, b) => x(a) - x(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export function groupKey(family: DefectType, origin: string): string {
  return origin === 'native' ? family : `${family}:${origin}`;
}

/** Charge states of a draft from the host's oxidation states, doped's way. */
export function draftChargeStates(ctx: HostContext, draft: DefectDraft): number[] {
  const perSite = ctx.oxidation.perSite;
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
 * then native before dopants in the order given), ranks each group and applies the caps.
 */
export function selectDefects(ctx: HostContext, drafts: DefectDraft[]): { placed: PlacedDefect[]; groups: GroupReport[] } {
  const elementOrder = [...nameOrder(ctx.elements), ...ctx.dopants];
  // Substitutions share their orbit's environment with the vacancy and with each other: compute it once.
  const shellCache = new Map<string, string[]>();
  const firstShellCache = new Map<string, NeighborShellEntry[]>();
  const memo = <T>(cache: Map<string, T>, p: Vec3, make: () => T): T => {
    const k = coordinateKey(p);
    if (!cache.has(k)) cache.set(k, make());
    return cache.get(k)!;
  };
  // Neighbour shells are read off the primitive cell, which holds the same environments as the
  // input cell (a supercell input would cost its atom count per query).
  const host = ctx.analysis.primitive.structure;
  const inPrimitive = (p: Vec3) => toPrimitiveFrac(ctx.analysis, p);
  const shells = drafts.map((d) => memo(shellCache, d.unitCellFrac, () => closestSiteInfo(host, inPrimitive(d.unitCellFrac), elementOrder)));
  const names = nameDefects(
    drafts.map((d, i) => ({ family: d.family, species: d.species, hostSpecies: d.hostSpecies, pointGroup: d.label.pointGroup, shells: shells[i] })),
  );

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
          nearestNeighbors: memo(firstShellCache, draft.unitCellFrac, () => firstShell(host, inPrimitive(draft.unitCellFrac))),
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
  const { kept, reports } = applyCaps(groups, request.max_candidates_per_type, request.max_candidates);
  return { placed: kept.flat(), groups: reports };
}

function emptyGroupReason(ctx: HostContext, family: DefectType, origin: string): string {
  if (family === 'substitution' && origin === 'native' && ctx.elements.length === 1) return 'a one-element host has no antisites';
  if (family === 'interstitial') return 'no interstitial site passed the distance filter';
  return 'nothing to generate';
}

/** Host supercell with the defect applied, sites grouped by element (host elements first, then dopants). */
export function defectStructure(ctx: HostContext, placed: PlacedDefect): { structure: Structure; frac: Vec3 } {
  const host = ctx.supercell.structure;
  const { draft } = placed;
  const frac = draft.supercellPositions[placed.position];
  const species = [...host.species];
  const coords: Vec3[] = host.fracCoords.map((f) => [f[0], f[1], f[2]]);
  if (draft.family === 'vacancy' || draft.family === 'substitution') {
    const site = draft.supercellSites![placed.position];
    if (draft.family === 'vacancy') {
      species.splice(site, 1);
      coords.splice(site, 1);
    } else {
      species[site] = draft.species!;
    }
  } else {
    species.push(draft.species!);
    coords.push([frac[0], frac[1], frac[2]]);
  }
  const order = [...ctx.elements, ...ctx.dopants];
  const rank = (el: string) => {
    const i = order.indexOf(el);
    return i < 0 ? order.length : i;
  };
  const idx = species.map((_, i) => i).sort((a, b) => rank(species[a]) - rank(species[b]) || a - b);
  return {
    structure: { lattice: host.lattice, species: idx.map((i) => species[i]), fracCoords: idx.map((i) => coords[i]) },
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
