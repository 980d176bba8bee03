/** Every Redis key the service writes outside BullMQ, in one place so prefixes never drift. */
export function keys(prefix: string) {
  return {
    action: (id: string) => `${prefix}:action:${id}`,
    indexAll: `${prefix}:actions:index:all`,
    indexOwner: (owner: string) => `${prefix}:actions:index:owner:${owner}`,
    idempotency: (owner: string, keyHash: string) => `${prefix}:idempotency:${owner}:${keyHash}`,
    statsOutcomes: `${prefix}:stats:outcomes`,
    statsDurations: `${prefix}:stats:durations`,
    // A batch's keys share the hash tag `{<id>}`: its scripts touch several of them at once, which
    // a Redis Cluster allows only within one slot.
    batch: (id: string) => `${prefix}:batch:{${id}}`,
    batchMembers: (id: string) => `${prefix}:batch:{${id}}:actions`,
    batchEnded: (id: string) => `${prefix}:batch:{${id}}:ended`,
    viewLinkSecret: `${prefix}:view-link-secret`,
  };
}

export type Keys = ReturnType<typeof keys>;
