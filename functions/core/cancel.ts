import { isTerminal, markReleased, type Batch, type TerminalStatus } from './batch';
import type { Deps } from './ports';

export type CancelOutcome =
  /** `already`: it was CANCELLED before this call, which changed nothing. */
  | { kind: 'cancelled'; batch: Batch; already: boolean }
  | { kind: 'ended'; status: Exclude<TerminalStatus, 'CANCELLED'> }
  | { kind: 'submitting' };

/**
 * Cancel a batch the caller owns, for the HTTP API and chat alike: stop tracking it and, with `release`,
 * delete its instances (the sweeper retries a release that fails here).
 */
export async function cancelBatch(deps: Deps, batch: Batch, release: boolean, requestId: string): Promise<CancelOutcome> {
  if (batch.status === 'CANCELLED') return { kind: 'cancelled', batch, already: true };
  if (isTerminal(batch.status)) return { kind: 'ended', status: batch.status };
  // Cancelling mid-submission could strand instances a RunInstances call is creating right now.
  if (batch.status === 'SUBMITTING') return { kind: 'submitting' };
  const now = deps.clock.now();
  const from = batch.dueAt;
  // Conditional on version: a sweeper acting on this batch right now loses its write and stops.
  batch = await deps.store.saveBatch({ ...batch, status: 'CANCELLED', endedAt: now, updatedAt: now, dueAt: now, lease: undefined, cancel: { requestedAt: now, release } });
  await deps.store.moveDue(batch.id, from, batch.dueAt);
  if (release) {
    const ids = batch.instances.filter((i) => i.state !== 'Lost').map((i) => i.instanceId);
    try {
      await deps.ecs.deleteInstances(batch.spec.region, ids);
      batch = await deps.store.saveBatch(markReleased(batch, deps.clock.now()));
    } catch (e) {
      // The sweeper retries the release of a cancelled batch until it succeeds.
      deps.log.warn('release failed; the sweeper will retry', { batchId: batch.id, error: e });
    }
  }
  deps.log.info('batch cancelled', { requestId, batchId: batch.id, release });
  return { kind: 'cancelled', batch, already: false };
}
