import { StructureError } from '../../base/errors.ts';
import { isElement } from '../../base/elements.ts';
import { fromParameters } from '../../base/lattice.ts';
import type { Structure } from '../../base/structure.ts';
import { previewList } from '../../base/preview.ts';
import { OCCUPANCY_TOLERANCE } from '../tolerances.ts';
import { resolveSpaceGroup } from '../spacegroup.ts';
import { normalizeElementCase, parseSpeciesSymbol } from '../species.ts';
import { MAX_SYMMETRY_OPERATIONS, checkOperations, parseSymop, type AffineOperation } from '../symops.ts';
import type { ReadResult } from '../result.ts';
import { cifNumber, isNull, parseCif, valuesOf, type CifBlock, type CifValue } from './document.ts';
import { expandRows, type AtomRow } from './expand.ts';
import { latticeProblem } from '../validate.ts';
import { controlCharacterMessage, firstControlCharacter } from '../control-characters.ts';
import { compositionWarnings } from './composition.ts';
import { elementFromLabel, labelGuessWarnings, unreadableLabel, type ElementGuess } from './labels.ts';

const fail = (message: string, line?: number, site?: string): never => {
  throw new StructureError(line === undefined ? `CIF: ${message}` : `CIF line ${line}: ${message}`, { format: 'cif', line, site });
};

/**
 * Reads the first data block that has atoms, expands the asymmetric unit with the listed
 * operators (or the space group's, when only a symbol or number is given) and merges positions
 * that coincide. Partially occupied or shared sites are refused: disordered structures are out of
 * scope. Warns when the sites miss what the file says the crystal holds (implicit hydrogens, a
 * different `_chemical_formula_sum`), and when `?` or `.` stood for a value that was then assumed.
 */
export function readCif(text: string): ReadResult {
  const control = firstControlCharacter(text);
  if (control) fail(controlCharacterMessage(control), control.line);
  const blocks = parseCif(text);
  if (blocks.length === 0) fail('no data_ block found');
  const withAtoms = blocks.filter((b) => valuesOf(b, '_atom_site_fract_x') !== undefined || valuesOf(b, '_atom_site_label') !== undefined);
  if (withAtoms.length === 0) fail('no atom sites (_atom_site_label, _atom_site_fract_x, ...) in any data block');
  const block = withAtoms[0];
  const warnings: string[] = [];
  if (blocks.length > 1) {
    warnings.push(`CIF has ${blocks.length} data blocks: read data_${block.name}, the first with atoms, and ignored the others`);
  }

  const cell = readCell(block, warnings);
  const lattice = fromParameters(cell.a, cell.b, cell.c, cell.alpha, cell.beta, cell.gamma);
  // Checked before symmetry expansion, which cannot merge positions in a degenerate cell.
  const problem = latticeProblem(lattice);
  if (problem) fail(`_cell_length_a..._cell_angle_gamma: ${problem}`, block.items.get('_cell_length_a')?.line);
  const rows = readAtomRows(block, warnings);
  refusePartialOccupancy(rows);
  const operations = readOperations(block, cell, warnings);

  const { points, source, warnings: mergeWarnings } = expandRows(lattice, rows, operations);
  warnings.push(...mergeWarnings);

  const structure: Structure = { lattice, species: [], fracCoords: [], labels: [] };
  const oxidationStates: (number | null)[] = [];
  points.forEach((point, p) => {
    const row = rows[source[p]];
    structure.species.push(row.element);
    structure.fracCoords.push(point);
    structure.labels!.push(row.label);
    oxidationStates.push(row.oxidationState);
  });
  if (oxidationStates.some((o) => o !== null)) structure.oxidationStates = oxidationStates;
  const attached = source.map((r) => rows[r].attachedHydrogens);
  const carriers = [...new Set(rows.filter((r) => r.attachedHydrogens > 0).map((r) => r.label))];
  warnings.push(...compositionWarnings(block, structure, attached, carriers));
  return { structure, warnings, format: 'cif' };
}

/**
 * The cell parameters. A length must be given; an angle absent, or given as `?` (unknown) or `.`,
 * is 90°, the CIF core dictionary's default, with a warning that says which it was.
 */
function readCell(block: CifBlock, warnings: string[]) {
  const get = (tag: string, fallback?: number): number => {
    const v = block.items.get(tag);
    if (isNull(v)) {
      const mark = v === undefined ? undefined : v.text === '?' ? "'?' (unknown)" : "'.' (the default mark)";
      if (fallback === undefined) fail(mark ? `${tag} is ${mark}, but a cell length has no default: give its value` : `${tag} is missing from data_${block.name}`, v?.line);
      warnings.push(mark ? `CIF: ${tag} is ${mark} on line ${v!.line}: assumed ${fallback}°, the CIF default` : `CIF has no ${tag}: assumed ${fallback}°, the CIF default`);
      return fallback!;
    }
    const x = cifNumber(v!);
    if (!Number.isFinite(x) || x <= 0) fail(`${tag} '${v!.text}' is not a finite positive number`, v!.line);
    return x;
  };
  return {
    a: get('_cell_length_a'),
    b: get('_cell_length_b'),
    c: get('_cell_length_c'),
    alpha: get('_cell_angle_alpha', 90),
    beta: get('_cell_angle_beta', 90),
    gamma: get('_cell_angle_gamma', 90),
  };
}

/** The atom rows of the block; '.' (CIF's default mark, written by ICSD-derived files) in a coordinate reads as 0, with a warning. */
function readAtomRows(block: CifBlock, warnings: string[]): AtomRow[] {
  const column = (tag: string) => valuesOf(block, tag);
  const xs = column('_atom_site_fract_x');
  const ys = column('_atom_site_fract_y');
  const zs = column('_atom_site_fract_z');
  const labels = column('_atom_site_label');
  if (!xs || !ys || !zs) {
    const cart = column('_atom_site_cartn_x');
    const where = (labels ?? cart)?.[0]?.line;
    fail(cart ? 'atom sites are given in Cartesian coordinates only; fractional coordinates (_atom_site_fract_x/y/z) are required' : 'atom sites have no fractional coordinates (_atom_site_fract_x/y/z)', where);
  }
  const n = xs!.length;
  const types = column('_atom_site_type_symbol');
  const occupancies = column('_atom_site_occupancy');
  const flags = column('_atom_site_calc_flag');
  const attached = column('_atom_site_attached_hydrogens');
  const columns = [['_atom_site_fract_y', ys], ['_atom_site_fract_z', zs], ['_atom_site_label', labels], ['_atom_site_type_symbol', types], ['_atom_site_occupancy', occupancies], ['_atom_site_attached_hydrogens', attached]] as const;
  for (const [tag, col] of columns) {
    if (col && col.length !== n) fail(`${tag} has ${col.length} values but _atom_site_fract_x has ${n}: they must be in the same loop`, col[0]?.line);
  }
  const oxidationByType = readAtomTypeOxidation(block);

  const rows: AtomRow[] = [];
  const guesses: ElementGuess[] = [];
  const defaulted: string[] = [];
  const untyped: string[] = [];
  const occupancyAssumed: string[] = [];
  for (let r = 0; r < n; r++) {
    // Dummy atoms mark positions of interest, not atoms.
    if (flags && !isNull(flags[r]) && flags[r].text.toLowerCase() === 'dum') continue;
    const line = xs![r].line;
    const label = labels && !isNull(labels[r]) ? labels[r].text : undefined;
    const type = types && !isNull(types[r]) ? types[r].text : undefined;
    const name = label ?? type ?? `site ${r + 1}`;
    if (types && type === undefined) untyped.push(`${name} ('${types[r].text}')`);
    let element: string;
    let oxidationState: number | null = null;
    if (type !== undefined) {
      const parsed = parseSpeciesSymbol(type);
      element = parsed.element;
      oxidationState = parsed.oxidationState ?? oxidationByType.get(type) ?? null;
      if (!isElement(element)) {
        // Type symbols such as 'Fe1', 'OH-' or 'Wat' still follow the label conventions.
        const fromType = elementFromLabel(type);
        if (!fromType) fail(`unknown element '${element}' at site ${name}`, line, name);
        guesses.push({ label: type, reading: fromType!, from: 'type symbol' });
        element = fromType!.element;
      }
    } else if (label !== undefined) {
      const fromLabel = elementFromLabel(label);
      if (!fromLabel) {
        const written = normalizeElementCase(/^[A-Za-z]*/.exec(label)![0] || label);
        fail(`unknown element '${written}' at site ${label}: no _atom_site_type_symbol, and ${unreadableLabel(label)}; give _atom_site_type_symbol`, line, label);
      }
      guesses.push({ label, reading: fromLabel!, from: 'label' });
      element = fromLabel!.element;
    } else {
      fail(`site ${r + 1} has neither _atom_site_type_symbol nor _atom_site_label`, line);
    }
    const dots: string[] = [];
    const coord = (v: CifValue, axis: string) => {
      if (!v.quoted && v.text === '.') {
        dots.push(axis);
        return 0;
      }
      if (!v.quoted && v.text === '?') fail(`site ${name} has _atom_site_fract_${axis} '?' (unknown): every coordinate must be given`, v.line, name);
      const x = cifNumber(v);
      if (!Number.isFinite(x)) fail(`site ${name} has _atom_site_fract_${axis} '${v.text}', ${notANumber(x)}`, v.line, name);
      return x;
    };
    let occupancy = 1;
    if (occupancies && isNull(occupancies[r])) {
      occupancyAssumed.push(`${name} ('${occupancies[r].text}')`);
    } else if (occupancies) {
      occupancy = cifNumber(occupancies[r]);
      if (!Number.isFinite(occupancy)) fail(`site ${name} has _atom_site_occupancy '${occupancies[r].text}', ${notANumber(occupancy)}`, occupancies[r].line, name);
    }
    const hydrogens = attached && !isNull(attached[r]) ? cifNumber(attached[r]) : 0;
    rows.push({
      label: name,
      element: element!,
      oxidationState,
      frac: [coord(xs![r], 'x'), coord(ys![r], 'y'), coord(zs![r], 'z')],
      occupancy,
      attachedHydrogens: Number.isFinite(hydrogens) && hydrogens > 0 ? hydrogens : 0,
      line,
    });
    if (dots.length > 0) defaulted.push(`${name} (${dots.join(', ')})`);
  }
  if (rows.length === 0) fail(`data_${block.name} lists no atoms`, xs![0]?.line);
  if (untyped.length > 0) {
    warnings.push(`CIF: _atom_site_type_symbol gives no element ('?' or '.') at ${previewList(untyped)}: their elements were read from their labels`);
  }
  warnings.push(...labelGuessWarnings(guesses));
  if (occupancyAssumed.length > 0) {
    warnings.push(`CIF: _atom_site_occupancy gives no value ('?' unknown, or '.') at ${previewList(occupancyAssumed)}: read as 1, fully occupied`);
  }
  if (defaulted.length > 0) {
    warnings.push(`CIF: '.' (the default value) written for a fractional coordinate read as 0 at ${previewList(defaulted)}`);
  }
  return rows;
}

/** The end of a message about a value cifNumber could not use: NaN is no number, ±Infinity one that overflows. */
const notANumber = (x: number) => (Number.isNaN(x) ? 'not a number' : 'not a finite number');

/** Oxidation numbers from the `_atom_type_*` loop that pymatgen and ICSD write, by type symbol. */
function readAtomTypeOxidation(block: CifBlock): Map<string, number> {
  const symbols = valuesOf(block, '_atom_type_symbol');
  const numbers = valuesOf(block, '_atom_type_oxidation_number');
  const map = new Map<string, number>();
  if (!symbols || !numbers || symbols.length !== numbers.length) return map;
  symbols.forEach((s, k) => {
    const x = cifNumber(numbers[k]);
    if (Number.isFinite(x)) map.set(s.text, x);
  });
  return map;
}

function refusePartialOccupancy(rows: AtomRow[]): void {
  const partial = rows.filter((r) => r.occupancy < 1 - OCCUPANCY_TOLERANCE);
  if (partial.length > 0) {
    const list = partial.map((r) => `${r.label} (${r.occupancy})`).join(', ');
    fail(
      `partial occupancy at site${partial.length > 1 ? 's' : ''} ${list}: disordered structures are out of scope; supply an ordered structure (for example an ordered supercell)`,
      partial[0].line,
      partial[0].label,
    );
  }
  const over = rows.find((r) => r.occupancy > 1 + OCCUPANCY_TOLERANCE);
  if (over) fail(`site ${over.label} has occupancy ${over.occupancy}, more than 1`, over.line, over.label);
}

function readOperations(block: CifBlock, cell: ReturnType<typeof readCell>, warnings: string[]): AffineOperation[] {
  const listed = valuesOf(block, '_symmetry_equiv_pos_as_xyz') ?? valuesOf(block, '_space_group_symop_operation_xyz');
  if (listed && listed.length > 0) {
    if (listed.length > MAX_SYMMETRY_OPERATIONS) {
      fail(`the CIF lists ${listed.length} symmetry operations; no space group has more than ${MAX_SYMMETRY_OPERATIONS} in a conventional cell`, listed[0].line);
    }
    const operations = listed.map((v) => {
      try {
        return parseSymop(v.text);
      } catch (e) {
        return fail(`symmetry operation ${(e as Error).message}`, v.line);
      }
    });
    try {
      const open = checkOperations(operations, listed.map((v) => v.text));
      if (open) warnings.push(open);
    } catch (e) {
      fail(`symmetry operation ${(e as Error).message}`, listed[0].line);
    }
    return operations;
  }
  const item = (...tags: string[]) => tags.map((t) => block.items.get(t)).find((v) => !isNull(v));
  const hm = item('_symmetry_space_group_name_h-m', '_space_group_name_h-m_alt', '_space_group_name_h-m');
  const hall = item('_symmetry_space_group_name_hall', '_space_group_name_hall');
  const num = item('_symmetry_int_tables_number', '_space_group_it_number');
  if (!hm && !hall && !num) {
    warnings.push('CIF lists no symmetry operations and no space group: read as P1 (the atoms as listed)');
    return [];
  }
  const number = num ? cifNumber(num) : undefined;
  const group = resolveSpaceGroup({ hm: hm?.text, hall: hall?.text, number }, cell);
  if (!group) {
    const what = [hm && `space group '${hm.text}'`, hall && `Hall symbol '${hall.text}'`, num && `number '${num.text}'`].filter(Boolean).join(', ');
    return fail(`no symmetry operations listed and ${what} is not a space group this reader knows: list the operations in _symmetry_equiv_pos_as_xyz`, (hm ?? hall ?? num)!.line);
  }
  warnings.push(...group.warnings);
  return group.operations;
}
