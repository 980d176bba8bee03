import { StructureError } from '../base/errors.ts';
import { type Mat3, type Vec3, det, inverse, matmul, matvec } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { type GroupChoice, moyoGroup, p1Group } from './group-choice.ts';
import { loadMoyo } from './moyo.ts';
import { siteTypes, toOperation } from './moyo-convert.ts';
import { freeAxesOf, invertUnimodular, normalizerElements } from './normalizer.ts';
import { EXACT, orbitCentre, orbitOf } from './orbit.ts';
import { type ConventionalOrbit, canonicalSetting } from './origin.ts';
import { type FoldedCell, foldInto, foldToPrimitive } from './primitive.ts';
import { schoenflies } from './schoenflies.ts';
import { makeSetting, toConventional } from './setting.ts';
import { type PureTranslations, findPureTranslations, tryPureTranslations } from './translations.ts';
import { REFINE_FROM, environmentTyper } from './environment-types.ts';
import type { SensitivityEntry, SiteLabel, SymmetryAnalysis, SymmetryOperation, ToleranceTrial, WyckoffPosition } from './types.ts';
import { groupMiss } from './verify.ts';
import { holohedryBound } from './holohedry.ts';
import { SYMPREC_RANGE } from './tolerance.ts';

export interface AnalyzeOptions {
  /** Distance tolerance in Å (spglib's symprec). */
  symprec?: number;
}

/** The tolerances of `symmetry_sensitivity`, Å. */
export const SENSITIVITY_TOLERANCES = [0.001, 0.01, 0.1];

/** The largest point group there is (m-3m): a group of this order per primitive cell cannot grow. */
const LARGEST_POINT_GROUP = 48;

/** How much looser than moyo's tolerance the holohedry bound is taken (holohedry.ts: looser only enlarges it). */
const HOLOHEDRY_MARGIN = 2;

/**
 * Whether moyo at `tolerance` (or below) cannot give a larger group than `group` on `cell`: the
 * group's point group (one operation per rotation on a primitive cell) already fills the lattice's
 * whole point group there, m-3m or the bound of holohedry.ts (rutile's 4/mmm, corundum's -3m).
 */
function cannotGrow(group: GroupChoice | null, cell: FoldedCell, tolerance: number): boolean {
  const order = group?.operations.length ?? 0;
  if (order >= LARGEST_POINT_GROUP) return true;
  return order > 0 && holohedryBound(cell.structure.lattice, HOLOHEDRY_MARGIN * tolerance, order) <= order;
}

/**
 * Space group, orbits and per-site Wyckoff labels of the cell as given, at any size: the work is
 * the pure-translation search (translations.ts, about n·k) plus moyo on the primitive cell, whose
 * cost does not depend on how large a supercell the input is.
 *
 * 1. Pure translations at symprec, and the primitive cell they imply (primitive.ts): the
 *    preparation spglib does before its own search. Sites are typed by element, oxidation state
 *    and first neighbour shell (environment-types.ts), which leaves the group as it is and keeps
 *    the searches fast in large cells without translations.
 * 2. moyo on the primitive cell at symprec and 2·symprec, and at symprec/2 where those disagree
 *    (clamped to the allowed range; only at symprec when its point group already fills the
 *    lattice's, m-3m or what holohedry.ts bounds it by at 2·symprec: nothing larger can be found).
 *    moyo is stricter than spglib near a tolerance's edge and not monotonic in it (a distorted
 *    Mg3Sb2 is C2/m at 0.01 Å, P-3m1 at 0.02 Å); each candidate group is checked on the input's
 *    own atoms (verify.ts) and the largest that holds within symprec is the answer, moyo's at
 *    symprec on a tie; none holding gives P1 with a warning.
 * 3. The group at 0.001, 0.01 and 0.1 Å (`sensitivity`), with a warning when the group changes
 *    within a factor of 2 of symprec.
 * 4. The conventional setting, with its origin and axes fixed from the structure as given
 *    (origin.ts), and the labels of every orbit; the input's sites get the labels of their
 *    primitive sites, multiplicities times the number of pure translations.
 *
 * Throws StructureError for a symprec that is not a positive number, an unknown element, or a
 * pure translation that cannot tell two sites of different species apart.
 */
export function analyzeSymmetry(structure: Structure, options: AnalyzeOptions = {}): SymmetryAnalysis {
  const symprec = options.symprec ?? 0.01;
  if (!(Number.isFinite(symprec) && symprec > 0)) {
    throw new StructureError(`symprec must be a positive number of Å, got ${symprec}`, {}, 'invalid_symprec');
  }
  const elements = siteTypes(structure);
  const typer = environmentTyper(structure);
  const warnings: string[] = [];
  const { types, translations } = typedTranslations(structure, elements, typer, symprec);
  if (translations.warning) warnings.push(translations.warning);
  const folded = foldToPrimitive(structure, translations);
  const size = translations.vectors.length;
  const cellTypes = folded.parentSites.map((i) => types[i]);
  // How far each candidate misses on the input (Å, within symprec; Infinity beyond), computed once.
  const misses = new Map<GroupChoice, number>();
  const miss = (group: GroupChoice) => {
    let m = misses.get(group);
    if (m === undefined) {
      m = groupMiss(structure, types, folded, group.operations, symprec);
      misses.set(group, m);
    }
    return m;
  };

  // Candidates: moyo at symprec; unless that group cannot grow, at 2·symprec; and where those two
  // disagree (moyo is unsettled near symprec), at symprec/2 as well.
  const trials: { tolerance: number; group: GroupChoice | null; holds: boolean }[] = [];
  const tryAt = (tolerance: number) => {
    const group = moyoGroup(folded.structure, cellTypes, tolerance);
    // moyo checked a group it found at symprec or below; one found beyond must pass on the input.
    trials.push({ tolerance, group, holds: group !== null && (tolerance <= symprec || miss(group) <= symprec) });
    return group;
  };
  const atSymprec = tryAt(symprec);
  const double = clampTolerance(2 * symprec);
  // A group that cannot grow at 2·symprec cannot at symprec/2 either, nor can a group holding within
  // 2·symprec be larger (the borderline warning's question): the second call would only repeat it.
  if (!cannotGrow(atSymprec, folded, double) && double !== symprec) {
    const atDouble = tryAt(double);
    const half = clampTolerance(symprec / 2);
    if (atDouble?.number !== atSymprec?.number && half !== symprec) tryAt(half);
  }
  let chosen: GroupChoice | null = null;
  for (const trial of trials) {
    if (trial.holds && trial.group && (chosen === null || trial.group.operations.length > chosen.operations.length)) chosen = trial.group;
  }
  if (chosen === null) {
    chosen = p1Group(folded.structure.species.length);
    warnings.push(
      `no space group could be found within symprec ${symprec} Å (moyo: ${trials.map((t) => `${t.group ? compactSymbol(t.group.number) : 'failed'} at ${t.tolerance} Å`).join(', ')}): the structure is treated as P1, every site its own orbit`,
    );
  } else if (chosen.number === 1) {
    warnings.push(`no symmetry beyond P1 holds within symprec ${symprec} Å: every site is its own orbit, so every site gives its own defects`);
  }
  const group = chosen;

  const chosenMiss = group.number === 1 ? 0 : miss(group);
  const computeSensitivity = () =>
    SENSITIVITY_TOLERANCES.map((tolerance) =>
      groupAtTolerance(structure, tolerance > symprec ? { elements, typer } : { types, translations }, folded, size, group, chosenMiss, symprec, tolerance),
    );
  const borderline = borderlineWarning(structure, types, folded, group, chosenMiss, trials, symprec);
  if (borderline) warnings.push(borderline);
  // A P1 answer says at once whether 0.1 Å finds more; otherwise the sensitivity (up to two more
  // moyo runs) is worked out when first read, which the submission check never does.
  let sensitivity: SensitivityEntry[] | undefined;
  if (group.number === 1) {
    sensitivity = computeSensitivity();
    const loose = sensitivity[sensitivity.length - 1];
    if (symprec < loose.symprec && loose.number !== null && loose.number > 1) {
      warnings.push(
        `The structure is P1 at symprec ${symprec} Å but ${loose.symbol} (No. ${loose.number}) at ${loose.symprec} Å: ` +
          'its coordinates are probably noisy; symmetrize it or pass a larger symprec to get the higher symmetry.',
      );
    }
  }

  const analysis = label(structure, folded, translations.vectors, group, symprec, {
    tried: trials.map((t) => ({
      symprec: t.tolerance,
      number: t.group?.number ?? 1,
      symbol: compactSymbol(t.group?.number ?? 1),
      holds: t.holds,
    })),
    warnings,
  });
  return Object.defineProperty(analysis, 'sensitivity', { enumerable: true, get: () => (sensitivity ??= computeSensitivity()) }) as SymmetryAnalysis;
}

type Typer = ReturnType<typeof environmentTyper>;

/** Look-ups per atom the translation search may spend on element types before it switches to refined ones. */
const TRANSLATION_BUDGET = 64;

/**
 * The pure translations at `tol` and the site types for the searches: element types while the
 * translation search is cheap; environment types (environment-types.ts) when it runs out of budget
 * (a large cell without translations), or when the primitive cell stays large, for moyo's search.
 */
function typedTranslations(structure: Structure, elements: number[], typer: Typer, tol: number): { types: number[]; translations: PureTranslations } {
  const quick = tryPureTranslations(structure, elements, tol, TRANSLATION_BUDGET * elements.length);
  if (quick && quick.classSites.length < REFINE_FROM) return { types: elements, translations: quick };
  const types = typer(elements, tol);
  return { types, translations: quick ?? findPureTranslations(structure, types, tol) };
}

function clampTolerance(x: number): number {
  return Math.min(SYMPREC_RANGE.max, Math.max(SYMPREC_RANGE.min, x));
}

/**
 * The group at another tolerance: below symprec the chosen group if it still holds there (nothing
 * larger can), above it the larger of the chosen group and moyo's there (on the primitive cell of
 * that tolerance, which may be smaller), each checked on the input. Null when the search fails there.
 */
function groupAtTolerance(
  structure: Structure,
  /** The searches' types and translations at symprec (for tolerances below it), or what makes them at another tolerance. */
  typing: { types: number[]; translations: PureTranslations } | { elements: number[]; typer: Typer },
  folded: FoldedCell,
  size: number,
  chosen: GroupChoice,
  chosenMiss: number,
  symprec: number,
  tolerance: number,
): SensitivityEntry {
  const entry = (group: GroupChoice): SensitivityEntry => ({ symprec: tolerance, number: group.number, symbol: compactSymbol(group.number) });
  if (tolerance === symprec) return entry(chosen);
  try {
    if (tolerance < symprec && chosenMiss <= tolerance) return entry(chosen);
    const { types, translations } =
      'typer' in typing ? typedTranslations(structure, typing.elements, typing.typer, tolerance) : { types: typing.types, translations: findPureTranslations(structure, typing.types, tolerance) };
    const cell = translations.vectors.length === size && tolerance > symprec ? folded : foldToPrimitive(structure, translations);
    if (cell === folded && cannotGrow(chosen, cell, tolerance)) return entry(chosen);
    const found = moyoGroup(cell.structure, cell.parentSites.map((i) => types[i]), tolerance);
    const candidate = found && groupMiss(structure, types, cell, found.operations, tolerance) <= tolerance ? found : null;
    const order = (g: GroupChoice, n: number) => g.operations.length * n;
    if (tolerance > symprec) {
      return entry(candidate && order(candidate, translations.vectors.length) > order(chosen, size) ? candidate : chosen);
    }
    return entry(candidate ?? p1Group(1));
  } catch {
    return { symprec: tolerance, number: null, symbol: null };
  }
}

/** A warning when the group changes within a factor of 2 of symprec; null when it does not. */
function borderlineWarning(
  structure: Structure,
  types: number[],
  folded: FoldedCell,
  chosen: GroupChoice,
  chosenMiss: number,
  trials: { tolerance: number; group: GroupChoice | null }[],
  symprec: number,
): string | null {
  const name = (g: GroupChoice) => `${compactSymbol(g.number)} (No. ${g.number})`;
  const notes: string[] = [];
  const half = clampTolerance(symprec / 2);
  if (half < symprec && chosenMiss > half) notes.push(`it does not hold within ${half} Å`);
  const double = clampTolerance(2 * symprec);
  for (const trial of trials) {
    if (trial.tolerance !== double || !trial.group || trial.group.operations.length <= chosen.operations.length) continue;
    if (groupMiss(structure, types, folded, trial.group.operations, double) <= double) notes.push(`${name(trial.group)} holds within ${double} Å`);
  }
  if (notes.length === 0) return null;
  return (
    `The space group is sensitive to the tolerance: ${name(chosen)} holds within symprec ${symprec} Å, but ${notes.join(' and ')}. ` +
    'The host is borderline between two symmetries; check the structure (relax or symmetrize it) before relying on its defect list.'
  );
}

/**
 * The analysis for the chosen group: canonical conventional setting (origin.ts), the primitive cell
 * of that setting, labels of every orbit, and those of the input's sites.
 */
function label(
  structure: Structure,
  folded: FoldedCell,
  translations: Vec3[],
  group: GroupChoice,
  symprec: number,
  report: { tried: ToleranceTrial[]; warnings: string[] },
): Omit<SymmetryAnalysis, 'sensitivity'> {
  const size = translations.length;
  const { wyckoffPositions, operations: conventionalOperations } = settingTables(group.number, group.hallNumber);
  // moyo's conventional setting, relative to the input: x_input = T·(P·x_s + p).
  const moyoSetting = makeSetting(
    structure.lattice,
    matmul(folded.transformation, group.conventionalLinear),
    matvec(folded.transformation, group.conventionalOrigin),
    conventionalOperations,
  );
  const cell = folded.structure;
  const representatives = [...new Set(group.orbits)];
  const orbitsInConventional: ConventionalOrbit[] = representatives.map((r) => {
    const members = cell.fracCoords.filter((_, i) => group.orbits[i] === r);
    const y = orbitCentre(group.operations, cell.lattice, members, 2 * symprec);
    return {
      species: cell.species[r],
      points: orbitOf(conventionalOperations, moyoSetting.lattice, toConventional(moyoSetting, matvec(folded.transformation, y)), EXACT),
    };
  });
  const { setting: conventional, labels } = canonicalSetting(
    moyoSetting,
    structure.lattice,
    inverse(folded.transformation),
    cell.lattice,
    normalizerElements(group.number, group.hallNumber, conventionalOperations),
    freeAxesOf(conventionalOperations),
    orbitsInConventional,
    wyckoffPositions,
    symprec,
  );

  // The primitive cell is the canonical conventional cell's primitive cell (moyo's centring
  // relation between its standard cells, x_s = C·x_primitive): its axes follow the conventional
  // ones, so they too come from the structure as given, not from the order of its sites.
  const centring = matmul(inverse(group.conventionalLinear), group.primitiveLinear);
  let m = matmul(inverse(folded.transformation), matmul(conventional.transformation, centring));
  const rounded = m.map((row) => row.map((v) => Math.round(v))) as Mat3;
  m = Math.abs(Math.round(det(rounded))) === 1 && rounded.every((row, i) => row.every((v, j) => Math.abs(v - m[i][j]) < 1e-6))
    ? rounded
    : [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ];
  if (det(m) < 0) m = m.map((row) => row.map((v) => -v)) as Mat3;
  const mInverse = invertUnimodular(m);
  const transformation = matmul(folded.transformation, m);
  const primitiveCell = foldInto(structure, transformation, folded.siteOf, folded.parentSites, size);
  const operations = group.operations.map((op) => ({
    rotation: matmul(matmul(mInverse, op.rotation), m),
    translation: matvec(mInverse, op.translation).map((t) => t - Math.floor(t + 1e-9)) as Vec3,
  }));

  const primitiveOrbits = group.orbits;
  const orbitSize = new Map<number, number>();
  for (const o of primitiveOrbits) orbitSize.set(o, (orbitSize.get(o) ?? 0) + 1);
  const labelOf = new Map<number, SiteLabel>(
    representatives.map((r, k) => {
      const { position, representative } = labels[k];
      return [
        r,
        {
          wyckoff: `${position.multiplicity}${position.letter}`,
          siteSymmetry: position.siteSymmetry,
          pointGroup: schoenflies(position.siteSymmetry),
          multiplicity: orbitSize.get(r)! * size,
          conventionalFracCoords: representative,
        },
      ];
    }),
  );
  const firstInputSite = new Map<number, number>();
  const orbits = primitiveCell.siteOf.map((p, i) => {
    const key = primitiveOrbits[p];
    if (!firstInputSite.has(key)) firstInputSite.set(key, i);
    return firstInputSite.get(key)!;
  });

  return {
    number: group.number,
    symbol: compactSymbol(group.number),
    hallNumber: group.hallNumber,
    symprec,
    tried: report.tried,
    primitive: { ...primitiveCell, operations, orbits: primitiveOrbits },
    translations,
    orbits,
    sites: primitiveCell.siteOf.map((p) => labelOf.get(primitiveOrbits[p])!),
    warnings: report.warnings,
    lattice: structure.lattice,
    conventional,
    wyckoffPositions,
  };
}

/** 'F -4 3 m' → 'F-43m', 'P 6_3 m c' → 'P6_3mc': the short symbol as spglib and pymatgen print it. */
export function compactSymbol(number: number): string {
  let symbol = symbolByNumber.get(number);
  if (symbol === undefined) {
    symbol = loadMoyo().space_group_type(number).hm_short.replace(/\s+/g, '');
    symbolByNumber.set(number, symbol);
  }
  return symbol;
}

/** Per space-group number: its compact symbol, read from moyo's tables once per process. */
const symbolByNumber = new Map<number, string>();

interface SettingTables {
  wyckoffPositions: WyckoffPosition[];
  operations: SymmetryOperation[];
}

/** Per Hall setting: fixed tables, read from moyo once per process. */
const tablesByHall = new Map<number, SettingTables>();

function settingTables(number: number, hallNumber: number): SettingTables {
  let tables = tablesByHall.get(hallNumber);
  if (!tables) {
    const moyo = loadMoyo();
    tables = {
      wyckoffPositions: moyo.wyckoff_positions(hallNumber).map((w) => ({
        multiplicity: w.multiplicity,
        letter: w.letter,
        siteSymmetry: w.site_symmetry,
        coordinates: w.coordinates,
      })),
      operations: moyo.operations_from_number(number, { type: 'HallNumber', value: hallNumber }, false).map(toOperation),
    };
    tablesByHall.set(hallNumber, tables);
  }
  return tables;
}
