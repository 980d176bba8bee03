import { CoreError } from '../base/errors.ts';
import type { CliCommand } from './command.ts';
import { convertCommand } from './convert.ts';
import { generateCommand } from './generate.ts';
import { inspectCommand } from './inspect.ts';
import { type CliIO, UsageError, processIO } from './io.ts';

export type { CliCommand } from './command.ts';
export type { CliIO } from './io.ts';
export { processIO } from './io.ts';

/** Subcommands by name; a new one is one line here. */
export const COMMANDS: Record<string, CliCommand> = {
  inspect: inspectCommand,
  convert: convertCommand,
  generate: generateCommand,
};

/** Exit codes: 0 success, 2 bad input or bad command line (one line on stderr), 1 anything unexpected. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const text = helpText();
    if (name === undefined) {
      io.stderr(text);
      return 2;
    }
    io.stdout(text);
    return 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command '${name}'; expected one of ${Object.keys(COMMANDS).join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`usage: ${command.usage}\n`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CoreError || err instanceof UsageError) {
      io.stderr(`error: ${oneLine(err.message)}\n`);
      return 2;
    }
    io.stderr(`internal error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

function helpText(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `usage: defect-candidates <command> [options]\n\n${lines.join('\n')}\n`;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
