import { CoreError } from '../base/errors.ts';

/**
 * Hermann–Mauguin point-group symbols (dots removed) to Schoenflies. Site-symmetry symbols in the
 * International Tables are oriented: each character position refers to a symmetry direction and
 * a dot marks a direction without symmetry, so one group appears under several spellings
 * ('mm2', 'm2m', '2mm'; '-42m', '-4m2'; '3m', '3m1', '31m'). All spellings are listed.
 */
const SCHOENFLIES: Record<string, string> = {
  '1': 'C1',
  '-1': 'Ci',
  '2': 'C2',
  m: 'Cs',
  '2/m': 'C2h',
  '222': 'D2',
  mm2: 'C2v',
  m2m: 'C2v',
  '2mm': 'C2v',
  mmm: 'D2h',
  '4': 'C4',
  '-4': 'S4',
  '4/m': 'C4h',
  '422': 'D4',
  '4mm': 'C4v',
  '-42m': 'D2d',
  '-4m2': 'D2d',
  '4/mmm': 'D4h',
  '3': 'C3',
  '-3': 'C3i',
  '32': 'D3',
  '321': 'D3',
  '312': 'D3',
  '3m': 'C3v',
  '3m1': 'C3v',
  '31m': 'C3v',
  '-3m': 'D3d',
  '-3m1': 'D3d',
  '-31m': 'D3d',
  '6': 'C6',
  '-6': 'C3h',
  '6/m': 'C6h',
  '622': 'D6',
  '6mm': 'C6v',
  '-6m2': 'D3h',
  '-62m': 'D3h',
  '6/mmm': 'D6h',
  '23': 'T',
  'm-3': 'Th',
  m3: 'Th',
  '432': 'O',
  '-43m': 'Td',
  'm-3m': 'Oh',
  m3m: 'Oh',
};

/** Schoenflies symbol of a (possibly oriented, dotted) site-symmetry symbol: '.3m' → 'C3v', 'm-3m' → 'Oh'. */
export function schoenflies(siteSymmetry: string): string {
  const key = siteSymmetry.replace(/[.\s]/g, '');
  const symbol = SCHOENFLIES[key];
  if (symbol === undefined) {
    throw new CoreError('unknown_point_group', `'${siteSymmetry}' is not a crystallographic point-group symbol`, {
      siteSymmetry,
    });
  }
  return symbol;
}
