import { createHash } from 'node:crypto';
import type { DefectType } from '../request.ts';
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
 * so every group is represented before any gets a second slot. Returns the kept items of each group
 * (in ranked order) and the per-group counts.
 */
export function applyCaps<T>(groups: CandidateGroup<T>[], perType: number, total: number): { kept: T[][]; reports: GroupReport[] } {
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
  return { kept, reports };
}
