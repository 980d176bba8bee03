import { StructureError } from '../base/errors.ts';
import type { Lattice } from '../base/lattice.ts';
import { type Mat3, type Vec3, inverse, matmul, matvec, transpose } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { type MoyoDataset, loadMoyo } from './moyo.ts';
import { fromColumnMajor, toMoyoCellJson, toOperation } from './moyo-convert.ts';
import { orbitOf } from './orbit.ts';
import { schoenflies } from './schoenflies.ts';
import type { ConventionalSetting, SiteLabel, SymmetryAnalysis, WyckoffPosition } from './types.ts';
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
 */
export function analyzeSymmetry(structure: Structure, options: AnalyzeOptions = {}): SymmetryAnalysis {
  const symprec = options.symprec ?? 0.01;
  if (!(Number.isFinite(symprec) && symprec > 0)) {
    throw new StructureError(`symprec must be a positive number of Å, got ${symprec}`, {}, 'invalid_symprec');
  }
  const cellJson = toMoyoCellJson(structure);
  const dataset = runMoyo(cellJson, symprec);
  const moyo = loadMoyo();

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

  const wyckoffPositions: WyckoffPosition[] = moyo.wyckoff_positions(dataset.hall_number).map((w) => ({
    multiplicity: w.multiplicity,
    letter: w.letter,
    siteSymmetry: w.site_symmetry,
    coordinates: w.coordinates,
  }));
  const conventional = conventionalSetting(structure.lattice, dataset);
  const primitiveTransformation = fromColumnMajor(dataset.prim_std_linear);
  const operations = dataset.operations.map(toOperation);
  const orbits = [...dataset.orbits];

  const orbitSize = new Map<number, number>();
  for (const o of orbits) orbitSize.set(o, (orbitSize.get(o) ?? 0) + 1);
  const representatives = new Map<number, Vec3>();
  const sites: SiteLabel[] = orbits.map((orbit, i) => {
    const letter = dataset.wyckoffs[i];
    const position = wyckoffPositions.find((w) => w.letter === letter);
    if (!position) throw new StructureError(`moyo reported Wyckoff letter '${letter}' unknown to Hall setting ${dataset.hall_number}`, { site: i + 1 }, 'symmetry_failed');
    let rep = representatives.get(orbit);
    if (!rep) {
      rep = conventionalRepresentative(conventional, position, structure.fracCoords[orbit], symprec);
      representatives.set(orbit, rep);
    }
    return {
      wyckoff: `${position.multiplicity}${letter}`,
      siteSymmetry: dataset.site_symmetry_symbols[i],
      pointGroup: schoenflies(dataset.site_symmetry_symbols[i]),
      multiplicity: orbitSize.get(orbit) ?? 1,
      conventionalFracCoords: rep,
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
  return loadMoyo().space_group_type(number).hm_short.replace(/\s+/g, '');
}

/** Input fractional coordinates → conventional standard cell: x_s = P⁻¹·(x − p). */
export function toConventional(setting: ConventionalSetting, x: Vec3): Vec3 {
  const p = setting.originShift;
  return matvec(inverse(setting.transformation), [x[0] - p[0], x[1] - p[1], x[2] - p[2]]);
}

/** Conventional standard cell → input fractional coordinates: x = P·x_s + p. */
export function fromConventional(setting: ConventionalSetting, xs: Vec3): Vec3 {
  const r = matvec(setting.transformation, xs);
  const p = setting.originShift;
  return [r[0] + p[0], r[1] + p[1], r[2] + p[2]];
}

/**
 * The representative of the orbit through input point `x` for a known Wyckoff position; if
 * tolerance effects keep every orbit point from fitting the tables' triplet, the point itself.
 */
export function conventionalRepresentative(setting: ConventionalSetting, position: WyckoffPosition, x: Vec3, tol: number): Vec3 {
  const xs = toConventional(setting, x);
  const orbit = orbitOf(setting.operations, setting.lattice, xs, tol);
  return orbitRepresentative(position, setting.lattice, orbit, tol) ?? orbit[0];
}

function conventionalSetting(lattice: Lattice, dataset: MoyoDataset): ConventionalSetting {
  const transformation = fromColumnMajor(dataset.std_linear);
  const operations = loadMoyo()
    .operations_from_number(dataset.number, { type: 'HallNumber', value: dataset.hall_number }, false)
    .map(toOperation);
  return {
    transformation,
    originShift: [...dataset.std_origin_shift] as Vec3,
    lattice: { matrix: matmul(transpose(transformation), lattice.matrix) as Mat3 },
    operations,
  };
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
