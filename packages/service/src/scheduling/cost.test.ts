import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequest, type DefectType } from '@defect-candidates/core';
import { COST_MODEL, candidateBound, estimateJobMs, isHeavy, type HostFacts } from './cost.ts';

const cdte: HostFacts = { inputAtoms: 8, orbits: 2, elements: 2, supercellAtoms: 64 };
const HEAVY_JOB_MS = 1000;

describe('job cost estimate', () => {
  it('keeps the fixtures light and large or P1 hosts heavy (HEAVY_JOB_MS defaults to 1000)', () => {
    const defaults = parseRequest({});
    expect(estimateJobMs(cdte, parseRequest({ dopant_elements: ['Mg'] }))).toBeLessThan(50);
    // A P1 cell of 216 atoms: the interstitial search alone measured 718 ms.
    expect(estimateJobMs({ inputAtoms: 216, orbits: 216, elements: 1, supercellAtoms: 216 }, defaults)).toBeGreaterThan(700);
    // A P1 cell of 343 atoms with interstitials: seconds.
    expect(isHeavy(estimateJobMs({ inputAtoms: 343, orbits: 343, elements: 1, supercellAtoms: 343 }, defaults), HEAVY_JOB_MS)).toBe(true);
    // The same cell, vacancies only: light.
    expect(isHeavy(estimateJobMs({ inputAtoms: 343, orbits: 343, elements: 1, supercellAtoms: 343 }, parseRequest({ defect_types: ['vacancy'] })), HEAVY_JOB_MS)).toBe(false);
    // A 4,913-atom simple-cubic grid (one orbit): reading and symmetry alone, about 0.5 s.
    expect(isHeavy(estimateJobMs({ inputAtoms: 4913, orbits: 1, elements: 1, supercellAtoms: 64 }, defaults), HEAVY_JOB_MS)).toBe(false);
  });

  it('bounds candidates by the families, the dopants and max_candidates', () => {
    expect(candidateBound(cdte, parseRequest({ defect_types: ['vacancy'] }))).toBe(2);
    expect(candidateBound(cdte, parseRequest({ defect_types: ['substitution'], dopant_elements: ['Mg', 'Zn'] }))).toBe(2 * 3);
    expect(candidateBound(cdte, parseRequest({ max_candidates: 3 }))).toBe(3);
  });

  it('is a function of counts alone: the same counts give the same estimate, whatever else the host object carries', () => {
    const host = { ...cdte, prepareMs: 5000, measuredAt: Date.now() } as HostFacts;
    expect(estimateJobMs(host, parseRequest({}))).toBe(estimateJobMs(cdte, parseRequest({})));
    expect(Object.values(COST_MODEL).every((c) => Number.isFinite(c) && c >= 0)).toBe(true);
  });

  // Monotone in every count: a job that asks for more, on a host that is larger, never goes to a
  // lighter queue. Each property grows one count (or adds one request item) and keeps the rest.
  const FAMILIES: DefectType[] = ['vacancy', 'substitution', 'interstitial'];
  const FORMATS = ['poscar', 'cif', 'pymatgen', 'extxyz'];
  const DOPANTS = ['Mg', 'Zn', 'Al', 'Ga', 'In'];
  const hostArb = fc
    .record({ inputAtoms: fc.integer({ min: 1, max: 5000 }), orbitFraction: fc.double({ min: 0, max: 1, noNaN: true }), elements: fc.integer({ min: 1, max: 8 }), supercellAtoms: fc.integer({ min: 1, max: 1000 }) })
    .map(({ orbitFraction, ...h }): HostFacts => ({ ...h, orbits: Math.max(1, Math.round(orbitFraction * h.inputAtoms)) }));
  const requestArb = fc.record({
    families: fc.subarray(FAMILIES, { minLength: 1 }),
    dopants: fc.integer({ min: 0, max: DOPANTS.length }),
    formats: fc.integer({ min: 1, max: FORMATS.length }),
    cap: fc.integer({ min: 1, max: 200 }),
  });
  type Req = { families: DefectType[]; dopants: number; formats: number; cap: number };
  const parse = (r: Req) => parseRequest({ defect_types: r.families, dopant_elements: DOPANTS.slice(0, r.dopants), output_formats: FORMATS.slice(0, r.formats), max_candidates: r.cap, max_candidates_per_type: 100 });

  it('never decreases when a host count grows (input atoms, orbits, elements, supercell atoms)', () => {
    fc.assert(
      fc.property(hostArb, requestArb, fc.constantFrom('inputAtoms', 'orbits', 'elements', 'supercellAtoms'), fc.integer({ min: 1, max: 1000 }), (host, r, count, more) => {
        const bigger = { ...host, [count]: host[count as keyof HostFacts] + more };
        if (count === 'orbits') bigger.inputAtoms = Math.max(bigger.inputAtoms, bigger.orbits);
        expect(estimateJobMs(bigger, parse(r))).toBeGreaterThanOrEqual(estimateJobMs(host, parse(r)));
      }),
      { numRuns: 300 },
    );
  });

  it('never decreases when the request asks for more (a family, interstitials on, a dopant, a format, a higher cap)', () => {
    fc.assert(
      fc.property(hostArb, requestArb, fc.constantFrom('family', 'interstitials', 'dopant', 'format', 'cap'), (host, r, what) => {
        const more: Req = { ...r, families: [...r.families] };
        if (what === 'family') more.families = FAMILIES.filter((f) => r.families.includes(f) || f === FAMILIES.find((g) => !r.families.includes(g)));
        if (what === 'interstitials' && !more.families.includes('interstitial')) more.families.push('interstitial');
        if (what === 'dopant') more.dopants = Math.min(DOPANTS.length, r.dopants + 1);
        if (what === 'format') more.formats = Math.min(FORMATS.length, r.formats + 1);
        if (what === 'cap') more.cap = Math.min(200, r.cap + 1);
        expect(estimateJobMs(host, parse(more))).toBeGreaterThanOrEqual(estimateJobMs(host, parse(r)));
      }),
      { numRuns: 300 },
    );
  });
});
