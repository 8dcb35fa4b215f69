import { StoreError } from '../../core/errors';
import type { Tablestore } from '../tablestore';
import { EVENT_KEY_TTL_SECONDS } from './events';

/**
 * The four tables of the BatchStore:
 *   batches      [id]                       version, status, owner, writeId, doc (the batch as JSON)  batches.ts
 *   queue        [shard, dueAt, batchId]    one row per batch that needs a look at dueAt             queue.ts
 *   owner_index  [owner, rank, batchId]     rank = MAX - createdAt, so a forward range is newest first listing.ts
 *   usage        [owner, key]               m:<bucket> counters n + c_<batch> columns (rolling 24 h  usage.ts
 *                                           allowance), and named leases under owner '#leases'        leases.ts
 * and two for ECS events:
 *   instances    [instanceId]               batchId: the instance -> batch index                     events.ts
 *   events       [key]                      event keys seen (a day, by the table's TTL), '#region:' rows events.ts
 */
export interface TableNames {
  batches: string;
  queue: string;
  index: string;
  usage: string;
  instances: string;
  events: string;
}

export function tableNames(prefix: string): TableNames {
  return { batches: `${prefix}batches`, queue: `${prefix}queue`, index: `${prefix}owner_index`, usage: `${prefix}usage`, instances: `${prefix}instances`, events: `${prefix}events` };
}

/** Create the tables if missing. Safe to run again; works against the real service and the emulator. */
export async function setupTables(ts: Tablestore, names: TableNames): Promise<string[]> {
  const specs: Array<[string, Array<{ name: string; type: 'STRING' | 'INTEGER' }>, number?]> = [
    [names.batches, [{ name: 'id', type: 'STRING' }]],
    [names.queue, [{ name: 'shard', type: 'INTEGER' }, { name: 'dueAt', type: 'INTEGER' }, { name: 'batchId', type: 'STRING' }]],
    [names.index, [{ name: 'owner', type: 'STRING' }, { name: 'rank', type: 'INTEGER' }, { name: 'batchId', type: 'STRING' }]],
    [names.usage, [{ name: 'owner', type: 'STRING' }, { name: 'key', type: 'STRING' }]],
    [names.instances, [{ name: 'instanceId', type: 'STRING' }]],
    // Event keys only need to outlive EventBridge's redeliveries: the table's TTL drops them after a day.
    [names.events, [{ name: 'key', type: 'STRING' }], EVENT_KEY_TTL_SECONDS],
  ];
  const created: string[] = [];
  for (const [tableName, primaryKey, ttl] of specs) {
    try {
      await ts.call('createTable', {
        tableMeta: { tableName, primaryKey },
        reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
        tableOptions: { timeToLive: ttl ?? -1, maxVersions: 1 },
      });
      created.push(tableName);
    } catch (e) {
      if (e instanceof StoreError && e.kind === 'exists') continue;
      throw e;
    }
  }
  return created;
}
