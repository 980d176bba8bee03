/**
 * Legal structures that are slow to analyse, written out here: iron atoms on an n×n×m simple-cubic
 * grid of 2.5 Å (many pure translations: moyo's search takes seconds at 216 atoms and a minute at
 * 512), and the same grid jittered (P1: fast symmetry, but every site its own orbit).
 */
export function ironGrid(n: number, m = n): string {
  const lines = ['iron grid', '1.0', `${2.5 * n} 0 0`, `0 ${2.5 * n} 0`, `0 0 ${2.5 * m}`, 'Fe', String(n * n * m), 'Direct'];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < m; k++) lines.push(`${i / n} ${j / n} ${k / m}`);
  return lines.join('\n');
}

/** An n³-atom P1 iron cell: the grid with every atom moved by up to 0.2 of a grid step (deterministic). */
export function jitteredIronGrid(n: number, seed = 1): string {
  let state = seed;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const lines = ['jittered iron grid', '1.0', `${2.5 * n} 0 0`, `0 ${2.5 * n} 0`, `0 0 ${2.5 * n}`, 'Fe', String(n ** 3), 'Direct'];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) lines.push(`${(i + 0.2 * random()) / n} ${(j + 0.2 * random()) / n} ${(k + 0.2 * random()) / n}`);
  return lines.join('\n');
}
