import type { CliIO } from './io.ts';

/** One subcommand of `defect-candidates`: registered by name in main.ts's COMMANDS table. */
export interface CliCommand {
  /** One-line synopsis, shown by --help and in usage errors. */
  usage: string;
  summary: string;
  /** Returns the exit code; throws CoreError (bad input, exit 2) or UsageError (bad command line, exit 2). */
  run(args: string[], io: CliIO): number | Promise<number>;
}
