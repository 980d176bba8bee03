import { strToU8, Zip, ZipDeflate, zipSync, type Zippable } from 'fflate';
import { answerFiles, type DefectAnswer } from '@defect-candidates/core';

/**
 * The answer as a zip: every candidate's structure files under `<name>/` plus `manifest.json`,
 * exactly the files the core lays out. A fixed timestamp keeps the same answer byte-identical.
 */
export function buildArchive(answer: DefectAnswer): Uint8Array {
  const tree: Zippable = {};
  const mtime = new Date('2000-01-01T00:00:00Z');
  for (const file of answerFiles(answer)) {
    tree[file.path] = [strToU8(file.content), { mtime }];
  }
  return zipSync(tree, { level: 6 });
}

/** `CdTe_defect_candidates.zip`: the formula, made safe for a filename. */
export function archiveFilename(answer: { host?: { formula?: unknown } }): string {
  const formula = typeof answer.host?.formula === 'string' ? answer.host.formula.replace(/[^A-Za-z0-9]+/g, '') : '';
  return `${formula || 'structure'}_defect_candidates.zip`;
}

/** One answer of a multi-answer archive, its files under `folder/`. */
export interface ArchivePart {
  folder: string;
  answer: DefectAnswer;
}

/**
 * A zip of several answers (a batch's), each one's files laid out as `buildArchive` lays them out
 * but under its `folder/`, then the files `extra` gives once every part was read (a manifest of
 * what went in), at the top. It is written to `write` as it is made,
 * one answer at a time: memory holds one answer and its compressed files, never the whole
 * archive, and the event loop is given back between answers (`parts` and `write` are awaited),
 * so a download of hundreds of answers does not hold up other requests.
 */
export async function streamArchive(
  parts: AsyncIterable<ArchivePart>,
  extra: () => { path: string; content: string }[],
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else chunks.push(chunk);
  });
  // The timestamp and level of buildArchive's entries.
  const mtime = new Date('2000-01-01T00:00:00Z');
  const add = (path: string, content: string) => {
    const file = new ZipDeflate(path, { level: 6 });
    file.mtime = mtime;
    zip.add(file);
    file.push(strToU8(content), true);
  };
  const flush = async () => {
    if (failure) throw failure;
    for (const chunk of chunks.splice(0)) await write(chunk);
  };
  for await (const part of parts) {
    for (const file of answerFiles(part.answer)) add(`${part.folder}/${file.path}`, file.content);
    await flush();
  }
  for (const file of extra()) add(file.path, file.content);
  zip.end();
  await flush();
}
