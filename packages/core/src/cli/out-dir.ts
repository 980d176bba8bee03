import { type Dirent, readFileSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { REPORT_FILE } from '../output/files.ts';
import { UsageError } from './io.ts';

const MANIFEST = 'manifest.json';

/** Every file an earlier `generate --out` wrote, as its manifest.json lists them; null when `text` is no such manifest. */
function filesOfManifest(text: string): string[] | null {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return null;
  }
  const m = manifest as { version?: unknown; parameters?: { output_formats?: unknown }; bulk?: { files?: unknown }; candidates?: unknown; entries?: unknown };
  if (typeof m !== 'object' || m === null || typeof m.version !== 'string' || !Array.isArray(m.candidates)) return null;
  const lists = [m.bulk?.files, ...m.candidates.map((c: { files?: unknown }) => c?.files), ...(Array.isArray(m.entries) ? m.entries.map((e: { files?: unknown }) => e?.files) : [])];
  const files: string[] = [];
  for (const list of lists) {
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((f) => typeof f === 'string')) return null;
    files.push(...list);
  }
  if (Array.isArray(m.parameters?.output_formats) && m.parameters.output_formats.includes('report')) files.push(REPORT_FILE);
  files.push(MANIFEST);
  return files;
}

/** A manifest's path, if it is one relative path inside the folder (no `..`, not absolute, no backslash). */
function isInside(path: string): boolean {
  return path !== '' && !path.includes('\\') && !posix.isAbsolute(path) && posix.normalize(path) === path && !path.split('/').includes('..');
}

/** The folders that hold `files` (`a/b/c` → `a`, `a/b`). */
function foldersOf(files: readonly string[]): Set<string> {
  return new Set(files.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
}

/** Every entry under `root`, as `/`-separated relative paths, folders before what they hold. */
function walk(root: string, prefix = ''): { path: string; entry: Dirent }[] {
  const out: { path: string; entry: Dirent }[] = [];
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    out.push({ path, entry });
    if (entry.isDirectory()) out.push(...walk(root, path));
  }
  return out;
}

/** An earlier run's files and folders in an output folder, `/`-separated paths relative to it. */
export interface EarlierRun {
  readonly files: readonly string[];
  readonly folders: readonly string[];
}

const NOTHING: EarlierRun = { files: [], folders: [] };

/**
 * What `generate --out DIR` may write into, checked before anything is generated: a folder that
 * does not exist or is empty; or an earlier output of this command, whose manifest.json lists every
 * file it wrote, holding nothing else. Returns the earlier run's files and folders to remove before
 * writing (relative paths; none for a new or empty folder). Refuses (UsageError) a file, a folder that is no
 * earlier output, and an earlier output holding anything its manifest does not list (the user's
 * own work, e.g. a VASP run inside an entry folder): a new run never mixes with an old one, and
 * nothing this command did not write is deleted.
 */
export function earlierRun(dir: string): EarlierRun {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return NOTHING;
    throw new UsageError(`--out ${dir}: ${(err as Error).message}`);
  }
  if (!isDirectory) throw new UsageError(`--out ${dir}: it is a file, not a folder`);
  const present = walk(dir);
  if (present.length === 0) return NOTHING;

  let listed: string[] | null = null;
  try {
    listed = filesOfManifest(readFileSync(join(dir, MANIFEST), 'utf8'));
  } catch {
    listed = null;
  }
  if (listed === null) {
    throw new UsageError(`--out ${dir}: the folder is not empty and is not an earlier output of generate (it has no manifest.json of one): choose a new or empty folder`);
  }
  const outside = listed.find((f) => !isInside(f));
  if (outside !== undefined) throw new UsageError(`--out ${dir}: its manifest.json lists ${JSON.stringify(outside)}, a path outside the folder: remove the folder yourself`);

  const files = new Set(listed);
  const folders = foldersOf(listed);
  const foreign = present.filter(({ path, entry }) => !(entry.isDirectory() ? folders.has(path) : entry.isFile() && files.has(path)));
  if (foreign.length > 0) {
    const more = foreign.length > 1 ? ` and ${foreign.length - 1} more` : '';
    throw new UsageError(
      `--out ${dir}: it holds an earlier output of generate and ${foreign[0].path}${more}, which that run did not write: ` +
        'move them away or choose another folder (only the files its manifest.json lists are replaced)',
    );
  }
  return {
    files: present.filter(({ entry }) => entry.isFile()).map(({ path }) => path),
    folders: present.filter(({ entry }) => entry.isDirectory()).map(({ path }) => path),
  };
}

/** Removes an earlier run found by `earlierRun`: its files, then its folders, deepest first (each is empty by then). */
export function removeEarlierRun(dir: string, run: EarlierRun): void {
  for (const file of run.files) rmSync(join(dir, file), { force: true });
  for (const folder of [...run.folders].sort((a, b) => b.split('/').length - a.split('/').length)) rmdirSync(join(dir, folder));
}
