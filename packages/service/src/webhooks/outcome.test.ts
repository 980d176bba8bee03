import { describe, expect, it } from 'vitest';
import { judgeAttempt, parseRetryAfter, MAX_RETRY_AFTER_MS } from './outcome.ts';
import { RetrySchedule, DEFAULT_RETRY_DELAYS_MS } from './schedule.ts';

describe('judgeAttempt', () => {
  it.each([200, 201, 202, 204, 299])('HTTP %i is delivered', (status) => {
    expect(judgeAttempt({ status })).toEqual({ kind: 'delivered' });
  });

  it.each([400, 401, 403, 404, 405, 409, 410, 413, 422])('HTTP %i stops', (status) => {
    expect(judgeAttempt({ status }).kind).toBe('stop');
  });

  it.each([408, 429, 500, 502, 503, 504, 301, 302, 307, 308])('HTTP %i retries', (status) => {
    expect(judgeAttempt({ status }).kind).toBe('retry');
  });

  it('names the redirect target that was not followed', () => {
    expect(judgeAttempt({ status: 302, headers: { location: 'https://elsewhere.example/' } })).toEqual({
      kind: 'retry',
      reason: 'HTTP 302: redirect to https://elsewhere.example/ not followed',
    });
  });

  it('retries network errors and timeouts, and stops on permanent ones such as a refused address', () => {
    expect(judgeAttempt({ error: { message: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED' } }).kind).toBe('retry');
    expect(judgeAttempt({ error: { message: 'Timeout awaiting request for 15000ms', code: 'ETIMEDOUT' } }).kind).toBe('retry');
    expect(judgeAttempt({ error: { message: 'Refused to connect', permanent: true } }).kind).toBe('stop');
  });

  it('carries Retry-After on 429 and 503 only', () => {
    expect(judgeAttempt({ status: 429, headers: { 'retry-after': '120' } })).toEqual({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 120_000 });
    expect(judgeAttempt({ status: 503, headers: { 'retry-after': '7' } })).toMatchObject({ retryAfterMs: 7000 });
    expect(judgeAttempt({ status: 500, headers: { 'retry-after': '7' } })).not.toHaveProperty('retryAfterMs');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 May 2024 12:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores garbage and caps absurd waits', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('99999999', now)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('RetrySchedule', () => {
  it('has ten attempts by default, spread over about three days', () => {
    const schedule = new RetrySchedule();
    expect(schedule.attempts).toBe(10);
    expect(DEFAULT_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0)).toBe((5 + 300 + 1800 + 7200 + 18000 + 36000 + 50400 + 72000 + 86400) * 1000);
    expect(schedule.delayAfter(1)).toBe(5_000);
    expect(schedule.delayAfter(9)).toBe(86_400_000);
    expect(schedule.delayAfter(10)).toBeUndefined();
  });

  it('lets Retry-After lengthen a wait but not shorten it', () => {
    const schedule = new RetrySchedule([0, 300, 300, 300]);
    expect(schedule.attempts).toBe(4);
    expect(schedule.delayAfter(1, 5_000)).toBe(5_000);
    expect(schedule.delayAfter(2, 10)).toBe(300);
  });

  it('refuses an empty or negative schedule', () => {
    expect(() => new RetrySchedule([])).toThrow(RangeError);
    expect(() => new RetrySchedule([0, -1])).toThrow(RangeError);
  });
});
