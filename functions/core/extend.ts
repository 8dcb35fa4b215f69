import { GONE_STATES, type Batch } from './batch';
import { EcsError, VersionConflict } from './errors';
import type { Deps } from './ports';

export type ExtendOutcome =
  | { kind: 'extended'; batch: Batch; failed: Array<{ instanceId: string; code: string }> }
  /** ECS refused the time or the billing method: nothing was changed. */
  | { kind: 'refused'; error: EcsError }
  | { kind: 'submitting' }
  | { kind: 'noInstances' };

/**
 * Move the automatic release time of a batch's instances (ECS ModifyInstanceAutoReleaseTime, one call per
 * instance) and record it on the batch, so replacement chunks launched later get it too. Idempotent: the
 * same time twice is the same state, so a caller who got 503 repeats the request. Instances ECS no longer
 * knows are recorded Lost.
 */
export async function extendBatch(deps: Deps, batch: Batch, releaseAt: number, requestId: string): Promise<ExtendOutcome> {
  // Mid-submission a RunInstances in flight would still carry the old time.
  if (batch.status === 'SUBMITTING') return { kind: 'submitting' };
  const ids = batch.instances.filter((i) => !GONE_STATES.has(i.state)).map((i) => i.instanceId);
  if (ids.length === 0) return { kind: 'noInstances' };
  let results;
  try {
    results = await deps.ecs.setAutoReleaseTime(batch.spec.region, ids, releaseAt);
  } catch (e) {
    if (e instanceof EcsError && e.kind === 'rejected') return { kind: 'refused', error: e };
    throw e;
  }
  const gone = new Set(results.filter((r) => r.gone).map((r) => r.instanceId));
  const failed = results.filter((r) => !r.ok && !r.gone).map((r) => ({ instanceId: r.instanceId, code: r.code ?? 'Unknown' }));
  // A sweeper may write the batch meanwhile: re-read and apply again (the ECS side is already done).
  for (let attempt = 0; ; attempt++) {
    const now = deps.clock.now();
    try {
      const saved = await deps.store.saveBatch({
        ...batch,
        releaseAt,
        updatedAt: now,
        instances: batch.instances.map((i) => (gone.has(i.instanceId) && !GONE_STATES.has(i.state) ? { ...i, state: 'Lost' } : i)),
      });
      deps.log.info('release time moved', { requestId, batchId: batch.id, instances: ids.length - gone.size - failed.length, failed: failed.length });
      return { kind: 'extended', batch: saved, failed };
    } catch (e) {
      if (!(e instanceof VersionConflict) || attempt >= 4) throw e;
      batch = (await deps.store.getBatch(batch.id)) ?? batch;
    }
  }
}
