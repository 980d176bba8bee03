import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ReadOptions } from '@defect-candidates/core';
import { REPO_ROOT } from './fixtures.ts';

/** The core functions the sandbox can call on a text. */
export type SandboxFunction = 'readStructure' | 'readCif' | 'readPoscar' | 'readJson' | 'readExtxyz' | 'detectFormat';

export interface ParseCall {
  fn: SandboxFunction;
  text: string;
  options?: ReadOptions;
}

/**
 * What one call produced. `value`: a result, with `problems` listing broken invariants (empty when
 * the result is sound); `structure-error`: the typed refusal; `other-error`: any other exception
 * (a bug); `timeout`: still running after the guard and killed (a hang); `crash`: the process died
 * (V8 abort, out of memory).
 */
export type ParseOutcome =
  | { kind: 'value'; ms: number; format: string | undefined; nSites: number; problems: string[] }
  | { kind: 'structure-error'; ms: number; message: string; code: string; problems: string[] }
  | { kind: 'other-error'; ms: number; name: string; message: string; stack: string }
  | { kind: 'timeout'; ms: number }
  | { kind: 'crash'; ms: number; code: number | null; signal: string | null; stderr: string };

export interface ParseSandbox {
  /** Runs one call in the child; never rejects. `timeoutMs` is a hang detector, not a speed limit. */
  call(call: ParseCall, timeoutMs?: number): Promise<ParseOutcome>;
  close(): Promise<void>;
}

const CHILD = join(REPO_ROOT, 'test/support/parse-sandbox-child.ts');

/** One-line description of an outcome, for assertion messages. */
export function describeOutcome(o: ParseOutcome): string {
  switch (o.kind) {
    case 'value':
      return `value (${o.format}, ${o.nSites} sites${o.problems.length ? `; problems: ${o.problems.join('; ')}` : ''})`;
    case 'structure-error':
      return `StructureError: ${o.message}`;
    case 'other-error':
      return `${o.name}: ${o.message}\n${o.stack}`;
    case 'timeout':
      return `no answer within ${Math.round(o.ms)} ms (killed)`;
    case 'crash':
      return `the process died (code ${o.code}, signal ${o.signal}): ${o.stderr.slice(-600)}`;
  }
}

/** True when the outcome is what every reader owes any input: a sound result or the typed error. */
export function isAcceptable(o: ParseOutcome): boolean {
  return (o.kind === 'value' || o.kind === 'structure-error') && o.problems.length === 0;
}

/**
 * Runs core readers in a child process (`node --import tsx`), one call at a time, so a fuzzed
 * input that hangs or aborts the process is reported as an outcome instead of stalling or killing
 * the test runner. The child is replaced after a timeout or a crash.
 */
export async function startParseSandbox(options: { maxOldSpaceMb?: number } = {}): Promise<ParseSandbox> {
  let child: ChildProcess | null = null;
  let stderr = '';
  let nextId = 1;
  let pending: { id: number; resolve: (o: ParseOutcome) => void; started: number } | null = null;

  const spawnChild = () =>
    new Promise<ChildProcess>((resolve, reject) => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST')) env[k] = v;
      stderr = '';
      const proc = fork(CHILD, [], {
        cwd: REPO_ROOT,
        env,
        execArgv: ['--import', 'tsx', `--max-old-space-size=${options.maxOldSpaceMb ?? 512}`],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-8000);
      });
      const onReady = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        proc.off('message', onReady);
        proc.on('message', (reply: { id: number; outcome: ParseOutcome }) => {
          if (pending && reply.id === pending.id) {
            const p = pending;
            pending = null;
            p.resolve(reply.outcome);
          }
        });
        resolve(proc);
      };
      proc.on('message', onReady);
      proc.once('exit', (code, signal) => {
        if (child === proc) child = null;
        if (pending) {
          const p = pending;
          pending = null;
          p.resolve({ kind: 'crash', ms: performance.now() - p.started, code, signal, stderr });
        }
        reject(new Error(`parse sandbox exited before it was ready (code ${code}, signal ${signal}): ${stderr.slice(-2000)}`));
      });
    });

  child = await spawnChild();
  // Calls queue up: a caller that gave up waiting (a property interrupted by its time limit) must
  // not leave the next caller facing a busy child.
  let queue: Promise<unknown> = Promise.resolve();

  const run = async (call: ParseCall, timeoutMs: number): Promise<ParseOutcome> => {
    child ??= await spawnChild();
    const proc = child;
    const id = nextId++;
    return new Promise<ParseOutcome>((resolve) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        if (pending?.id !== id) return;
        pending = null;
        child = null;
        proc.kill('SIGKILL');
        resolve({ kind: 'timeout', ms: performance.now() - started });
      }, timeoutMs);
      pending = {
        id,
        started,
        resolve: (o) => {
          clearTimeout(timer);
          resolve(o);
        },
      };
      proc.send({ id, call });
    });
  };

  return {
    call(call, timeoutMs = 5_000) {
      const result = queue.then(() => run(call, timeoutMs));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      await queue;
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
