import { readFileSync, statSync } from 'node:fs';
import type { DefectAnswer } from '../defects/types.ts';
import { type FileText, decodeStructureFile } from '../io/compression.ts';
import type { ProgressStream } from './progress.ts';

/** What a command may touch outside the library: the CLI is the one place in core that reads files and writes to the terminal. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * The text of a file, unpacked when it is gzip, bzip2 or xz, and what was assumed to get it;
   * throws UsageError when it cannot be read, FileDecodeError when it cannot be unpacked.
   */
  readFile(path: string): Promise<FileText>;
  /** Where long commands draw a progress bar; they draw one only when it is a terminal. */
  progressStream?: ProgressStream;
  /**
   * Renders report.html for `generate --report` (the `report` format). The core has no page of its
   * own: the command's entry point (bin/defect-candidates.js) passes the viewer package's.
   */
  renderReport?: (answer: DefectAnswer) => string;
}

/** Thrown for a malformed command line; main() prints its message on one line and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Largest file the command line reads, and largest text a compressed file may unpack to: 100 MiB,
 * a hundred times a 100,000-atom CIF, and well short of what would exhaust memory.
 */
export const CLI_MAX_INPUT_BYTES = 100 * 1024 * 1024;

export const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  progressStream: process.stderr,
  async readFile(path) {
    let bytes: Buffer;
    try {
      // Refused before reading: a huge file would be read whole only to be refused.
      const size = statSync(path).size;
      if (size > CLI_MAX_INPUT_BYTES) throw new UsageError(`cannot read ${path}: it is ${size} bytes, more than the limit of ${CLI_MAX_INPUT_BYTES} bytes`);
      bytes = readFileSync(path);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
      throw new UsageError(`cannot read ${path}: ${reason}`);
    }
    return decodeStructureFile(bytes, { maxBytes: CLI_MAX_INPUT_BYTES, name: path });
  },
};
