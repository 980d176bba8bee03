/** A batch item's action id, `<batch id>.<item index>` (the batch id a UUID): the batch id, else null. */
function batchOfActionId(id: string): string | null {
  return /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.\d+$/.exec(id)?.[1] ?? null;
}

/** Every Redis key the service writes outside BullMQ, in one place so prefixes never drift. */
export function keys(prefix: string) {
  return {
    /**
     * An action's hash. A batch item's (`<batch id>.<index>`) carries its batch's hash tag,
     * `<prefix>:action:{<batch id>}.<index>`, so that the script changing its status can count the
     * change on its batch in the same step, on a Redis Cluster too (one slot); others spread freely.
     */
    action: (id: string) => {
      const batch = batchOfActionId(id);
      return batch === null ? `${prefix}:action:${id}` : `${prefix}:action:{${batch}}${id.slice(batch.length)}`;
    },
    indexAll: `${prefix}:actions:index:all`,
    indexOwner: (owner: string) => `${prefix}:actions:index:owner:${owner}`,
    /**
     * Actions not yet ended (ids, scored by when they were created or last seen with a live job):
     * what the reconciler watches, so that it never scans every action.
     */
    activeActions: `${prefix}:actions:active`,
    /** Webhook deliveries not yet ended (`action:<id>` or `batch:<id>`), scored like `activeActions`. */
    pendingDeliveries: `${prefix}:deliveries:pending`,
    /** Held by the one worker process reconciling at a time. */
    reconcilerLock: `${prefix}:reconciler:lock`,
    /** What the reconciler mended, by kind (a counter per field). */
    statsReconciled: `${prefix}:stats:reconciled`,
    idempotency: (owner: string, keyHash: string) => `${prefix}:idempotency:${owner}:${keyHash}`,
    statsOutcomes: `${prefix}:stats:outcomes`,
    statsDurations: `${prefix}:stats:durations`,
    /**
     * Deliveries that failed for good, scored by when (GET /webhooks/failed): action ids, and
     * `failedBatchMember(id)` for batches' `batch.completed`.
     */
    failedDeliveries: `${prefix}:deliveries:failed`,
    /** Webhook deliveries that ended, by outcome, and their attempt counts (a histogram). */
    statsWebhooks: `${prefix}:stats:webhooks`,
    /** An owner's actions waiting on one generation queue, scored by when they were queued (fair share). */
    fairQueued: (queue: string, owner: string) => `${prefix}:fair:{${owner}}:${queue}`,
    /** rate-limiter-flexible's key prefix for one tier of keys: it appends `:<API key name>`. */
    rateLimit: (tier: string) => `${prefix}:ratelimit:${tier}`,
    /** Written by /readyz to learn whether Redis accepts writes (it refuses them when out of memory). */
    readyProbe: `${prefix}:readyz`,
    // A batch's keys share the hash tag `{<id>}`: its scripts touch several of them at once, which
    // a Redis Cluster allows only within one slot.
    batch: (id: string) => `${prefix}:batch:{${id}}`,
    batchMembers: (id: string) => `${prefix}:batch:{${id}}:actions`,
    batchEnded: (id: string) => `${prefix}:batch:{${id}}:ended`,
    viewLinkSecret: `${prefix}:view-link-secret`,
  };
}

export type Keys = ReturnType<typeof keys>;

/** The failed-deliveries index's member for a batch's `batch.completed` (action ids have no colon, so the two never meet). */
export function failedBatchMember(batchId: string): string {
  return `batch:${batchId}`;
}
