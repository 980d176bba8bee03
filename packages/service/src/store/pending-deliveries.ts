import type { RedisClient } from '../redis.ts';
import { keys } from './keys.ts';

/** Whose delivery: an action's completion message, or a batch's `batch.completed`. */
export type DeliverySubjectKind = 'action' | 'batch';

export interface DeliverySubject {
  kind: DeliverySubjectKind;
  id: string;
}

/** The member of the pending-deliveries index for a subject: `action:<id>` or `batch:<id>`. */
export function pendingMember(subject: DeliverySubject): string {
  return `${subject.kind}:${subject.id}`;
}

/** The subject of an index member; null for one this code never wrote. */
export function parsePendingMember(member: string): DeliverySubject | null {
  const colon = member.indexOf(':');
  const kind = member.slice(0, colon);
  if (colon < 1 || (kind !== 'action' && kind !== 'batch')) return null;
  return { kind, id: member.slice(colon + 1) };
}

/**
 * Keeps the pending-deliveries index (what the reconciler watches) in step with a delivery state
 * being written. Called with `pending: true` before a pending state is written, and with `false`
 * after an ended one was: a crash between the two writes then leaves an entry too many, which the
 * reconciler drops, never a pending delivery nobody watches. The score is now (ms).
 */
export async function trackDelivery(redis: RedisClient, prefix: string, subject: DeliverySubject, pending: boolean): Promise<void> {
  const key = keys(prefix).pendingDeliveries;
  if (pending) await redis.zadd(key, Date.now(), pendingMember(subject));
  else await redis.zrem(key, pendingMember(subject));
}
