import { isTerminal, type Batch } from '../core/batch';
import { VersionConflict } from '../core/errors';
import { eventAction, type EcsEvent } from '../core/events';
import type { EventStore } from '../core/ports';
import { DEFAULT_RECONCILE, interrupt } from '../core/reconcile';
import { sweepNow, type SweepDeps } from './sweep';

export interface EventDeps extends SweepDeps {
  events: EventStore;
  sleep: (ms: number) => Promise<void>;
}

export type EventOutcome =
  /** Nothing to act on (Pending, Starting, ...): no read, no DescribeInstances. */
  | { action: 'ignored' }
  /** This source + id was handled before. */
  | { action: 'duplicate' }
  /** Not one of our instances: one read of the index. */
  | { action: 'notOurs' }
  /** The batch was looked at now (one DescribeInstances, shared with any other batch of the same look). */
  | { action: 'looked'; batchId: string; status?: string }
  /** Another sweeper kept the batch: its "look now" entry stays for the watch or the timer. */
  | { action: 'busy'; batchId: string };

/** While another sweeper holds the batch, try again this often, for at most this many times. */
const BUSY_RETRY_MS = 200;
const BUSY_RETRIES = 5;

/**
 * One ECS event. Timeline for a Running, Stopped or Deleted event, or a spot interruption notice:
 *   1. find the batch in the instance -> batch index (someone else's instance stops here: one read);
 *   2. record source + id (a repeat stops here);
 *   3. put a "look now" entry in the due-queue: from here on a crash costs latency only, the timer finds it;
 *   4. look at the batch under its lease, as a sweep does (an interruption is applied first); if another
 *      sweeper holds it, try again a few times, then leave the entry to the watch or the timer.
 * Lost, repeated, late and out-of-order events change no outcome: every decision comes from DescribeInstances
 * at the look, and the timer looks anyway.
 */
export async function handleEcsEvent(deps: EventDeps, e: EcsEvent, stopBy: number): Promise<EventOutcome> {
  const now = deps.clock.now();
  // Events arriving is what lets the sweeper look at healthy batches less often (sweep.ts EVENTS_FRESH_MS).
  await deps.events.noteEvents(e.region, now).catch((err: unknown) => deps.log.warn('could not note that events arrive', { region: e.region, error: err }));
  const action = eventAction(e);
  if (action === 'none') return { action: 'ignored' };
  // Someone else's instance costs this one read and nothing more.
  const batchId = await deps.events.batchOf(e.instanceId);
  if (!batchId) return { action: 'notOurs' };
  if (!(await deps.events.firstDelivery(e.key, now))) return { action: 'duplicate' };
  try {
    const entry = await deps.events.nudge(batchId, now);
    const opts = deps.reconcile ?? DEFAULT_RECONCILE;
    const change = action === 'interrupt' ? (b: Batch, t: number) => interrupt(b, e.instanceId, e.at, t, opts) : undefined;
    for (let attempt = 0; ; attempt++) {
      const summary = await sweepNow(deps, stopBy, entry, change);
      if (summary.busy === 0) {
        if (change && summary.claimed === 0) await markEnded(deps, batchId, change);
        const b = await deps.store.getBatch(batchId);
        return { action: 'looked', batchId, status: b?.status };
      }
      if (attempt >= BUSY_RETRIES || deps.clock.now() + BUSY_RETRY_MS >= stopBy) return { action: 'busy', batchId };
      await deps.sleep(BUSY_RETRY_MS);
    }
  } catch (err) {
    // Let a redelivery (EventBridge retries a failed invocation) handle it again.
    await deps.events.forgetDelivery(e.key).catch(() => undefined);
    throw err;
  }
}

/** An ended batch owes nothing, so no sweep takes it: record the interruption on it directly. */
async function markEnded(deps: EventDeps, batchId: string, change: (b: Batch, now: number) => Batch): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const b = await deps.store.getBatch(batchId);
    if (!b || !isTerminal(b.status)) return;
    const next = change(b, deps.clock.now());
    if (next === b) return;
    try {
      await deps.store.saveBatch(next);
      return;
    } catch (err) {
      if (!(err instanceof VersionConflict)) throw err;
    }
  }
}
