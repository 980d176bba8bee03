import { loadMoyo } from '../symmetry/moyo.ts';
import { fromFlat, type AffineOperation } from './symops.ts';

export interface SpaceGroupSetting {
  hallNumber: number;
  number: number;
  hmFull: string;
  setting: string;
  operations: AffineOperation[];
  /** Assumptions made while choosing the setting, worded for the user. */
  warnings: string[];
}

interface HallEntry {
  hallNumber: number;
  number: number;
  setting: string;
  hallSymbol: string;
  hmShort: string;
  hmFull: string;
}

/** Setting preferred when a symbol fits several: unique axis b, cell choice 1, origin choice 2, hexagonal axes (ITA's standard). */
const PREFERRED_SETTINGS = ['', 'b', 'b1', '2', 'H'];

function settingPreference(setting: string): number {
  const k = PREFERRED_SETTINGS.indexOf(setting);
  return k < 0 ? PREFERRED_SETTINGS.length : k;
}

let entries: HallEntry[] | undefined;
let bySymbol: Map<string, HallEntry[]> | undefined;

function hallEntries(): HallEntry[] {
  if (!entries) {
    const moyo = loadMoyo();
    entries = [];
    for (let h = 1; h <= 530; h++) {
      const e = moyo.hall_symbol_entry(h);
      entries.push({ hallNumber: e.hall_number, number: e.number, setting: e.setting, hallSymbol: e.hall_symbol, hmShort: e.hm_short, hmFull: e.hm_full });
    }
  }
  return entries;
}

/** Symbol key: no spaces or underscores, lower case, so 'P 63/m m c', 'P6_3/mmc' and 'p63/mmc' agree. */
export function hmKey(symbol: string): string {
  return symbol.replace(/[\s_]/g, '').toLowerCase();
}

/**
 * Index of every spelling a user may write for each Hall entry, by key. The entry list of a key
 * is in priority order: full symbols, then the symbols derived for monoclinic ('P 21/n') and
 * orthorhombic ('Pbnm') settings, then moyo's short symbol; ties go to the preferred setting.
 */
function symbolIndex(): Map<string, HallEntry[]> {
  if (bySymbol) return bySymbol;
  const ranked = new Map<string, { entry: HallEntry; rank: number }[]>();
  const add = (key: string, entry: HallEntry, rank: number) => {
    const list = ranked.get(key) ?? [];
    if (!list.some((x) => x.entry === entry)) list.push({ entry, rank });
    ranked.set(key, list);
  };
  for (const e of hallEntries()) {
    add(hmKey(e.hmFull), e, 0);
    const tokens = e.hmFull.split(' ');
    if (e.number >= 3 && e.number <= 15) {
      // 'P 1 2_1/n 1' is written 'P 21/n'.
      add(hmKey([tokens[0], ...tokens.slice(1).filter((t) => t !== '1')].join('')), e, 1);
    } else if (e.number >= 16 && e.number <= 74) {
      // 'P 2_1/b 2_1/n 2_1/m' is written 'P b n m'.
      add(hmKey(tokens.map((t) => t.slice(t.indexOf('/') + 1)).join('')), e, 1);
    }
    add(hmKey(e.hmShort), e, 2);
  }
  bySymbol = new Map();
  for (const [key, list] of ranked) {
    list.sort((x, y) => x.rank - y.rank || settingPreference(x.entry.setting) - settingPreference(y.entry.setting) || x.entry.hallNumber - y.entry.hallNumber);
    bySymbol.set(key, list.map((x) => x.entry));
  }
  return bySymbol;
}

export interface CellShape {
  a: number;
  b: number;
  c: number;
  alpha: number;
  beta: number;
  gamma: number;
}

/**
 * The space-group setting a CIF names by Hermann–Mauguin symbol (with an optional ':1', ':2',
 * ':H', ':R' or ':b1'-style suffix), Hall symbol or International Tables number. Returns
 * undefined when nothing matches. For rhombohedral groups without a suffix the axes are read
 * from the cell (a = b = c with equal angles: rhombohedral; otherwise hexagonal).
 */
export function resolveSpaceGroup(query: { hm?: string; hall?: string; number?: number }, cell?: CellShape): SpaceGroupSetting | undefined {
  const all = hallEntries();
  let candidates: HallEntry[] = [];
  let suffix = '';
  let named = '';
  if (query.hall) {
    const key = query.hall.trim().replace(/\s+/g, ' ').toLowerCase();
    candidates = all.filter((e) => e.hallSymbol.toLowerCase() === key);
    named = `Hall symbol '${query.hall}'`;
  }
  if (candidates.length === 0 && query.hm) {
    const [symbol, ...rest] = query.hm.trim().split(':');
    suffix = rest.join(':').trim();
    const key = hmKey(symbol);
    candidates = symbolIndex().get(key) ?? [];
    // Some files write origin choice or axes after a space or in brackets: 'F d -3 m S', 'R -3 c H'.
    if (candidates.length === 0) {
      const m = /^(.*?)[\s(]*(h|r|s|z|1|2)\)?$/i.exec(symbol.trim());
      if (m) {
        candidates = symbolIndex().get(hmKey(m[1])) ?? [];
        suffix = m[2];
      }
    }
    // Older files drop the bar of cubic symbols: 'Fm3m', 'Ia3d'.
    if (candidates.length === 0 && !key.includes('-3')) {
      candidates = (symbolIndex().get(key.replace('3', '-3')) ?? []).filter((e) => e.number >= 195);
    }
    named = `symbol '${query.hm}'`;
  }
  if (candidates.length === 0 && query.number !== undefined && Number.isInteger(query.number) && query.number >= 1 && query.number <= 230) {
    candidates = all
      .filter((e) => e.number === query.number)
      .sort((x, y) => settingPreference(x.setting) - settingPreference(y.setting) || x.hallNumber - y.hallNumber);
    named = `space-group number ${query.number}`;
  }
  if (candidates.length === 0) return undefined;

  const number = candidates[0].number;
  const sameGroup = candidates.filter((e) => e.number === number);
  const warnings: string[] = [];
  let chosen = sameGroup[0];
  const wanted = normalizeSuffix(suffix);
  if (wanted) {
    chosen = sameGroup.find((e) => e.setting.toUpperCase() === wanted) ?? sameGroup.find((e) => e.setting.toUpperCase().startsWith(wanted)) ?? chosen;
  } else if (sameGroup.some((e) => e.setting === 'H') && cell) {
    const rhombohedral = near(cell.a, cell.b) && near(cell.b, cell.c) && near(cell.alpha, cell.beta, 0.01) && near(cell.beta, cell.gamma, 0.01) && !near(cell.alpha, 90, 0.01);
    chosen = sameGroup.find((e) => e.setting === (rhombohedral ? 'R' : 'H')) ?? chosen;
  } else if (sameGroup.some((e) => e.setting === '1') && sameGroup.some((e) => e.setting === '2')) {
    warnings.push(`${named} does not say which origin choice: assumed origin choice 2 (inversion centre at the origin), as in the International Tables' standard setting`);
  }
  const moyo = loadMoyo();
  const operations = moyo
    .operations_from_number(chosen.number, { type: 'HallNumber', value: chosen.hallNumber }, false)
    .map((op) => fromFlat(op.rotation, op.translation));
  return { hallNumber: chosen.hallNumber, number: chosen.number, hmFull: chosen.hmFull, setting: chosen.setting, operations, warnings };
}

function normalizeSuffix(s: string): string {
  const u = s.trim().toUpperCase();
  if (u === 'S') return '1';
  if (u === 'Z') return '2';
  return u;
}

function near(x: number, y: number, tol = 1e-3): boolean {
  return Math.abs(x - y) <= tol * Math.max(1, Math.abs(x), Math.abs(y));
}
