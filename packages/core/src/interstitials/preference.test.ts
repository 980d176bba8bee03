import { describe, expect, it } from 'vitest';
import { preferred } from './preference.ts';

describe('preferred (doped’s symm_pref_dist_factor, 0.85)', () => {
  it('takes the most symmetric candidate while its clearance is at least 0.85 of the roomiest one’s', () => {
    const roomy = { fracCoords: [0.1, 0.2, 0.3] as [number, number, number], radius: 2.0, order: 1 };
    const symmetric = { fracCoords: [0.1, 0.25, 0.3] as [number, number, number], radius: 1.75, order: 4 }; // 1.75 / 2.0 = 0.875
    expect(preferred([roomy, symmetric])).toBe(symmetric);
    expect(preferred([symmetric, roomy])).toBe(symmetric);
  });

  it('takes the roomiest when the most symmetric is below 0.85 of it', () => {
    const roomy = { fracCoords: [0.1, 0.2, 0.3] as [number, number, number], radius: 2.0, order: 1 };
    const symmetric = { fracCoords: [0.1, 0.25, 0.3] as [number, number, number], radius: 1.65, order: 4 }; // 0.825
    expect(preferred([symmetric, roomy])).toBe(roomy);
  });

  it('between equally symmetric candidates takes the roomier, and between equal ones the first under doped’s coordinate sort', () => {
    const a = { fracCoords: [0.1, 0.2, 0.3] as [number, number, number], radius: 1.9, order: 2 };
    const b = { fracCoords: [0.3, 0.2, 0.1] as [number, number, number], radius: 2.0, order: 2 };
    expect(preferred([a, b])).toBe(b);
    // Equal clearance (within 1e-4 Å) and order: more equal coordinates first, then the smaller norm.
    const onDiagonal = { fracCoords: [0.4, 0.4, 0.4] as [number, number, number], radius: 2.0, order: 2 };
    const offDiagonal = { fracCoords: [0.1, 0.2, 0.3] as [number, number, number], radius: 2.00005, order: 2 };
    expect(preferred([offDiagonal, onDiagonal])).toBe(onDiagonal);
  });

  it('refuses an empty group', () => {
    expect(() => preferred([])).toThrow(/no candidates/);
  });
});
