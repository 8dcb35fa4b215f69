import { clientToken, type Batch, type Chunk, type EcsFailure, type InstanceRecord } from './batch';
import { EcsError } from './errors';
import type { Deps, EcsPort, RunCall } from './ports';

/**
 * Submit every chunk that has not been submitted yet, persisting before and after each RunInstances.
 *
 * Timeline of one chunk:
 *   1. the chunk's (offering, attempt, ClientToken) is already stored;
 *   2. RunInstances(ClientToken): a crash here is recovered by calling again with the same token, which
 *      returns the same ids and creates nothing new;
 *   3. the ids go into the instance -> batch index (for ECS events), then into the batch (conditional on version).
 * On a capacity error the next offering gets a NEW token, stored before it is used, because ECS refuses a
 * known token with different parameters.
 *
 * Used by the api (first attempt) and by the sweeper (re-drive of a SUBMITTING batch). Returns the batch
 * as stored: SUBMITTING if a transient error stopped it, else PENDING or FAILED.
 */
export async function driveSubmission(deps: Pick<Deps, 'ecs' | 'store' | 'clock' | 'log'>, batch: Batch): Promise<Batch> {
  for (let index = 0; index < batch.chunks.length; index++) {
    while (batch.chunks[index].state === 'pending') {
      // Always the chunk as last stored: a capacity error moves it to another offering and token.
      const chunk = batch.chunks[index];
      try {
        const ids = await deps.ecs.runInstances(runCall(batch, chunk));
        // The instance -> batch index first: an ECS event for one of these ids must never find no batch.
        await deps.store.indexInstances(batch.id, ids);
        batch = await deps.store.saveBatch(recordIds(batch, chunk.index, ids, deps.clock.now()));
        break;
      } catch (e) {
        if (!(e instanceof EcsError)) throw e;
        const now = deps.clock.now();
        if (e.transient) {
          deps.log.warn('submission interrupted, the sweeper will re-drive it', { batchId: batch.id, chunk: chunk.index, code: e.code });
          return batch;
        }
        if (e.kind === 'capacity') {
          batch = await deps.store.saveBatch(nextOffering(batch, chunk.index, failure(e), now));
          continue;
        }
        // A definitive refusal would refuse every later chunk too: stop here.
        batch = await deps.store.saveBatch(failRemaining(batch, failure(e), now));
      }
    }
  }
  return deps.store.saveBatch(settleSubmission(batch, deps.clock.now()));
}

export function runCall(batch: Batch, chunk: Chunk): RunCall {
  return {
    batchId: batch.id,
    spec: batch.spec,
    offering: batch.offerings[chunk.offering],
    amount: chunk.amount,
    clientToken: chunk.clientToken,
    namePattern: batch.namePattern,
    tags: batch.tags,
    releaseAt: batch.releaseAt,
  };
}

function failure(e: EcsError): EcsFailure {
  return { code: e.code, message: e.message, ...(e.requestId ? { requestId: e.requestId } : {}) };
}

function update(batch: Batch, now: number, f: (b: Batch) => void): Batch {
  const next: Batch = structuredClone(batch);
  f(next);
  next.updatedAt = now;
  return next;
}

export function recordIds(batch: Batch, chunkIndex: number, ids: string[], now: number): Batch {
  return update(batch, now, (b) => {
    const chunk = b.chunks[chunkIndex];
    chunk.state = 'submitted';
    chunk.instanceIds = ids;
    delete chunk.error;
    const known = new Set(b.instances.map((i) => i.instanceId));
    const offering = b.offerings[chunk.offering];
    for (const instanceId of ids) {
      if (known.has(instanceId)) continue;
      const record: InstanceRecord = { instanceId, chunk: chunkIndex, state: 'Pending', zoneId: offering.zoneId, instanceType: offering.instanceType, createdAt: now };
      b.instances.push(record);
    }
  });
}

/**
 * Record that the chunk's offering has no capacity and move it to the next offering nobody has seen fail
 * (capacity errors are remembered per batch, so later chunks skip a known-empty offering).
 */
export function nextOffering(batch: Batch, chunkIndex: number, error: EcsFailure, now: number): Batch {
  return update(batch, now, (b) => {
    const chunk = b.chunks[chunkIndex];
    if (!b.failedOfferings.some((f) => f.offering === chunk.offering)) {
      b.failedOfferings.push({ offering: chunk.offering, code: error.code, at: now });
    }
    const failed = new Set(b.failedOfferings.map((f) => f.offering));
    const next = b.offerings.findIndex((_, i) => !failed.has(i));
    if (next < 0) {
      chunk.state = 'failed';
      chunk.error = error;
      return;
    }
    chunk.offering = next;
    chunk.attempt += 1;
    chunk.clientToken = clientToken(b.id, chunk.index, chunk.attempt);
  });
}

function failRemaining(batch: Batch, error: EcsFailure, now: number): Batch {
  return update(batch, now, (b) => {
    for (const c of b.chunks) {
      if (c.state !== 'pending') continue;
      c.state = 'failed';
      c.error = error;
    }
  });
}

/**
 * After the last chunk: PENDING if any instance exists to track (failed chunks stay recorded and the batch
 * can at best end PARTIAL), FAILED with the first ECS error if nothing was created.
 */
export function settleSubmission(batch: Batch, now: number): Batch {
  if (batch.status !== 'SUBMITTING' || batch.chunks.some((c) => c.state === 'pending')) return batch;
  return update(batch, now, (b) => {
    const firstError = b.chunks.find((c) => c.error)?.error;
    if (firstError) b.error = firstError;
    if (b.instances.length > 0) {
      b.status = 'PENDING';
    } else {
      b.status = 'FAILED';
      b.endedAt = now;
    }
  });
}

/** DryRun each offering in order; the first that passes answers "it would work". */
export async function dryRun(
  ecs: EcsPort,
  batch: Batch,
): Promise<{ wouldSucceed: true; offering: number } | { wouldSucceed: false; error: EcsFailure; capacityFailures: EcsFailure[] }> {
  const capacityFailures: EcsFailure[] = [];
  const amount = batch.chunks[0]?.amount ?? 1;
  for (let i = 0; i < batch.offerings.length; i++) {
    const call = runCall(batch, { ...batch.chunks[0], offering: i, amount });
    try {
      await ecs.dryRunInstances(call);
      return { wouldSucceed: true, offering: i };
    } catch (e) {
      if (!(e instanceof EcsError)) throw e;
      if (e.kind === 'capacity') {
        capacityFailures.push(failure(e));
        continue;
      }
      return { wouldSucceed: false, error: failure(e), capacityFailures };
    }
  }
  return { wouldSucceed: false, error: capacityFailures[capacityFailures.length - 1], capacityFailures };
}
