import { Presets, SingleBar } from 'cli-progress';
import type { GenerateStage } from '../generate.ts';

/** Where a progress bar may draw: a terminal (`isTTY`), as `process.stderr` is when nothing redirects it. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface ProgressReporter {
  /** Feed to `generate`'s `onProgress`: its stage and percent move the bar. */
  onGenerate(stage: GenerateStage, percent: number): void;
  /** Writing the output folder: `done` of `total` files. */
  onFiles(done: number, total: number): void;
  /** Ends the bar and clears its line, so only the tables remain. */
  stop(): void;
}

/** Share of the bar the generation takes; the rest is for writing `--out` files. */
const GENERATION_SHARE = 90;

const SILENT: ProgressReporter = { onGenerate() {}, onFiles() {}, stop() {} };

/**
 * A progress bar (cli-progress) on `stream` when it is a terminal, and nothing at all otherwise:
 * piped or redirected stderr gets no control codes and no extra lines.
 */
export function progressReporter(stream: ProgressStream | undefined): ProgressReporter {
  if (!stream?.isTTY) return SILENT;
  const bar = new SingleBar(
    { stream, format: 'generate [{bar}] {percentage}% {stage}', clearOnComplete: true, hideCursor: false, barsize: 30 },
    Presets.shades_classic,
  );
  bar.start(100, 0, { stage: 'read' });
  // generate() runs synchronously, so cli-progress's own timer never fires while it works: draw
  // each change of stage or whole percent at once (at most about a hundred draws a run).
  let shown = 'read 0';
  const show = (value: number, stage: string) => {
    bar.update(value, { stage });
    if (`${stage} ${value}` === shown) return;
    shown = `${stage} ${value}`;
    bar.render();
  };
  return {
    onGenerate(stage, percent) {
      show(Math.round((percent * GENERATION_SHARE) / 100), stage);
    },
    onFiles(done, total) {
      show(GENERATION_SHARE + Math.round(((100 - GENERATION_SHARE) * done) / Math.max(1, total)), 'files');
    },
    stop() {
      bar.stop();
    },
  };
}
