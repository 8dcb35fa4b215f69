import { isTerminal, type Batch, type Delivery } from './batch';
import { messageOf, StoreError, VersionConflict } from './errors';
import type { BatchStore, Log, Poster, PostOptions } from './ports';
import type { Clock } from './time';

/**
 * A batch's final-outcome deliveries, the HTTP callback and the chat reply, are one at-least-once state
 * machine, and this is it: a delivery waits until the batch ends, then is attempted when due, retried with
 * backoff (15 s doubling, at most 10 min) until it is delivered, its attempts run out, or its destination
 * stops accepting (`expiresAt`); every outcome is recorded on the batch. States and timing only: the edge
 * says how a delivery is rendered (a Channel) and the Poster port sends it.
 *
 * The delivery id rides along in a header for receivers that can drop repeats with it. A crash between the
 * POST and the save repeats the delivery: at least once, never "at most once".
 */

/** Where on the batch each delivery's state lives. */
export type DeliveryKey = 'callback' | 'chatReply';
export const DELIVERIES: readonly DeliveryKey[] = ['callback', 'chatReply'];

/** Attempts before a delivery is given up, unless its channel knows a tighter bound. */
export const MAX_ATTEMPTS = 8;

/** One rendered delivery: what to POST where. */
export interface Outbound {
  url: string;
  body: string;
  headers: Record<string, string>;
  opts?: PostOptions;
}

/** How one kind of delivery is rendered; given by the edge that sends it. */
export interface Channel {
  key: DeliveryKey;
  /** In log lines: "callback", "chat reply". */
  name: string;
  maxAttempts(d: Delivery): number;
  render(b: Batch, d: Delivery, now: number): Outbound;
  /** Fields that tell deliveries apart in logs. Never the URL: it may carry a secret or be a bearer capability. */
  logFields(d: Delivery): Record<string, unknown>;
}

export interface DeliveryDeps {
  store: BatchStore;
  clock: Clock;
  log: Log;
  post: Poster;
}

const open = (d: Delivery | undefined): d is Delivery => d !== undefined && (d.state === 'waiting' || d.state === 'pending');

/** The deliveries a batch still owes, due or not. */
export const owedDeliveries = (b: Batch): Delivery[] => DELIVERIES.map((k) => b[k]).filter(open);

/** Whether the delivery `key` of `b` should be attempted now: the batch has ended and the backoff has passed. */
export const deliveryDue = (b: Batch, key: DeliveryKey, now: number): boolean => {
  const d = b[key];
  return open(d) && isTerminal(b.status) && (d.nextAttemptAt ?? 0) <= now;
};

/** The delivery after the receiver took it. */
export function delivered<D extends Delivery>(d: D): D {
  return { ...d, attempts: d.attempts + 1, state: 'delivered', nextAttemptAt: undefined, lastError: undefined };
}

/** The delivery after an attempt failed: another one later, or given up after `maxAttempts`. */
export function failedAttempt<D extends Delivery>(d: D, now: number, error: string, maxAttempts: number): D {
  const attempts = d.attempts + 1;
  const done = attempts >= maxAttempts;
  return { ...d, attempts, state: done ? 'failed' : 'pending', lastError: error.slice(0, 200), nextAttemptAt: done ? undefined : now + Math.min(600_000, 15_000 * 2 ** (attempts - 1)) };
}

/** Attempt the delivery if it is due; returns the batch as saved. Store errors propagate (the sweep retries). */
export async function deliver(deps: DeliveryDeps, b: Batch, channel: Channel): Promise<Batch> {
  const now = deps.clock.now();
  if (!deliveryDue(b, channel.key, now)) return b;
  const d = b[channel.key]!;
  const fields = { batchId: b.id, ...channel.logFields(d) };
  if (d.expiresAt !== undefined && d.expiresAt <= now) {
    deps.log.warn(`${channel.name} window closed before the batch ended`, fields);
    return deps.store.saveBatch({ ...b, updatedAt: now, [channel.key]: { ...d, state: 'failed', nextAttemptAt: undefined, lastError: 'the destination stopped accepting before the batch ended' } });
  }
  const out = channel.render(b, d, now);
  try {
    await deps.post(out.url, out.body, out.headers, out.opts);
  } catch (e) {
    if (e instanceof VersionConflict || e instanceof StoreError) throw e;
    deps.log.warn(`${channel.name} delivery failed`, { ...fields, attempt: d.attempts + 1, error: e });
    const later = deps.clock.now();
    return deps.store.saveBatch({ ...b, updatedAt: later, [channel.key]: failedAttempt(d, later, messageOf(e), channel.maxAttempts(d)) });
  }
  deps.log.info(`${channel.name} delivered`, { ...fields, status: b.status });
  return deps.store.saveBatch({ ...b, updatedAt: deps.clock.now(), [channel.key]: delivered(d) });
}
