import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures.ts';

export interface ApiProcess {
  proc: ChildProcess;
  url: string;
  /** Parsed pino lines from stdout, in order. */
  logs: Record<string, unknown>[];
  /** Everything written to stdout and stderr, as text (for scanning). */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * The API as its own OS process (`node --import tsx apps/api/src/main.ts`, the same entry as
 * `npm run start:api`), for tests whose input may block it: a request that freezes this process
 * fails the test on its time bound instead of freezing the test runner. The address is read from
 * the plain `api: listening on URL` line the entry prints on stderr at any LOG_LEVEL.
 */
export async function spawnApi(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<ApiProcess> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST')) childEnv[k] = v;
  Object.assign(childEnv, env, { NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1' });
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/api/src/main.ts')], { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let text = '';
  let buffered = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API process did not listen within ${options.readyTimeoutMs ?? 30_000} ms: ${text.slice(-2000)}`)), options.readyTimeoutMs ?? 30_000);
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.trim()) continue;
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          logs.push({ msg: line });
        }
      }
    });
    let errors = '';
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      errors += chunk;
      const listening = /^api: listening on (http:\/\/\S+)/m.exec(errors);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`API process exited before listening: ${text.slice(-2000)}`));
    });
  });
  return {
    proc,
    url,
    logs,
    output: () => text,
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
