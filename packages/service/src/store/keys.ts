/** Every Redis key the service writes outside BullMQ, in one place so prefixes never drift. */
export function keys(prefix: string) {
  return {
    action: (id: string) => `${prefix}:action:${id}`,
    indexAll: `${prefix}:actions:index:all`,
    indexOwner: (owner: string) => `${prefix}:actions:index:owner:${owner}`,
    idempotency: (owner: string, keyHash: string) => `${prefix}:idempotency:${owner}:${keyHash}`,
    statsOutcomes: `${prefix}:stats:outcomes`,
    statsDurations: `${prefix}:stats:durations`,
    viewLinkSecret: `${prefix}:view-link-secret`,
  };
}

export type Keys = ReturnType<typeof keys>;
