import { createHash } from 'node:crypto';
import { type DefectType, REQUEST_LIMITS } from '../request.ts';
import type { GroupReport } from './types.ts';

/**
 * A reproducible random stream (sfc32) keyed by the request's seed and by what is being chosen,
 * so that a choice in one group never shifts the choices made in another.
 */
export function seededRandom(...key: (string | number)[]): () => number {
  const digest = createHash('sha256').update(key.map(String).join('\u0000')).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Interleaves lists: first element of each, then the second of each, and so on. Used when
 * deduplication is off so that a capped group keeps sites of every orbit before a second of any.
 */
export function interleave<T>(lists: T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let r = 0; r < longest; r++) for (const l of lists) if (r < l.length) out.push(l[r]);
  return out;
}

export interface CandidateGroup<T> {
  group: string;
  defectType: DefectType;
  dopant: string | null;
  /** Candidates in ranked order: the first ones are kept when a cap binds. */
  items: T[];
  /** Said in the report when the group is empty, to explain why. */
  emptyReason?: string;
}

/**
 * Applies the caps: each group keeps its first `perType` items; if the total still exceeds `total`,
 * the answer is filled round-robin across groups in their given order, one item per group per round,
 * so every group is represented before any gets a second slot. Returns the kept and the dropped
 * items of each group (both in ranked order: a group always loses its last-ranked items first) and
 * the per-group counts.
 */
export function applyCaps<T>(groups: CandidateGroup<T>[], perType: number, total: number): { kept: T[][]; dropped: T[][]; reports: GroupReport[] } {
  const capped = groups.map((g) => g.items.slice(0, perType));
  const taken = groups.map(() => 0);
  let remaining = total;
  for (let round = 0; remaining > 0; round++) {
    let any = false;
    for (let g = 0; g < groups.length && remaining > 0; g++) {
      if (round < capped[g].length) {
        taken[g]++;
        remaining--;
        any = true;
      }
    }
    if (!any) break;
  }
  const kept = capped.map((items, g) => items.slice(0, taken[g]));
  const reports = groups.map((g, i): GroupReport => {
    const byPerType = g.items.length - capped[i].length;
    const byTotal = capped[i].length - kept[i].length;
    const report: GroupReport = {
      group: g.group,
      defect_type: g.defectType,
      dopant: g.dopant,
      generated: g.items.length,
      emitted: kept[i].length,
      dropped: byPerType + byTotal,
      dropped_by: { max_candidates_per_type: byPerType, max_candidates: byTotal },
    };
    const reasons: string[] = [];
    if (byPerType > 0) reasons.push(`${byPerType} beyond max_candidates_per_type (${perType})`);
    if (byTotal > 0) reasons.push(`${byTotal} left out to keep the answer within max_candidates (${total}), filled round-robin across groups`);
    if (reasons.length) report.reason = reasons.join('; ');
    else if (g.items.length === 0 && g.emptyReason) report.reason = g.emptyReason;
    return report;
  });
  return { kept, dropped: groups.map((g, i) => g.items.slice(kept[i].length)), reports };
}

/** How many dropped names a cap warning spells out per group. */
const NAMED_DROPS = 3;

/**
 * The warning for candidates the caps dropped, or null when none were: per capped group how many
 * were generated and emitted and the first dropped names (the best-ranked of those left out), then
 * how to get them all: the largest caps the request schema allows, or, when even those cannot hold
 * every group, what else to narrow.
 */
export function capWarning(
  reports: readonly GroupReport[],
  droppedNames: readonly string[][],
  caps: { perType: number; total: number; symmetryDistinct: boolean },
): string | null {
  const capped = reports.map((r, i) => ({ r, names: droppedNames[i] })).filter(({ r }) => r.dropped > 0);
  if (capped.length === 0) return null;
  const dropped = capped.reduce((n, { r }) => n + r.dropped, 0);
  const binding = [
    ...(capped.some(({ r }) => r.dropped_by.max_candidates_per_type > 0) ? [`max_candidates_per_type (${caps.perType})`] : []),
    ...(capped.some(({ r }) => r.dropped_by.max_candidates > 0) ? [`max_candidates (${caps.total})`] : []),
  ];
  const perGroup = capped.map(({ r, names }) => {
    const shown = names.slice(0, NAMED_DROPS).join(', ');
    const more = names.length > NAMED_DROPS ? ` and ${names.length - NAMED_DROPS} more` : '';
    return `${r.group}: ${r.emitted} of ${r.generated} emitted, dropped ${shown}${more}`;
  });
  const { maxCandidates, maxCandidatesPerType } = REQUEST_LIMITS;
  const reachable = Math.min(maxCandidates, reports.reduce((n, r) => n + Math.min(r.generated, maxCandidatesPerType), 0));
  const generated = reports.reduce((n, r) => n + r.generated, 0);
  const hint =
    reachable === generated
      ? `Ask for max_candidates ${maxCandidates} and max_candidates_per_type ${maxCandidatesPerType} to get them all.`
      : `max_candidates ${maxCandidates} and max_candidates_per_type ${maxCandidatesPerType} (the largest allowed) keep ${reachable} of the ${generated}; ` +
        'for the rest, ask for fewer defect_types or dopant_elements per request.';
  const what = `${dropped} ${caps.symmetryDistinct ? 'symmetry-distinct ' : ''}candidate${dropped === 1 ? '' : 's'}`;
  return `${binding.join(' and ')} dropped ${what}: ${perGroup.join('; ')}. ${hint}`;
}
