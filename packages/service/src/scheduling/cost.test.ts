import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequest } from '@defect-candidates/core';
import { candidateBound, estimateJobMs, type HostFacts } from './cost.ts';

const cdte: HostFacts = { inputAtoms: 8, orbits: 2, elements: 2, supercellAtoms: 64, prepareMs: 2 };

describe('job cost estimate', () => {
  it('keeps the fixtures cheap and large or slow hosts expensive (HEAVY_JOB_MS defaults to 1000)', () => {
    const defaults = parseRequest({});
    expect(estimateJobMs(cdte, parseRequest({ dopant_elements: ['Mg'] }))).toBeLessThan(50);
    // A P1 cell of 216 atoms: the interstitial search alone measured 718 ms.
    expect(estimateJobMs({ inputAtoms: 216, orbits: 216, elements: 1, supercellAtoms: 216, prepareMs: 45 }, defaults)).toBeGreaterThan(700);
    // A 216-atom grid whose symmetry search took 4 s at submission.
    expect(estimateJobMs({ inputAtoms: 216, orbits: 1, elements: 1, supercellAtoms: 216, prepareMs: 4000 }, defaults)).toBeGreaterThan(1000);
    // Vacancies only skip the interstitial term.
    expect(estimateJobMs({ inputAtoms: 216, orbits: 216, elements: 1, supercellAtoms: 216, prepareMs: 45 }, parseRequest({ defect_types: ['vacancy'] }))).toBeLessThan(100);
  });

  it('bounds candidates by the families, the dopants and max_candidates', () => {
    expect(candidateBound(cdte, parseRequest({ defect_types: ['vacancy'] }))).toBe(2);
    expect(candidateBound(cdte, parseRequest({ defect_types: ['substitution'], dopant_elements: ['Mg', 'Zn'] }))).toBe(2 * 3);
    expect(candidateBound(cdte, parseRequest({ max_candidates: 3 }))).toBe(3);
  });

  it('never decreases when the host grows or the request asks for more', () => {
    const host = fc.record({ inputAtoms: fc.integer({ min: 1, max: 1000 }), orbits: fc.integer({ min: 1, max: 1000 }), elements: fc.integer({ min: 1, max: 8 }), supercellAtoms: fc.integer({ min: 1, max: 1000 }), prepareMs: fc.double({ min: 0, max: 1e5, noNaN: true }) });
    const growth = fc.record({ atoms: fc.nat(500), formats: fc.integer({ min: 1, max: 4 }), dopants: fc.nat(3), cap: fc.integer({ min: 1, max: 200 }) });
    const formats = ['poscar', 'cif', 'pymatgen', 'extxyz'];
    fc.assert(
      fc.property(host, growth, (h, g) => {
        const small = parseRequest({ output_formats: formats.slice(0, 1), max_candidates: g.cap });
        const big = parseRequest({ output_formats: formats.slice(0, g.formats), dopant_elements: ['Mg', 'Zn', 'Al'].slice(0, g.dopants), max_candidates: g.cap });
        const bigger = { ...h, inputAtoms: h.inputAtoms + g.atoms, supercellAtoms: h.supercellAtoms + g.atoms };
        expect(estimateJobMs(bigger, small)).toBeGreaterThanOrEqual(estimateJobMs(h, small));
        expect(estimateJobMs(h, big)).toBeGreaterThanOrEqual(estimateJobMs(h, small));
      }),
      { numRuns: 200 },
    );
  });
});
