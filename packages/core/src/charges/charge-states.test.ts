import { describe, expect, it } from 'vitest';
import { chargeStateProbability, guessChargeStates, vacancyChargeStates } from './charge-states.ts';

describe('vacancy charge states (doped: fully ionised state to padding 1 on the other side)', () => {
  it('follows doped’s Sb2O5 example: V_Sb +1…-5 and V_O +2…-1', () => {
    expect(vacancyChargeStates(5)).toEqual([1, 0, -1, -2, -3, -4, -5]);
    expect(vacancyChargeStates(-2)).toEqual([2, 1, 0, -1]);
  });
  it('spans -1…+1 for a neutral site, and honours a wider padding', () => {
    expect(vacancyChargeStates(0)).toEqual([1, 0, -1]);
    expect(vacancyChargeStates(2, 2)).toEqual([2, 1, 0, -1, -2]);
  });
});

describe('charge-state probability', () => {
  it('is 1 for the neutral state', () => {
    expect(chargeStateProbability(0, 6, 0.01, 2)).toBe(1);
  });
  it('multiplies the oxidation-state probability by (1/|q|)^(2/3) and the host penalties', () => {
    // Cd_Te +4: Cd2+ (p = 1) on a Te2- site of a host whose largest |oxidation state| is 2:
    // (1/4)^(2/3) · (1/(2·(4-2)))^(2/3) · 1 = (1/16)^(2/3).
    expect(chargeStateProbability(4, 2, 1, 2)).toBeCloseTo((1 / 16) ** (2 / 3), 12);
    // Te_Cd +4 through Te6+ (ICSD share 0.111): (1/4)^(2/3) · (1/4)^(2/3) · (1/8)^(2/3) · 0.111 ≈ 0.0044 < 0.0075.
    expect(chargeStateProbability(4, 6, 0.111, 2)).toBeCloseTo(0.111 * (1 / 128) ** (2 / 3), 12);
  });
});

describe('substitution and interstitial charge states reproduce doped’s CdTe table (reference.json)', () => {
  const host = { maxHostOxidationMagnitude: 2 };
  it('antisites', () => {
    expect(guessChargeStates({ kind: 'substitution', element: 'Cd', replacedOxidationState: -2, elementOxidationInHost: 2, ...host })).toEqual([4, 3, 2, 1, 0]);
    expect(guessChargeStates({ kind: 'substitution', element: 'Te', replacedOxidationState: 2, elementOxidationInHost: -2, ...host })).toEqual([2, 1, 0, -1, -2, -3, -4]);
  });
  it('self-interstitials', () => {
    expect(guessChargeStates({ kind: 'interstitial', element: 'Cd', elementOxidationInHost: 2, ...host })).toEqual([2, 1, 0]);
    expect(guessChargeStates({ kind: 'interstitial', element: 'Te', elementOxidationInHost: -2, ...host })).toEqual([4, 3, 2, 1, 0, -1, -2]);
  });
  it('extrinsic Se', () => {
    expect(guessChargeStates({ kind: 'substitution', element: 'Se', replacedOxidationState: 2, elementOxidationInHost: null, ...host })).toEqual([2, 1, 0, -1, -2, -3, -4]);
    expect(guessChargeStates({ kind: 'substitution', element: 'Se', replacedOxidationState: -2, elementOxidationInHost: null, ...host })).toEqual([1, 0]);
    expect(guessChargeStates({ kind: 'interstitial', element: 'Se', elementOxidationInHost: null, ...host })).toEqual([0, -1, -2]);
  });
  it('widens an isovalent antisite to at least -1…+1', () => {
    // Al on a Ga3+ site of a 3+/3- host: only the 0 charge is likely, and doped keeps ±1 around it.
    expect(guessChargeStates({ kind: 'substitution', element: 'Al', replacedOxidationState: 3, elementOxidationInHost: 3, maxHostOxidationMagnitude: 3 })).toContain(1);
    expect(guessChargeStates({ kind: 'substitution', element: 'Al', replacedOxidationState: 3, elementOxidationInHost: 3, maxHostOxidationMagnitude: 3 })).toContain(-1);
  });
});
