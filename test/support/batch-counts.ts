import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { RedisClient } from '@defect-candidates/service/redis';
import { ActionStore } from '@defect-candidates/service/store/actions';
import { BatchStore } from '@defect-candidates/service/store/batches';

/** What can happen to one of a batch's actions, as the API and the workers do it. */
const OPERATIONS = ['start', 'progress', 'requeue', 'succeed', 'fail'] as const;
type Operation = (typeof OPERATIONS)[number];

async function apply(store: ActionStore, id: string, op: Operation): Promise<void> {
  switch (op) {
    case 'start':
      await store.markStarted(id);
      return;
    case 'progress':
      await store.setProgress(id, 'symmetry', 5);
      return;
    case 'requeue':
      await store.requeue(id);
      return;
    case 'succeed':
      await store.complete(id, { candidates: [] });
      return;
    case 'fail':
      await store.fail(id, { code: 'timeout', type: 'TimeoutError', message: 'ran too long', retryable: false });
      return;
  }
}

/**
 * Batches whose actions go through random sequences of status changes (some concurrent, some
 * refused: ending twice, starting an ended one): after every step the batch's stored counts must
 * equal its actions' statuses counted one by one. `redis` may be a single Redis or a Cluster client:
 * on a cluster, the action's status change and the batch's counts are in one script, which runs
 * only if the keys share a slot.
 */
export async function checkBatchCountsFollowStatuses(redis: RedisClient, prefix: string, numRuns = 25): Promise<void> {
  const store = new ActionStore(redis, { prefix, ttlSeconds: 3600 });
  const batches = new BatchStore(redis, { prefix, ttlSeconds: 3600 });
  const steps = fc.array(fc.record({ item: fc.nat(), ops: fc.array(fc.constantFrom(...OPERATIONS), { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 25 });
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 12 }), steps, async (size, plan) => {
      const id = randomUUID();
      const members = Array.from({ length: size }, (_, index) => ({ index, id: `${id}.${index}` }));
      const created_at = new Date().toISOString();
      expect(await batches.create({ id, owner: 'alice', created_at, items: size, total: size, invalid: [], action_webhooks: true }, members)).toBe(true);
      await store.createMany(members.map((m) => ({ init: { id: m.id, owner: 'alice', parameters: {}, input: { kind: 'url', url: 'https://example.org/a.cif' }, batch_id: id, created_at } })));
      expect((await batches.get(id))?.counts).toEqual({ queued: size, 'in-progress': 0, success: 0, error: 0 });
      for (const step of plan) {
        const target = members[step.item % size].id;
        // A step's operations race each other, as two workers holding the same job would.
        await Promise.all(step.ops.map((op) => apply(store, target, op)));
        const counted = BatchStore.count(await batches.statuses(members));
        expect((await batches.get(id))?.counts).toEqual(counted);
      }
    }),
    { numRuns },
  );
}
