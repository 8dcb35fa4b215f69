import type { Sleep } from '../core/time';

/**
 * A retry is a named bound on a named error kind. `retryable` says which failures may be repeated; the
 * delay doubles from `baseMs` up to `maxMs` with full jitter, and a server-given `retryAfterMs` wins.
 */
export interface RetryPolicy {
  name: string;
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function withRetry<T>(
  policy: RetryPolicy,
  call: () => Promise<T>,
  classify: (e: unknown) => { retryable: boolean; retryAfterMs?: number; error: unknown },
  sleep: Sleep = realSleep,
  random: () => number = Math.random,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (raw) {
      const c = classify(raw);
      if (!c.retryable || attempt >= policy.attempts) throw c.error;
      const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      await sleep(Math.max(c.retryAfterMs ?? 0, Math.floor(random() * backoff)));
    }
  }
}
