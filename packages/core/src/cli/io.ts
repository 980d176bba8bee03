import { readFileSync } from 'node:fs';
import type { DefectAnswer } from '../defects/types.ts';

/** What a command may touch outside the library: the CLI is the one place in core that reads files and writes to the terminal. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): string;
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

export const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
      throw new UsageError(`cannot read ${path}: ${reason}`);
    }
  },
};
