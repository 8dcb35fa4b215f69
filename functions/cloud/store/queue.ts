import type { DueEntry } from '../../core/ports';
import { condition, long, toNumber, TS, type Tablestore } from '../tablestore';
import { rangePages } from './range';

/** Due-queue shards: the sweeper range-reads each; a random batch id spreads batches evenly. */
export const QUEUE_SHARDS = 8;

export function shardOf(batchId: string): number {
  let h = 0;
  for (let i = 0; i < batchId.length; i++) h = (Math.imul(h, 31) + batchId.charCodeAt(i)) >>> 0;
  return h % QUEUE_SHARDS;
}

/** Queue rows carry no state: writing one twice, or deleting one that is gone, is the same as once. */
const unconditionally = () => condition('IGNORE');

/** The due-queue: one row per batch that needs a look at `dueAt`. */
export function dueQueue(ts: Tablestore, table: string) {
  return {
    /** Entries with dueAt <= now across shards, earliest first. */
    async dueEntries(now: number, limit: number): Promise<DueEntry[]> {
      const perShard = await Promise.all(
        Array.from({ length: QUEUE_SHARDS }, async (_, shard) => {
          const rows: DueEntry[] = [];
          const pages = rangePages(ts, {
            tableName: table,
            start: [{ shard: long(shard) }, { dueAt: TS.INF_MIN }, { batchId: TS.INF_MIN }],
            end: [{ shard: long(shard) }, { dueAt: long(now + 1) }, { batchId: TS.INF_MIN }],
            pageLimit: () => Math.min(limit, 1000),
          });
          for await (const page of pages) {
            // A `nudge` column marks an ECS event's "look now" entry (events.ts).
            for (const r of page.rows) rows.push({ shard, dueAt: toNumber(r.primaryKey.dueAt), batchId: String(r.primaryKey.batchId), ...(r.columns.nudge !== undefined ? { nudge: true } : {}) });
            if (rows.length >= limit) break;
          }
          return rows;
        }),
      );
      return perShard
        .flat()
        .sort((a, b) => a.dueAt - b.dueAt)
        .slice(0, limit);
    },

    async moveDue(batchId: string, fromAt: number | undefined, toAt: number | undefined): Promise<void> {
      // The queue key is an INTEGER: compare what will be stored, or a fractional time would make
      // "put the new entry, delete the old one" delete the entry it just put.
      const from = fromAt === undefined ? undefined : Math.floor(fromAt);
      const to = toAt === undefined ? undefined : Math.floor(toAt);
      const shard = shardOf(batchId);
      // Put the new entry before deleting the old one: a crash in between leaves two entries (the stale
      // one is dropped when read), never none.
      if (to !== undefined) {
        await ts.call('putRow', { tableName: table, condition: unconditionally(), primaryKey: [{ shard: long(shard) }, { dueAt: long(to) }, { batchId }], attributeColumns: [{ v: long(1) }] });
      }
      if (from !== undefined && from !== to) {
        await ts.call('deleteRow', { tableName: table, condition: unconditionally(), primaryKey: [{ shard: long(shard) }, { dueAt: long(from) }, { batchId }] });
      }
    },
  };
}
