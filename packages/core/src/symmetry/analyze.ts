import { StructureError } from '../base/errors.ts';
import { type Vec3, matmul, transpose } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { type MoyoDataset, loadMoyo } from './moyo.ts';
import { fromColumnMajor, toMoyoCellJson, toOperation } from './moyo-convert.ts';
import { EXACT, orbitOf, symmetrize } from './orbit.ts';
import { schoenflies } from './schoenflies.ts';
import { applyOriginChange, canonicalOrigin } from './origin.ts';
import { makeSetting, toConventional } from './setting.ts';
import type { SiteLabel, SymmetryAnalysis, SymmetryOperation, WyckoffPosition } from './types.ts';
import { orbitRepresentative } from './wyckoff.ts';

export interface AnalyzeOptions {
  /** Distance tolerance in Å (spglib's symprec). */
  symprec?: number;
}

/** The tolerance at which a P1 result is double-checked for a symmetric structure with noisy coordinates. */
const LOOSE_SYMPREC = 0.1;

/**
 * Space group, operations, orbits and per-site Wyckoff labels of the cell as given. Call it on the
 * input (or primitive) cell, never on a supercell: moyo's cost grows quickly with the atom count.
 *
 * The conventional setting is moyo's (spglib's standard setting for the Hall number), with its
 * origin and hand then fixed canonically (origin.ts), so that the same crystal gets the same
 * labels whatever cell or origin it was given in.
 */
export function analyzeSymmetry(structure: Structure, options: AnalyzeOptions = {}): SymmetryAnalysis {
  const symprec = options.symprec ?? 0.01;
  if (!(Number.isFinite(symprec) && symprec > 0)) {
    throw new StructureError(`symprec must be a positive number of Å, got ${symprec}`, {}, 'invalid_symprec');
  }
  const cellJson = toMoyoCellJson(structure);
  const dataset = runMoyo(cellJson, symprec);

  const warnings: string[] = [];
  if (dataset.number === 1 && symprec < LOOSE_SYMPREC) {
    const loose = tryMoyo(cellJson, LOOSE_SYMPREC);
    if (loose && loose.number > 1) {
      warnings.push(
        `The structure is P1 at symprec ${symprec} Å but ${compactSymbol(loose.number)} (No. ${loose.number}) at ${LOOSE_SYMPREC} Å: ` +
          'its coordinates are probably noisy; symmetrize it or pass a larger symprec to get the higher symmetry.',
      );
    }
  }

  const { wyckoffPositions, operations: conventionalOperations } = settingTables(dataset.number, dataset.hall_number);
  const moyoSetting = makeSetting(structure.lattice, fromColumnMajor(dataset.std_linear), [...dataset.std_origin_shift] as Vec3, conventionalOperations);
  const primitiveTransformation = fromColumnMajor(dataset.prim_std_linear);
  const operations = dataset.operations.map(toOperation);
  const orbits = [...dataset.orbits];

  const representatives = [...new Set(orbits)];
  // Each orbit in the conventional cell, from its first site moved exactly onto its special position.
  const conventionalOrbits = representatives.map((r) => {
    const x = symmetrize(operations, structure.lattice, structure.fracCoords[r], symprec);
    return orbitOf(moyoSetting.operations, moyoSetting.lattice, toConventional(moyoSetting, x), EXACT);
  });
  const origin = canonicalOrigin(moyoSetting, wyckoffPositions, conventionalOrbits, symprec);
  const conventional = applyOriginChange(moyoSetting, structure.lattice, origin.change);
  const moved = conventional !== moyoSetting;
  const labelOf = new Map(representatives.map((r, k) => [r, origin.labels[k]]));

  const orbitSize = new Map<number, number>();
  for (const o of orbits) orbitSize.set(o, (orbitSize.get(o) ?? 0) + 1);
  if (!moved) {
    // Where moyo's setting stands its letters are authoritative; ours only fill in the representative.
    representatives.forEach((r, k) => {
      const position = wyckoffPositions.find((w) => w.letter === dataset.wyckoffs[r]);
      if (position && position !== origin.labels[k].position) {
        const representative = orbitRepresentative(position, moyoSetting.lattice, conventionalOrbits[k], symprec) ?? conventionalOrbits[k][0];
        labelOf.set(r, { position, representative });
      }
    });
  }
  const sites: SiteLabel[] = orbits.map((orbit, i) => {
    const { position, representative } = labelOf.get(orbit)!;
    // moyo's own oriented symbol where its setting stands; the tables' one for a moved origin
    const siteSymmetry = moved ? position.siteSymmetry : dataset.site_symmetry_symbols[i];
    return {
      wyckoff: `${position.multiplicity}${position.letter}`,
      siteSymmetry,
      pointGroup: schoenflies(siteSymmetry),
      multiplicity: orbitSize.get(orbit) ?? 1,
      conventionalFracCoords: representative,
    };
  });

  return {
    number: dataset.number,
    symbol: compactSymbol(dataset.number),
    hallNumber: dataset.hall_number,
    symprec,
    operations,
    orbits,
    sites,
    warnings,
    lattice: structure.lattice,
    conventional,
    primitive: {
      transformation: primitiveTransformation,
      lattice: { matrix: matmul(transpose(primitiveTransformation), structure.lattice.matrix) },
    },
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

function runMoyo(cellJson: string, symprec: number): MoyoDataset {
  try {
    return loadMoyo().analyze_cell(cellJson, symprec, 'Spglib');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new StructureError(`symmetry analysis failed at symprec ${symprec} Å: ${reason}`, {}, 'symmetry_failed');
  }
}

function tryMoyo(cellJson: string, symprec: number): MoyoDataset | null {
  try {
    return loadMoyo().analyze_cell(cellJson, symprec, 'Spglib');
  } catch {
    return null;
  }
}
