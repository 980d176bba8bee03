import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';

export type TestCompression = 'gzip' | 'bzip2' | 'xz';

export const TEST_COMPRESSIONS: TestCompression[] = ['gzip', 'bzip2', 'xz'];

/** File name ending of each compression. */
export const EXTENSION: Record<TestCompression, string> = { gzip: 'gz', bzip2: 'bz2', xz: 'xz' };

/**
 * `data` compressed as the field's tools write it: zlib for gzip, the bzip2 and xz programs for
 * the others (Debian's bzip2 and xz-utils; .ci/run installs them where they are missing), so the
 * reader is tested against real files rather than its own library's output. `flags` go to the
 * program (`--format=lzma`, `--check=sha256` for xz).
 */
export function compress(data: string | Uint8Array, format: TestCompression, level = 6, flags: string[] = []): Buffer {
  const input = typeof data === 'string' ? Buffer.from(data) : data;
  if (format === 'gzip' && flags.length === 0) return gzipSync(input, { level });
  const program = format === 'bzip2' ? 'bzip2' : format === 'gzip' ? 'gzip' : 'xz';
  try {
    return execFileSync(program, [`-${Math.max(1, level)}`, '-c', ...flags], { input, maxBuffer: 1 << 30 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`the ${program} program is needed for this test: apt-get install ${format === 'xz' ? 'xz-utils' : 'bzip2'}`);
    throw err;
  }
}

/** A decompression bomb: `bytes` of zeros, compressed (a few kB for megabytes). */
export function bomb(format: TestCompression, bytes: number): Buffer {
  return compress(Buffer.alloc(bytes), format);
}
