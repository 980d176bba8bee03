import { execFile } from 'node:child_process';
import { REPO_ROOT } from './fixtures.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed command exactly as a user would: node bin/defect-candidates.js … from the repository root. */
export function runCli(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/defect-candidates.js', ...args], { cwd: REPO_ROOT, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
