import { createHmac } from 'node:crypto';
import type { Batch } from './batch';

/**
 * Callback signature: `X-Ecs-Batch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The receiver recomputes it over the raw body, compares in constant time and rejects old timestamps.
 */
export function signCallback(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export const MAX_CALLBACK_ATTEMPTS = 8;

/** After a failed delivery: try again with backoff (15 s doubling, capped at 10 min), or give up. */
export function afterDeliveryFailure(b: Batch, now: number, error: string): Batch {
  const cb = b.callback!;
  const attempts = cb.attempts + 1;
  const done = attempts >= MAX_CALLBACK_ATTEMPTS;
  return {
    ...b,
    updatedAt: now,
    callback: { ...cb, attempts, state: done ? 'failed' : 'pending', lastError: error.slice(0, 200), ...(done ? {} : { nextAttemptAt: now + Math.min(600_000, 15_000 * 2 ** (attempts - 1)) }) },
  };
}

export function afterDelivery(b: Batch, now: number): Batch {
  const cb = b.callback!;
  return { ...b, updatedAt: now, callback: { ...cb, attempts: cb.attempts + 1, state: 'delivered', nextAttemptAt: undefined, lastError: undefined } };
}

export const callbackDue = (b: Batch, now: number) =>
  b.callback !== undefined && (b.callback.state === 'waiting' || b.callback.state === 'pending') && (b.callback.nextAttemptAt ?? 0) <= now;
