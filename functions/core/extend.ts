import { GONE_STATES, type Batch } from './batch';
import { EcsError, VersionConflict } from './errors';
import type { Deps } from './ports';

export type ExtendOutcome =
  /** `failed`: instances ECS refused, or no longer knows (`gone`). */
  | { kind: 'extended'; batch: Batch; failed: Array<{ instanceId: string; code: string; gone?: boolean }> }
  /** ECS refused the time or the billing method: nothing was changed. */
  | { kind: 'refused'; error: EcsError }
  | { kind: 'submitting' }
  | { kind: 'noInstances' };

/**
 * Move the automatic release time of a batch's instances (ECS ModifyInstanceAutoReleaseTime, one call per
 * instance) and record it on the batch, so replacement chunks launched later get it too. Idempotent: the
 * same time twice is the same state, so a caller who got 503 repeats the request. Instances ECS no longer
 * knows are reported, not recorded: the sweeper's looks decide Lost (with their grace for a Describe that
 * lags creation), and an ended batch's outcome stays what it was when it ended.
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
  const failed = results.filter((r) => !r.ok).map((r) => ({ instanceId: r.instanceId, code: r.code ?? 'Unknown', ...(r.gone ? { gone: true } : {}) }));
  // A sweeper may write the batch meanwhile: re-read and apply again (the ECS side is already done).
  for (let attempt = 0; ; attempt++) {
    const now = deps.clock.now();
    try {
      const saved = await deps.store.saveBatch({ ...batch, releaseAt, updatedAt: now });
      deps.log.info('release time moved', { requestId, batchId: batch.id, instances: ids.length - failed.length, failed: failed.length });
      return { kind: 'extended', batch: saved, failed };
    } catch (e) {
      if (!(e instanceof VersionConflict) || attempt >= 4) throw e;
      batch = (await deps.store.getBatch(batch.id)) ?? batch;
    }
  }
}
