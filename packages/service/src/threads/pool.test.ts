import { afterEach, describe, expect, it } from 'vitest';
import type { FixtureReply, FixtureTask } from './fixture-thread.ts';
import { ThreadCancelled, ThreadCrashed, ThreadPool, ThreadTimeout } from './pool.ts';

const MODULE = new URL('./fixture-thread.ts', import.meta.url);
const LONG = 60_000;

let pools: ThreadPool<FixtureTask, FixtureReply>[] = [];
function pool(size: number): ThreadPool<FixtureTask, FixtureReply> {
  const p = new ThreadPool<FixtureTask, FixtureReply>({ module: MODULE, size, memoryMb: 128 });
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  pools = [];
});

const threadOf = (reply: FixtureReply) => (reply.kind === 'done' ? reply.threadId : -1);

describe('ThreadPool', () => {
  it("resolves with the thread's final reply and hands it the messages before", async () => {
    const p = pool(1);
    expect(await p.run({ op: 'echo', value: 'Si' }, { timeoutMs: LONG })).toMatchObject({ kind: 'done', value: 'Si' });
    expect(await p.run({ op: 'refuse', message: 'not a structure' }, { timeoutMs: LONG })).toEqual({ kind: 'failed', message: 'not a structure' });
    const steps: number[] = [];
    await p.run({ op: 'progress', steps: 3 }, { timeoutMs: LONG, onMessage: (m) => m.kind === 'step' && steps.push(m.n) });
    expect(steps).toEqual([1, 2, 3]);
  });

  it('never runs more threads than its size: further tasks wait for a free one', async () => {
    const p = pool(2);
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => p.run({ op: 'echo', value: String(i) }, { timeoutMs: LONG })));
    expect(replies.map((r) => (r.kind === 'done' ? r.value : null))).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(new Set(replies.map(threadOf)).size).toBeLessThanOrEqual(2);
  });

  it('terminates a thread whose task runs past its time, and serves the next task on a new one', async () => {
    const p = pool(1);
    p.warm();
    const before = threadOf(await p.run({ op: 'echo', value: 'a' }, { timeoutMs: LONG }));
    const err = await p.run({ op: 'spin' }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThreadTimeout);
    expect((err as ThreadTimeout).started).toBe(true);
    const after = threadOf(await p.run({ op: 'echo', value: 'b' }, { timeoutMs: LONG }));
    expect(after).not.toBe(before);
  });

  it('times out a task still waiting for a thread without touching the running one', async () => {
    const p = pool(1);
    const controller = new AbortController();
    const spinning = p.run({ op: 'spin' }, { timeoutMs: LONG, signal: controller.signal }).catch((e: unknown) => e);
    const waiting = await p.run({ op: 'echo', value: 'late' }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(waiting).toBeInstanceOf(ThreadTimeout);
    expect((waiting as ThreadTimeout).started).toBe(false);
    controller.abort('enough');
    const cancelled = await spinning;
    expect(cancelled).toBeInstanceOf(ThreadCancelled);
    expect((cancelled as ThreadCancelled).reason).toBe('enough');
    expect(await p.run({ op: 'echo', value: 'next' }, { timeoutMs: LONG })).toMatchObject({ kind: 'done', value: 'next' });
  });

  it('reports a thread that dies under its task, and keeps serving', async () => {
    const p = pool(1);
    const thrown = await p.run({ op: 'throw', message: 'boom' }, { timeoutMs: LONG }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ThreadCrashed);
    expect(((thrown as ThreadCrashed).cause as Error).message).toBe('boom');
    const exited = await p.run({ op: 'exit', code: 3 }, { timeoutMs: LONG }).catch((e: unknown) => e);
    expect(exited).toBeInstanceOf(ThreadCrashed);
    expect((exited as ThreadCrashed).exitCode).toBe(3);
    expect(await p.run({ op: 'echo', value: 'alive' }, { timeoutMs: LONG })).toMatchObject({ kind: 'done', value: 'alive' });
  });

  it('on close, cancels running and waiting tasks and refuses new ones', async () => {
    const p = pool(1);
    const running = p.run({ op: 'spin' }, { timeoutMs: LONG }).catch((e: unknown) => e);
    const waiting = p.run({ op: 'echo', value: 'never' }, { timeoutMs: LONG }).catch((e: unknown) => e);
    await p.close();
    expect(await running).toBeInstanceOf(ThreadCancelled);
    expect(await waiting).toBeInstanceOf(ThreadCancelled);
    await expect(p.run({ op: 'echo', value: 'after' }, { timeoutMs: LONG })).rejects.toBeInstanceOf(ThreadCancelled);
  });
});
