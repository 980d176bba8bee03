import { gzipSync } from 'node:zlib';
import { strToU8, Zip, zipSync, type ZipInputFile, type Zippable } from 'fflate';
import { answerFiles, type DefectAnswer } from '@defect-candidates/core';
import { renderReport } from '@defect-candidates/viewer';

/**
 * The answer as a zip: the bulk supercell under `bulk/`, every candidate's structure files under
 * `<name>/`, with the `vasp` format one folder per defect entry, with `report` report.html (3Dmol.js
 * inlined, about 0.55 MB), and `manifest.json`: exactly the files the core lays out. A fixed
 * timestamp keeps the same answer byte-identical.
 */
export function buildArchive(answer: DefectAnswer): Uint8Array {
  const tree: Zippable = {};
  const mtime = new Date('2000-01-01T00:00:00Z');
  for (const file of answerFiles(answer, { renderReport })) {
    tree[file.path] = [strToU8(file.content), { mtime }];
  }
  return zipSync(tree, { level: 6 });
}

/** `CdTe_defect_candidates.zip`: the formula, made safe for a filename. */
export function archiveFilename(answer: { host?: { formula?: unknown } }): string {
  const formula = typeof answer.host?.formula === 'string' ? answer.host.formula.replace(/[^A-Za-z0-9]+/g, '') : '';
  return `${formula || 'structure'}_defect_candidates.zip`;
}

/** One file of an archive, already deflated, with what its zip entry records. */
export interface DeflatedFile {
  path: string;
  /** The raw deflate stream (zip compression method 8), in a buffer of its own (transferable). */
  data: Uint8Array<ArrayBuffer>;
  /** CRC-32 and length of the uncompressed content. */
  crc: number;
  size: number;
}

/**
 * One file deflated as buildArchive deflates (level 6). A gzip member is a 10-byte header, the raw
 * deflate stream, then the CRC-32 and the length of the content (RFC 1952): exactly what a zip
 * entry needs, so node's zlib does the work and no zip library has to.
 */
export function deflateFile(path: string, content: string): DeflatedFile {
  const gz = gzipSync(Buffer.from(content, 'utf8'), { level: 6 });
  return { path, data: new Uint8Array(gz.subarray(10, gz.length - 8)), crc: gz.readUInt32LE(gz.length - 8), size: gz.readUInt32LE(gz.length - 4) };
}

/**
 * An answer's archive files, laid out as buildArchive lays them out but under `folder/`, each
 * deflated. CPU-heavy for a large answer: callers run it in a thread.
 */
export function deflateAnswerFiles(answer: DefectAnswer, folder: string): DeflatedFile[] {
  return answerFiles(answer).map((file) => deflateFile(`${folder}/${file.path}`, file.content));
}

/**
 * A zip of files deflated beforehand (see deflateAnswerFiles), written to `write` as `parts`
 * yields them: the caller's event loop only frames the entries, memory holds one part at a time,
 * and `write`'s promise is awaited, so a slow client holds back the reading, not the process.
 * `last` gives the files to close with (a manifest of what went in), once every part was read.
 */
export async function streamArchive(parts: AsyncIterable<DeflatedFile[]>, last: () => DeflatedFile[], write: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else chunks.push(chunk);
  });
  // buildArchive's timestamp, so that the same answers give the same bytes.
  const mtime = new Date('2000-01-01T00:00:00Z');
  const add = (file: DeflatedFile) => {
    const entry: ZipInputFile = { filename: file.path, size: file.size, crc: file.crc, compression: 8, mtime };
    zip.add(entry);
    entry.ondata!(null, file.data, true);
  };
  const flush = async () => {
    if (failure) throw failure;
    for (const chunk of chunks.splice(0)) await write(chunk);
  };
  for await (const files of parts) {
    files.forEach(add);
    await flush();
  }
  last().forEach(add);
  zip.end();
  await flush();
}
