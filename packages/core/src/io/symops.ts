import type { Mat3, Vec3 } from '../base/linalg.ts';

/**
 * An affine map on fractional column vectors, x' = R·x + t, with R's rows giving the new x, y, z.
 * Same shape and convention as moyo's operations and the symmetry module's SymmetryOperation.
 */
export interface AffineOperation {
  rotation: Mat3;
  translation: Vec3;
}

const AXIS: Record<string, number> = { x: 0, y: 1, z: 2 };

/**
 * Parses a symmetry operation written as coordinate triplets, as CIFs list them:
 * 'x, y, z', '-y+1/2, x-y, z+0.25', '1/2+X,-Y,Z', '+x,+y,+z'. Throws Error with a short reason.
 */
export function parseSymop(text: string): AffineOperation {
  const parts = text.replace(/^['"]|['"]$/g, '').split(',');
  if (parts.length !== 3) throw new Error(`'${text}' is not three comma-separated components`);
  const rotation: Mat3 = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const translation: Vec3 = [0, 0, 0];
  parts.forEach((part, row) => {
    const expr = part.replace(/\s+/g, '').toLowerCase();
    if (expr === '') throw new Error(`'${text}': component ${row + 1} is empty`);
    // Terms: optional sign, optional coefficient (integer, decimal or fraction), optional '*', optional axis.
    const term = /([+-]?)(\d+(?:\.\d*)?(?:\/\d+)?|\.\d+)?\*?([xyz])?/y;
    let pos = 0;
    while (pos < expr.length) {
      term.lastIndex = pos;
      const m = term.exec(expr);
      if (!m || m[0] === '' || (m[2] === undefined && m[3] === undefined)) {
        throw new Error(`'${text}': cannot read '${expr.slice(pos)}' in component ${row + 1}`);
      }
      const sign = m[1] === '-' ? -1 : 1;
      const coefficient = m[2] === undefined ? 1 : parseCoefficient(m[2]);
      if (m[3] !== undefined) rotation[row][AXIS[m[3]]] += sign * coefficient;
      else translation[row] += sign * coefficient;
      pos = term.lastIndex;
    }
  });
  return { rotation, translation };
}

function parseCoefficient(s: string): number {
  const slash = s.indexOf('/');
  if (slash < 0) return Number(s);
  return Number(s.slice(0, slash)) / Number(s.slice(slash + 1));
}

/** The most operations any space group has in a conventional cell (Fm-3m, Fd-3m…: 48 × 4 centrings). */
export const MAX_SYMMETRY_OPERATIONS = 192;

/**
 * Checks a CIF's listed operations before they are applied to its atoms. Throws Error (the reason)
 * for a rotation that is not an integer matrix of determinant ±1: expanding with it would scale or
 * shear the structure. Returns a warning when the operations do not close under composition modulo
 * lattice translations (some product a∘b is not listed, so the expansion may miss atoms), naming
 * such a pair; null when they form a group. The group the listed operations generate is built from
 * a few of them (each one not yet generated), every product looked up in the list: count ×
 * generators compositions, not count².
 */
export function checkOperations(operations: AffineOperation[], texts: string[]): string | null {
  operations.forEach((op, i) => {
    const r = op.rotation;
    const integer = r.every((row) => row.every((v) => Math.abs(v - Math.round(v)) < 1e-9));
    const d = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    if (!integer || Math.abs(Math.abs(d) - 1) > 1e-9) {
      throw new Error(`'${texts[i]}' is not a symmetry operation: its matrix must have integer entries and determinant ±1 (it has ${+d.toFixed(6)})`);
    }
  });
  const byRotation = new Map<number | string, number[]>();
  operations.forEach((op, i) => {
    const key = rotationKey(op.rotation);
    const list = byRotation.get(key);
    if (list) list.push(i);
    else byRotation.set(key, [i]);
  });
  /** Index of the listed operation equal to op modulo lattice translations, or −1. */
  const indexOf = (op: AffineOperation): number =>
    (byRotation.get(rotationKey(op.rotation)) ?? []).find((i) =>
      operations[i].translation.every((v, k) => {
        const d = v - op.translation[k];
        return Math.abs(d - Math.round(d)) < 1e-3;
      }),
    ) ?? -1;
  // Right products by the generators reach every word in them, so the generated group is the set
  // closed under them; an element met before a new generator needs only that generator, a new
  // element all of them. That is count × generators compositions in all (Fm-3m: 192 × 3).
  const inGroup = new Uint8Array(operations.length);
  const elements: number[] = [];
  const generators: number[] = [];
  for (let g = 0; g < operations.length; g++) {
    if (inGroup[g]) continue;
    generators.push(g);
    const queue: [element: number, firstGenerator: number][] = elements.map((e) => [e, generators.length - 1]);
    inGroup[g] = 1;
    elements.push(g);
    queue.push([g, 0]);
    for (let q = 0; q < queue.length; q++) {
      const [a, from] = queue[q];
      for (let k = from; k < generators.length; k++) {
        const b = generators[k];
        const product = indexOf(compose(operations[a], operations[b]));
        if (product < 0) {
          return `the CIF's symmetry operations do not form a group: '${texts[a]}' followed by '${texts[b]}' is not among them, so the expanded structure may miss atoms`;
        }
        if (!inGroup[product]) {
          inGroup[product] = 1;
          elements.push(product);
          queue.push([product, 0]);
        }
      }
    }
  }
  return null;
}

/**
 * A rotation's entries as one number (each integer entry of −4…4 a base-9 digit), the string of
 * its entries otherwise: the lookup runs once per composition, where a string join cost more than
 * the composition itself.
 */
function rotationKey(r: Mat3): number | string {
  let key = 0;
  for (const row of r) {
    for (const v of row) {
      if (!Number.isInteger(v) || v < -4 || v > 4) return r.flat().join(',');
      key = key * 9 + v + 4;
    }
  }
  return key;
}

/** a∘b: x ↦ a(b(x)). */
function compose(a: AffineOperation, b: AffineOperation): AffineOperation {
  const r = a.rotation;
  const s = b.rotation;
  const rotation = r.map((row) => [0, 1, 2].map((c) => row[0] * s[0][c] + row[1] * s[1][c] + row[2] * s[2][c] + 0)) as Mat3;
  return { rotation, translation: applyOperation(a, b.translation) };
}

/** Applies x' = R·x + t to a fractional point. */
export function applyOperation(op: AffineOperation, p: Vec3): Vec3 {
  const r = op.rotation;
  const t = op.translation;
  return [
    r[0][0] * p[0] + r[0][1] * p[1] + r[0][2] * p[2] + t[0],
    r[1][0] * p[0] + r[1][1] * p[1] + r[1][2] * p[2] + t[1],
    r[2][0] * p[0] + r[2][1] * p[1] + r[2][2] * p[2] + t[2],
  ];
}

/**
 * Converts moyo's flat rotation and translation into an AffineOperation. moyo-wasm serialises its
 * nalgebra matrices column by column, so the flat array is column-major: element k is R[k % 3][⌊k / 3⌋].
 * (Checked against the International Tables: P6's 6+ is x-y, x, z, flat [1, 1, 0, -1, 0, 0, 0, 0, 1].)
 */
export function fromFlat(rotation: ArrayLike<number>, translation: ArrayLike<number>): AffineOperation {
  return {
    rotation: [
      [rotation[0], rotation[3], rotation[6]],
      [rotation[1], rotation[4], rotation[7]],
      [rotation[2], rotation[5], rotation[8]],
    ],
    translation: [translation[0], translation[1], translation[2]],
  };
}
