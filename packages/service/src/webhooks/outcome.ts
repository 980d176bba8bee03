/**
 * What one delivery attempt means for the message: delivered, try again later, or give up now.
 * 2xx delivered; 410 and other 4xx (except 408 and 429) stop, the receiver said no; 429 and 503
 * honour Retry-After; 408, 3xx (redirects are not followed), other 5xx, timeouts and network
 * errors retry on the schedule.
 */
export type AttemptVerdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'stop'; reason: string };

export interface AttemptResult {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  /** Set when no HTTP answer came back (timeout, refused connection, refused address...). */
  error?: { message: string; code?: string; permanent?: boolean };
}

/** Longest wait a Retry-After may impose, so one receiver cannot park a message forever. */
export const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), MAX_RETRY_AFTER_MS);
}

export function judgeAttempt(result: AttemptResult, now = Date.now()): AttemptVerdict {
  if (result.error || result.status === undefined) {
    const message = result.error?.message ?? 'no response';
    return result.error?.permanent ? { kind: 'stop', reason: message } : { kind: 'retry', reason: message };
  }
  const status = result.status;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(result.headers?.['retry-after'], now);
    return { kind: 'retry', reason: `HTTP ${status}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (status === 408) return { kind: 'retry', reason: 'HTTP 408' };
  if (status === 410) return { kind: 'stop', reason: 'HTTP 410: the receiver is gone' };
  if (status >= 400 && status < 500) return { kind: 'stop', reason: `HTTP ${status}: refused by the receiver` };
  if (status >= 300 && status < 400) {
    const location = result.headers?.location;
    return { kind: 'retry', reason: `HTTP ${status}: redirect${location ? ` to ${String(location)}` : ''} not followed` };
  }
  return { kind: 'retry', reason: `HTTP ${status}` };
}
