import { StoreError } from '../../core/errors';
import type { DueEntry, EventStore } from '../../core/ports';
import { condition, long, readRow, toNumber, type Tablestore } from '../tablestore';
import { shardOf } from './queue';

/**
 * The Tablestore side of ECS events. Two tables (created by `setupTables`):
 *   instances  [instanceId]  batchId              the instance -> batch index, one row per instance we created
 *   events     [key]         at                   event keys (source + id) seen, kept a day by the table's TTL;
 *                                                 `#region:<id>` rows say when events from a region last came
 * and "look now" entries in the due-queue (a row with a `nudge` column), which the sweeper treats as due now.
 */
export interface EventTables {
  instances: string;
  events: string;
  queue: string;
}

/** How long an event key is remembered: EventBridge redelivers within its retry window, well inside this. */
export const EVENT_KEY_TTL_SECONDS = 86_400;
const REGION_KEY = (region: string) => `#region:${region}`;

/** The instance -> batch index rows, written before the batch records the ids (see BatchStore.indexInstances). */
export async function indexInstances(ts: Tablestore, table: string, batchId: string, instanceIds: readonly string[]): Promise<void> {
  const row = (instanceId: string) => ({ type: 'PUT', condition: condition('IGNORE'), primaryKey: [{ instanceId }], attributeColumns: [{ batchId }], returnContent: { returnType: 0 } });
  for (let i = 0; i < instanceIds.length; i += 200) {
    const slice = instanceIds.slice(i, i + 200);
    const res = await ts.call<{ tables?: unknown }>('batchWriteRow', { tables: [{ tableName: table, rows: slice.map(row) }] });
    // Rows fail one by one inside a successful BatchWriteRow: put each failed one again on its own.
    const results = [res.tables].flat(2) as Array<{ isOk?: boolean } | undefined>;
    const failed = slice.filter((_, k) => results[k]?.isOk !== true);
    for (const instanceId of failed) {
      await ts.call('putRow', { tableName: table, condition: condition('IGNORE'), primaryKey: [{ instanceId }], attributeColumns: [{ batchId }] });
    }
  }
}

export function tablestoreEventStore(ts: Tablestore, names: EventTables, everyMs = 30_000): EventStore {
  const noted = new Map<string, number>();
  return {
    async batchOf(instanceId) {
      const res = await ts.call<{ row?: unknown }>('getRow', { tableName: names.instances, primaryKey: [{ instanceId }], maxVersions: 1 });
      const row = readRow(res.row);
      return typeof row?.columns.batchId === 'string' ? row.columns.batchId : undefined;
    },

    async firstDelivery(key, now) {
      try {
        await ts.call('putRow', { tableName: names.events, condition: condition('EXPECT_NOT_EXIST'), primaryKey: [{ key }], attributeColumns: [{ at: long(now) }] });
        return true;
      } catch (e) {
        // A lost answer to our own put also lands here: the event is then dropped as a repeat and the
        // sweeper's timer looks at the batch anyway. Events are best effort; polling is the net.
        if (e instanceof StoreError && e.kind === 'conflict') return false;
        throw e;
      }
    },

    async forgetDelivery(key) {
      await ts.call('deleteRow', { tableName: names.events, condition: condition('IGNORE'), primaryKey: [{ key }] });
    },

    async nudge(batchId, at) {
      const entry: DueEntry = { shard: shardOf(batchId), dueAt: Math.floor(at), batchId, nudge: true };
      await ts.call('putRow', {
        tableName: names.queue,
        condition: condition('IGNORE'),
        primaryKey: [{ shard: long(entry.shard) }, { dueAt: long(entry.dueAt) }, { batchId }],
        attributeColumns: [{ v: long(1) }, { nudge: long(1) }],
      });
      return entry;
    },

    async noteEvents(region, now) {
      if (now - (noted.get(region) ?? -Infinity) < everyMs) return;
      noted.set(region, now);
      await ts.call('putRow', { tableName: names.events, condition: condition('IGNORE'), primaryKey: [{ key: REGION_KEY(region) }], attributeColumns: [{ at: long(now) }] });
    },

    async lastEventAt(region) {
      const res = await ts.call<{ row?: unknown }>('getRow', { tableName: names.events, primaryKey: [{ key: REGION_KEY(region) }], maxVersions: 1 });
      const at = toNumber(readRow(res.row)?.columns.at);
      return Number.isFinite(at) ? at : undefined;
    },
  };
}
