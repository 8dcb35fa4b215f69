import { GONE_STATES, isTerminal, type Batch } from './batch';
import { cancelBatch } from './cancel';
import type { Deps } from './ports';
import { needsRelease, RELEASE_RETRY_MS, releaseNow } from './release';

export type ReleaseOutcome = { kind: 'releasing'; batch: Batch } | { kind: 'submitting' };

/**
 * Release a batch's instances, whatever its status: an ended batch (RUNNING, PARTIAL, TIMED_OUT, FAILED,
 * CANCELLED without release) keeps its status and gets a `release`; a batch still PENDING is cancelled
 * with release. Idempotent: repeating it changes nothing once every instance is Released or Lost.
 */
export async function releaseBatch(deps: Deps, batch: Batch, by: string, requestId: string): Promise<ReleaseOutcome> {
  if (batch.status === 'SUBMITTING') return { kind: 'submitting' };
  if (!isTerminal(batch.status)) {
    const outcome = await cancelBatch(deps, batch, true, requestId);
    return outcome.kind === 'cancelled' ? { kind: 'releasing', batch: outcome.batch } : { kind: 'submitting' };
  }
  if (batch.status === 'CANCELLED' && batch.cancel && !batch.cancel.release) {
    const outcome = await cancelBatch(deps, batch, true, requestId);
    if (outcome.kind === 'cancelled') return { kind: 'releasing', batch: outcome.batch };
  }
  if (needsRelease(batch)) {
    // Asked again while one is under way: make sure the sweeper will look (a crash may have cost the
    // queue entry), and try once more.
    await deps.store.moveDue(batch.id, undefined, batch.dueAt);
    return { kind: 'releasing', batch: await releaseNow(deps, batch) };
  }
  if (!batch.instances.some((i) => !GONE_STATES.has(i.state))) return { kind: 'releasing', batch };
  const now = deps.clock.now();
  const from = batch.dueAt;
  // Recorded before any deletion, and due for the sweeper: if this call dies here, the release still happens.
  batch = await deps.store.saveBatch({ ...batch, release: { requestedAt: now, by }, dueAt: now + RELEASE_RETRY_MS, updatedAt: now });
  await deps.store.moveDue(batch.id, from, batch.dueAt);
  deps.log.info('batch release requested', { requestId, batchId: batch.id, status: batch.status });
  return { kind: 'releasing', batch: await releaseNow(deps, batch) };
}
