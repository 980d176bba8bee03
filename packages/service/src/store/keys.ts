/** Every Redis key the service writes outside BullMQ, in one place so prefixes never drift. */
export function keys(prefix: string) {
  return {
    action: (id: string) => `${prefix}:action:${id}`,
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
    /** Actions whose webhook delivery failed for good, scored by when (GET /webhooks/failed). */
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
