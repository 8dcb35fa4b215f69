import { isTerminal, type Batch, type TerminalStatus } from './batch';
import type { Deps } from './ports';
import { RELEASE_RETRY_MS, releaseNow } from './release';

export type CancelOutcome =
  /** `already`: it was CANCELLED before this call, which changed nothing. */
  | { kind: 'cancelled'; batch: Batch; already: boolean }
  | { kind: 'ended'; status: Exclude<TerminalStatus, 'CANCELLED'> }
  | { kind: 'submitting' };

/**
 * Cancel a batch the caller owns, for the HTTP API and chat alike: stop tracking it and, with `release`,
 * delete its instances (the sweeper retries a release that fails here). A batch cancelled without
 * release can be cancelled again with release: that does the release.
 */
export async function cancelBatch(deps: Deps, batch: Batch, release: boolean, requestId: string): Promise<CancelOutcome> {
  if (batch.status === 'CANCELLED') {
    if (!release || batch.cancel?.release) return { kind: 'cancelled', batch, already: true };
    // It was cancelled without release and now the caller wants the instances gone: answering 200 and
    // releasing nothing left them running with nobody watching (issue 12, item 13).
    const now = deps.clock.now();
    const from = batch.dueAt;
    batch = await deps.store.saveBatch({ ...batch, updatedAt: now, dueAt: now + RELEASE_RETRY_MS, cancel: { requestedAt: batch.cancel?.requestedAt ?? now, release: true } });
    await deps.store.moveDue(batch.id, from, batch.dueAt);
    deps.log.info('cancelled batch: release requested', { requestId, batchId: batch.id });
    return { kind: 'cancelled', batch: await releaseNow(deps, batch), already: false };
  }
  if (isTerminal(batch.status)) return { kind: 'ended', status: batch.status };
  // Cancelling mid-submission could strand instances a RunInstances call is creating right now.
  if (batch.status === 'SUBMITTING') return { kind: 'submitting' };
  const now = deps.clock.now();
  const from = batch.dueAt;
  // Conditional on version: a sweeper acting on this batch right now loses its write and stops.
  // With release, the sweeper looks again shortly in case the release below does not finish.
  batch = await deps.store.saveBatch({ ...batch, status: 'CANCELLED', endedAt: now, updatedAt: now, dueAt: release ? now + RELEASE_RETRY_MS : now, lease: undefined, cancel: { requestedAt: now, release } });
  await deps.store.moveDue(batch.id, from, batch.dueAt);
  if (release) batch = await releaseNow(deps, batch);
  deps.log.info('batch cancelled', { requestId, batchId: batch.id, release });
  return { kind: 'cancelled', batch, already: false };
}
