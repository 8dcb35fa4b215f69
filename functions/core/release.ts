import { GONE_STATES, markReleased, type Batch } from './batch';
import { EcsError, VersionConflict } from './errors';
import type { Deps, EcsPort } from './ports';

/** How long after a release request the sweeper looks, in case the inline attempt does not finish it. */
export const RELEASE_RETRY_MS = 30_000;

/** Whether the batch owes a release: cancelled with release, or released after it ended. */
export const needsRelease = (b: Batch) =>
  (b.status === 'CANCELLED' && b.cancel?.release === true && b.cancel.released !== true) || (b.release !== undefined && b.release.releasedAt === undefined);

/**
 * Delete every instance of the batch that may still exist, and record each one's fate: `Released` if we
 * deleted it, `Lost` if ECS no longer knew it. Safe to repeat: a second run finds nothing left to delete.
 * Throws (and records nothing) when ECS fails; the caller's retry starts over.
 */
export async function deleteInstancesOf(ecs: EcsPort, batch: Batch): Promise<Batch> {
  const region = batch.spec.region;
  const ids = batch.instances.filter((i) => !GONE_STATES.has(i.state)).map((i) => i.instanceId);
  let gone = new Set<string>();
  if (ids.length > 0) {
    try {
      await ecs.deleteInstances(region, ids);
    } catch (e) {
      if (!(e instanceof EcsError && e.kind === 'notFound')) throw e;
      // DeleteInstances is all or nothing, and one id ECS no longer knows (vanished, reclaimed,
      // auto-released, or deleted by an earlier attempt whose answer was lost) refuses the whole call.
      // Delete the ones ECS still knows; the others are gone already.
      const known = new Set((await ecs.describeInstances(region, ids)).keys());
      gone = new Set(ids.filter((id) => !known.has(id)));
      if (known.size > 0) await ecs.deleteInstances(region, [...known]);
    }
  }
  const deleted = new Set(ids);
  return {
    ...batch,
    instances: batch.instances.map((i) => (deleted.has(i.instanceId) ? { ...i, state: gone.has(i.instanceId) ? 'Lost' : 'Released' } : i)),
  };
}

/**
 * ECS refuses to delete an instance that is still starting (`IncorrectInstanceStatus`, and
 * `IncorrectInstanceStatus.Initializing` for a forced delete): expected when a batch is released right
 * after it was created, and retried a little later, so not an error.
 */
export const stillStarting = (e: unknown): boolean => e instanceof EcsError && /^IncorrectInstanceStatus\b/.test(e.code);

/**
 * Try the release now, for the caller who asked; when ECS fails here the sweeper finishes it (the caller
 * made the batch due in RELEASE_RETRY_MS, so the two do not race to delete the same instances). A sweeper that got there first wins the conditional write: then its result is
 * the answer.
 */
export async function releaseNow(deps: Deps, batch: Batch): Promise<Batch> {
  try {
    const done = await deleteInstancesOf(deps.ecs, batch);
    const now = deps.clock.now();
    // Done: due now, so a callback or chat reply the batch owes goes out at once rather than at the retry.
    const saved = await deps.store.saveBatch({ ...markReleased(done, now), dueAt: Math.min(batch.dueAt, now) });
    if (saved.dueAt !== batch.dueAt) await deps.store.moveDue(saved.id, batch.dueAt, saved.dueAt);
    return saved;
  } catch (e) {
    if (e instanceof VersionConflict) return (await deps.store.getBatch(batch.id)) ?? batch;
    if (stillStarting(e)) deps.log.info('release waits for instances still starting; the sweeper retries', { batchId: batch.id, code: (e as EcsError).code });
    else deps.log.warn('release failed; the sweeper will retry', { batchId: batch.id, error: e });
    return batch;
  }
}
