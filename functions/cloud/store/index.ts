import type { BatchStore } from '../../core/ports';
import type { Tablestore } from '../tablestore';
import { batchRows } from './batches';
import { leases } from './leases';
import { ownerIndex } from './listing';
import { indexInstances } from './events';
import { dueQueue } from './queue';
import type { TableNames } from './tables';
import { allowance } from './usage';

export { QUEUE_SHARDS, shardOf } from './queue';
export { setupTables, tableNames, type TableNames } from './tables';
export { tablestoreEventStore } from './events';

/**
 * The BatchStore port on Tablestore, one module per concern (tables.ts lists the tables): batch rows,
 * the due-queue, the owner index, the daily allowance and named leases.
 */
export function tablestoreBatchStore(ts: Tablestore, names: TableNames): BatchStore {
  const batches = batchRows(ts, names.batches);
  const queue = dueQueue(ts, names.queue);
  const index = ownerIndex(ts, names.index, batches.readMany);
  const usage = allowance(ts, names.usage);
  const named = leases(ts, names.usage);
  return {
    async createBatch(batch) {
      // 1. queue row first: from here on the sweeper will find this batch even if we crash.
      await queue.moveDue(batch.id, undefined, batch.dueAt);
      // 2. the batch row, only if no batch with this id exists (the idempotency race is decided here).
      const existing = await batches.insert(batch);
      if (existing) {
        if (existing.dueAt !== batch.dueAt) await queue.moveDue(batch.id, batch.dueAt, undefined);
        await index.put(existing); // repairs a listing entry lost to an earlier crash
        return { created: false, existing };
      }
      // 3. the owner's listing entry; a crash before it is repaired by a repeat of the request.
      await index.put(batch);
      return { created: true, batch };
    },
    getBatch: async (id) => (await batches.read(id))?.batch,
    // Optimistic concurrency: what keeps two sweepers (or a sweeper and a cancel) from overwriting each other.
    saveBatch: batches.save,
    listBatches: index.list,
    dueEntries: queue.dueEntries,
    moveDue: queue.moveDue,
    reserveDaily: usage.reserveDaily,
    tryLease: named.tryLease,
    dropLease: named.dropLease,
    indexInstances: (batchId, instanceIds) => indexInstances(ts, names.instances, batchId, instanceIds),
  };
}
