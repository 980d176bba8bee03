import { describe, expect, it } from 'vitest';
import { applyOperation, fromFlat, parseSymop } from './symops.ts';
import { loadMoyo } from '../symmetry/moyo.ts';

describe('parseSymop', () => {
  it('reads the rotation rows and translation of a CIF triplet', () => {
    expect(parseSymop('-y+1/2, x-y, z+0.25')).toEqual({
      rotation: [
        [0, -1, 0],
        [1, -1, 0],
        [0, 0, 1],
      ],
      translation: [0.5, 0, 0.25],
    });
  });

  it('accepts leading translations, upper case, explicit plus signs and no spaces', () => {
    expect(parseSymop('1/2+X,-Y,+z')).toEqual({
      rotation: [
        [1, 0, 0],
        [0, -1, 0],
        [0, 0, 1],
      ],
      translation: [0.5, 0, 0],
    });
    expect(parseSymop("'x+2/3,y+1/3,z+1/3'").translation).toEqual([2 / 3, 1 / 3, 1 / 3]);
  });

  it('maps a point the way the International Tables do', () => {
    // 'y, -x+y, -z+1/3' applied to (0.1, 0.2, 0.3) by hand: (0.2, 0.1, 0.0333...)
    const p = applyOperation(parseSymop('y, -x+y, -z+1/3'), [0.1, 0.2, 0.3]);
    expect(p[0]).toBeCloseTo(0.2, 12);
    expect(p[1]).toBeCloseTo(0.1, 12);
    expect(p[2]).toBeCloseTo(1 / 3 - 0.3, 12);
  });

  it('refuses text that is not three components', () => {
    expect(() => parseSymop('x, y')).toThrow(/three comma-separated/);
    expect(() => parseSymop('x, y, w')).toThrow(/cannot read 'w'/);
    expect(() => parseSymop('x, , z')).toThrow(/component 2 is empty/);
  });
});

describe('fromFlat', () => {
  it("reads moyo's column-major flat rotations: P6's 6+ is x-y, x, z", () => {
    const ops = loadMoyo()
      .operations_from_number(168, { type: 'Standard' }, false)
      .map((op) => fromFlat(op.rotation, op.translation));
    // The six operations of P6 as the International Tables list them.
    const expected = ['x,y,z', '-y,x-y,z', '-x+y,-x,z', '-x,-y,z', 'y,-x+y,z', 'x-y,x,z'].map((t) => JSON.stringify(parseSymop(t).rotation));
    expect(ops.map((op) => JSON.stringify(op.rotation)).sort()).toEqual(expected.sort());
  });
});
