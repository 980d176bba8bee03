import { oxidationProbabilities } from './oxidation.ts';

/**
 * Charge-state guessing as doped does it (JOSS 2024, `guess_defect_charge_states`): vacancies span
 * from the fully ionised state (the negated oxidation state of the removed atom) to `padding` on the
 * other side of zero; substitutions and interstitials keep every charge whose estimated probability
 * beats a threshold, and the range is then closed up to include zero.
 */

export const DEFAULT_PROBABILITY_THRESHOLD = 0.0075;
export const DEFAULT_VACANCY_PADDING = 1;

function range(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let q = lo; q <= hi; q++) out.push(q);
  return out;
}

/** Highest first, the order doped's tables read (+1, 0, -1, -2). */
function descending(values: number[]): number[] {
  return [...values].sort((a, b) => b - a);
}

/** Charge states of a vacancy whose removed atom had oxidation state `siteOxidationState`. */
export function vacancyChargeStates(siteOxidationState: number, padding = DEFAULT_VACANCY_PADDING): number[] {
  // doped tests the sign of the (possibly fractional) vacancy oxidation state, then truncates it.
  const vacancyOxi = -siteOxidationState;
  if (vacancyOxi > 0) return descending(range(-padding, Math.trunc(vacancyOxi)));
  if (vacancyOxi < 0) return descending(range(Math.trunc(vacancyOxi), padding));
  return descending(range(-padding, padding));
}

function defectVsHostCharge(charge: number, hostCharge: number): number {
  if (Math.abs(charge) <= Math.abs(hostCharge)) return 1;
  return 1 / (2 * (Math.abs(charge) - Math.abs(hostCharge)));
}

/**
 * Estimated probability of a defect charge state: the ICSD probability of the implied oxidation state
 * of the defect element, times penalties for large charges, for charges beyond the host's largest
 * oxidation-state magnitude and for oxidation states beyond it (each to the power 2/3). Neutral is 1.
 */
export function chargeStateProbability(charge: number, oxidationState: number, oxidationProbability: number, maxHostOxidationMagnitude: number): number {
  if (charge === 0) return 1;
  return (
    oxidationProbability *
    (1 / Math.abs(charge)) ** (2 / 3) *
    defectVsHostCharge(charge, maxHostOxidationMagnitude) ** (2 / 3) *
    defectVsHostCharge(oxidationState, maxHostOxidationMagnitude) ** (2 / 3)
  );
}

export interface ChargeGuessInput {
  kind: 'substitution' | 'interstitial';
  /** The added element. */
  element: string;
  /** Oxidation state of the replaced host atom (substitutions); interstitials replace nothing. */
  replacedOxidationState?: number;
  /** Largest |oxidation state| among host sites. */
  maxHostOxidationMagnitude: number;
  /** Mean oxidation state of the added element in the host when it is a host element, else null. */
  elementOxidationInHost: number | null;
  probabilityThreshold?: number;
}

/** Charge states of a substitution or interstitial, highest first. */
export function guessChargeStates(input: ChargeGuessInput): number[] {
  const threshold = input.probabilityThreshold ?? DEFAULT_PROBABILITY_THRESHOLD;
  const maxHost = Math.trunc(input.maxHostOxidationMagnitude);
  const orig = input.kind === 'substitution' ? Math.trunc(input.replacedOxidationState ?? 0) : 0;
  const hostOxi = input.elementOxidationInHost === null ? null : Math.trunc(input.elementOxidationInHost);

  // Insertion order matters for ties below, as it does in doped's dict.
  const probabilities = new Map<number, number>();
  // Most probable state first, as doped's dict is ordered: ties between probabilities keep this order.
  const states = [...oxidationProbabilities(input.element).probabilities].sort((a, b) => b[1] - a[1]);
  for (const [oxi, p] of states) {
    if (!(p > 0.001)) continue;
    probabilities.set(oxi - orig, chargeStateProbability(oxi - orig, oxi, p, maxHost));
  }

  const rangeOf = (map: Map<number, number>, min: number): [number, number] | null => {
    const kept = [...map].filter(([, p]) => p > min).map(([q]) => q);
    return kept.length ? [Math.min(...kept), Math.max(...kept)] : null;
  };
  let r: [number, number] = rangeOf(probabilities, threshold) ?? [0, 0];
  const inRange = (q: number) => q >= r[0] && q <= r[1];

  // The plain antisite (or the host's own state for a self-interstitial) is always worth a look,
  // unless its probability with a 100 % oxidation-state weight still falls below the threshold.
  if (input.kind === 'substitution' && hostOxi !== null && !inRange(hostOxi - orig)) {
    probabilities.set(hostOxi - orig, chargeStateProbability(hostOxi - orig, hostOxi, 1, maxHost));
  }
  if (input.kind === 'interstitial' && hostOxi !== null && !inRange(hostOxi)) {
    probabilities.set(hostOxi, chargeStateProbability(hostOxi - orig, hostOxi, 1, maxHost));
  }

  const sorted = [...probabilities].sort((a, b) => b[1] - a[1]);
  const kept = sorted.filter(([, p]) => p > threshold).map(([q]) => q);
  if (kept.length) {
    r = [Math.min(...kept), Math.max(...kept)];
  } else {
    const likely = sorted.filter(([, p]) => p > 0.1 * threshold).map(([q]) => q);
    const q = likely.length ? likely[0] : 0;
    r = [q, q];
  }

  const isovalentAntisite = input.kind === 'substitution' && hostOxi !== null && hostOxi - orig === 0 && (r[0] >= 0 || r[1] <= 0);
  if (isovalentAntisite || (r[0] === 0 && r[1] === 0)) r = [Math.min(r[0], -1), Math.max(r[1], 1)];
  r = [Math.min(r[0], 0), Math.max(r[1], 0)];
  return descending(range(r[0], r[1]));
}
