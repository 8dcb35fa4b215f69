import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Batch } from '../core/batch';
import { InvalidCursor, StoreError, VersionConflict } from '../core/errors';
import type { BatchStore, DueEntry, ListQuery } from '../core/ports';
import { columnAbsent, columnEquals, condition, long, readRow, toNumber, TS, type Tablestore } from './tablestore';

export interface TableNames {
  batches: string;
  queue: string;
  index: string;
  usage: string;
}

export function tableNames(prefix: string): TableNames {
  return { batches: `${prefix}batches`, queue: `${prefix}queue`, index: `${prefix}owner_index`, usage: `${prefix}usage` };
}

/** Due-queue shards: the sweeper range-reads each; a random batch id spreads batches evenly. */
export const QUEUE_SHARDS = 8;
const DAY_MS = 86_400_000;
/**
 * Every batch is listed twice in owner_index: under its owner and under this pseudo-owner, which is what an
 * admin's unfiltered list reads (newest first across owners). No owner contains '#'. One partition takes
 * every batch's listing write: at one row per batch that is far below a partition's write capacity.
 */
const EVERY_OWNER = '#all';
/** Named leases live in the usage table under this pseudo-owner (token names cannot contain '#'). */
const LEASES = '#leases';
/** The daily allowance is counted in 10-minute buckets. */
const BUCKET_MS = 600_000;

export function shardOf(batchId: string): number {
  let h = 0;
  for (let i = 0; i < batchId.length; i++) h = (Math.imul(h, 31) + batchId.charCodeAt(i)) >>> 0;
  return h % QUEUE_SHARDS;
}

const newWriteId = () => randomBytes(8).toString('hex');

/**
 * BatchStore on Tablestore. Four tables:
 *   batches      [id]                       version, status, owner, writeId, doc (the batch as JSON)
 *   queue        [shard, dueAt, batchId]    one row per batch that needs a look at dueAt
 *   owner_index  [owner, rank, batchId]     rank = MAX - createdAt, so a forward range is newest first
 *   usage        [owner, key]               m:<bucket> counters n + c_<batch> columns (rolling 24 h allowance),
 *                                           and named leases under owner '#leases'
 */
export function tablestoreBatchStore(ts: Tablestore, names: TableNames): BatchStore {
  async function readBatchRow(id: string): Promise<{ batch: Batch; writeId?: string } | undefined> {
    const res = await ts.call<{ row?: unknown }>('getRow', { tableName: names.batches, primaryKey: [{ id }], maxVersions: 1 });
    const row = readRow(res.row);
    if (!row) return undefined;
    const doc = row.columns.doc;
    if (typeof doc !== 'string') throw new StoreError('invalid', 'CorruptRow', `batch ${id} has no document`);
    const batch = JSON.parse(doc) as Batch;
    batch.version = toNumber(row.columns.version);
    return { batch, writeId: typeof row.columns.writeId === 'string' ? row.columns.writeId : undefined };
  }

  function columnsOf(batch: Batch, writeId: string) {
    const { version, ...rest } = batch;
    return [
      { version: long(version) },
      { status: batch.status },
      { owner: batch.owner },
      { writeId },
      { doc: JSON.stringify(rest) },
    ];
  }

  async function putIndex(batch: Batch): Promise<void> {
    for (const owner of [batch.owner, EVERY_OWNER]) {
      await ts.call('putRow', {
        tableName: names.index,
        condition: condition('IGNORE'),
        primaryKey: [{ owner }, { rank: long(Number.MAX_SAFE_INTEGER - batch.createdAt) }, { batchId: batch.id }],
        attributeColumns: [{ amount: long(batch.amount) }],
      });
    }
  }

  const store: BatchStore = {
    async createBatch(batch) {
      // 1. queue row first: from here on the sweeper will find this batch even if we crash.
      await store.moveDue(batch.id, undefined, batch.dueAt);
      // 2. the batch row, only if no batch with this id exists (the idempotency race is decided here).
      const writeId = newWriteId();
      try {
        await ts.call('putRow', {
          tableName: names.batches,
          condition: condition('EXPECT_NOT_EXIST'),
          primaryKey: [{ id: batch.id }],
          attributeColumns: columnsOf(batch, writeId),
        });
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        const existing = await readBatchRow(batch.id);
        if (!existing) throw e;
        if (existing.writeId !== writeId) {
          if (existing.batch.dueAt !== batch.dueAt) await store.moveDue(batch.id, batch.dueAt, undefined);
          await putIndex(existing.batch); // repairs a listing entry lost to an earlier crash
          return { created: false, existing: existing.batch };
        }
        // Our own first attempt was applied and its answer lost.
      }
      // 3. the owner's listing entry; a crash before it is repaired by a repeat of the request.
      await putIndex(batch);
      return { created: true, batch };
    },

    async getBatch(id) {
      return (await readBatchRow(id))?.batch;
    },

    async saveBatch(batch) {
      // Optimistic concurrency: the write applies only if nobody changed the batch since we read version v.
      // This is what keeps two sweepers (or a sweeper and a cancel) from overwriting each other.
      const next: Batch = { ...batch, version: batch.version + 1 };
      const writeId = newWriteId();
      try {
        await ts.call('updateRow', {
          tableName: names.batches,
          condition: condition('EXPECT_EXIST', columnEquals('version', long(batch.version))),
          primaryKey: [{ id: batch.id }],
          updateOfAttributeColumns: [{ PUT: columnsOf(next, writeId) }],
        });
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        const current = await readBatchRow(batch.id);
        if (current?.writeId !== writeId) throw new VersionConflict(batch.id, { cause: e });
      }
      return next;
    },

    async listBatches(who, query: ListQuery) {
      const owner = who ?? EVERY_OWNER;
      const start = decodeCursor(query.cursor);
      let inclusiveStart: unknown[] = start
        ? [{ owner }, { rank: long(start.r) }, { batchId: start.b + '\u0000' }]
        : [{ owner }, { rank: TS.INF_MIN }, { batchId: TS.INF_MIN }];
      const end = [{ owner }, { rank: TS.INF_MAX }, { batchId: TS.INF_MAX }];
      const out: Batch[] = [];
      let last: { r: number; b: string } | undefined;
      let more = true;
      let scanned = 0;
      while (out.length < query.limit && more && scanned < 2_000) {
        const page = await ts.call<{ rows: unknown[]; nextStartPrimaryKey?: Array<{ name: string; value: unknown }> | null }>('getRange', {
          tableName: names.index,
          direction: TS.Direction.FORWARD,
          inclusiveStartPrimaryKey: inclusiveStart,
          exclusiveEndPrimaryKey: end,
          limit: Math.min(100, query.limit - out.length + (query.status ? 50 : 0)),
          maxVersions: 1,
        });
        const keys = page.rows.map(readRow).filter((r): r is NonNullable<typeof r> => r !== undefined);
        scanned += keys.length;
        const batches = await getMany(keys.map((k) => String(k.primaryKey.batchId)));
        for (const k of keys) {
          const b = batches.get(String(k.primaryKey.batchId));
          last = { r: toNumber(k.primaryKey.rank), b: String(k.primaryKey.batchId) };
          if (!b || (query.status && b.status !== query.status)) continue;
          out.push(b);
          if (out.length >= query.limit) break;
        }
        more = !!page.nextStartPrimaryKey;
        if (more && page.nextStartPrimaryKey) inclusiveStart = page.nextStartPrimaryKey.map((k) => ({ [k.name]: k.value }));
      }
      const exhausted = !more && (!last || out.length < query.limit);
      return { batches: out, ...(exhausted || !last ? {} : { cursor: encodeCursor(last) }) };
    },

    async dueEntries(now, limit) {
      const perShard = await Promise.all(
        Array.from({ length: QUEUE_SHARDS }, async (_, shard) => {
          const rows: DueEntry[] = [];
          let start: unknown[] = [{ shard: long(shard) }, { dueAt: TS.INF_MIN }, { batchId: TS.INF_MIN }];
          const end = [{ shard: long(shard) }, { dueAt: long(now + 1) }, { batchId: TS.INF_MIN }];
          // A range read may stop early (row or size cap) and even return no rows with a next key: loop.
          for (;;) {
            const page = await ts.call<{ rows: unknown[]; nextStartPrimaryKey?: Array<{ name: string; value: unknown }> | null }>('getRange', {
              tableName: names.queue,
              direction: TS.Direction.FORWARD,
              inclusiveStartPrimaryKey: start,
              exclusiveEndPrimaryKey: end,
              limit: Math.min(limit, 1000),
              maxVersions: 1,
            });
            for (const r of page.rows.map(readRow)) {
              if (r) rows.push({ shard, dueAt: toNumber(r.primaryKey.dueAt), batchId: String(r.primaryKey.batchId) });
            }
            if (!page.nextStartPrimaryKey || rows.length >= limit) break;
            start = page.nextStartPrimaryKey.map((k) => ({ [k.name]: k.value }));
          }
          return rows;
        }),
      );
      return perShard
        .flat()
        .sort((a, b) => a.dueAt - b.dueAt)
        .slice(0, limit);
    },

    async moveDue(batchId, fromAt, toAt) {
      // The queue key is an INTEGER: compare what will be stored, or a fractional time would make
      // "put the new entry, delete the old one" delete the entry it just put.
      const from = fromAt === undefined ? undefined : Math.floor(fromAt);
      const to = toAt === undefined ? undefined : Math.floor(toAt);
      const shard = shardOf(batchId);
      // Put the new entry before deleting the old one: a crash in between leaves two entries (the stale
      // one is dropped when read), never none.
      if (to !== undefined) {
        await ts.call('putRow', {
          tableName: names.queue,
          condition: condition('IGNORE'),
          primaryKey: [{ shard: long(shard) }, { dueAt: long(to) }, { batchId }],
          attributeColumns: [{ v: long(1) }],
        });
      }
      if (from !== undefined && from !== to) {
        await ts.call('deleteRow', {
          tableName: names.queue,
          condition: condition('IGNORE'),
          primaryKey: [{ shard: long(shard) }, { dueAt: long(from) }, { batchId }],
        });
      }
    },

    async reserveDaily(owner, batchId, amount, limit, now) {
      // No read-modify-write of one hot row (200 concurrent requests from one token would fight over
      // it): atomic INCREMENTs of 10-minute counters make the sum. Timeline of a reservation:
      //   1. in the current bucket row, INCREMENT n by amount AND put a column naming the batch, only if
      //      that column is absent (one conditional UpdateRow: both or neither);
      //   2. sum the buckets of the last 24 h;
      //   3. over the limit = take the amount back and drop the batch's column, only if it is still there.
      // Two requests that both push the sum over both refuse: the allowance is never overspent.
      // Every write is safe to repeat: when an answer is lost after Tablestore applied the write, the
      // retry finds its own column (step 1) or finds it gone (step 3) and fails its condition, which we
      // read as "already done". A repeat of the whole reservation for the same batch (a client retry
      // after a crash) is not counted again in the same bucket; in a later bucket it is (over-counting
      // is the safe side). No separate marker row: a crash between two writes cannot lose a count.
      const bucket = Math.floor(now / BUCKET_MS) * BUCKET_MS;
      const counter = [{ owner }, { key: `m:${String(bucket).padStart(15, '0')}` }];
      const mark = `c_${Buffer.from(batchId).toString('hex')}`;
      try {
        await ts.call('updateRow', {
          tableName: names.usage,
          condition: condition('IGNORE', columnAbsent(mark)),
          primaryKey: counter,
          updateOfAttributeColumns: [{ PUT: [{ [mark]: long(amount) }] }, { INCREMENT: [{ n: long(amount) }] }],
        });
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        // Already counted in this bucket: our own attempt whose answer was lost, or an earlier request.
      }
      const from = String(Math.floor((now - DAY_MS) / BUCKET_MS + 1) * BUCKET_MS).padStart(15, '0');
      const page = await ts.call<{ rows: unknown[] }>('getRange', {
        tableName: names.usage,
        direction: TS.Direction.FORWARD,
        inclusiveStartPrimaryKey: [{ owner }, { key: `m:${from}` }],
        exclusiveEndPrimaryKey: [{ owner }, { key: 'm;' }],
        limit: 500,
        maxVersions: 1,
        // Only the sum: the batch columns are bookkeeping for repeats.
        columnsToGet: ['owner', 'key', 'n'],
      });
      const used = page.rows.map(readRow).reduce((sum, r) => sum + (r ? toNumber(r.columns.n) || 0 : 0), 0);
      if (used <= limit) return true;
      try {
        await ts.call('updateRow', {
          tableName: names.usage,
          condition: condition('EXPECT_EXIST', columnEquals(mark, long(amount))),
          primaryKey: counter,
          updateOfAttributeColumns: [{ INCREMENT: [{ n: long(-amount) }] }, { DELETE_ALL: [mark] }],
        });
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        // Already taken back: our own undo whose answer was lost, or a concurrent repeat's.
      }
      return false;
    },

    async tryLease(name, owner, now, ms) {
      // A conditional write on the lease row's version: of two takers that read the same version, one wins.
      const key = [{ owner: LEASES }, { key: name }];
      const res = await ts.call<{ row?: unknown }>('getRow', { tableName: names.usage, primaryKey: key, maxVersions: 1 });
      const row = readRow(res.row);
      const holder = row ? String(row.columns.holder) : undefined;
      if (row && holder !== owner && toNumber(row.columns.until) > now) return false;
      const version = row ? toNumber(row.columns.version) : 0;
      const writeId = newWriteId();
      try {
        await ts.call('putRow', {
          tableName: names.usage,
          condition: row ? condition('EXPECT_EXIST', columnEquals('version', long(version))) : condition('EXPECT_NOT_EXIST'),
          primaryKey: key,
          attributeColumns: [{ holder: owner }, { until: long(now + ms) }, { version: long(version + 1) }, { writeId }],
        });
        return true;
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        // Lost the race, or won it and lost the answer (the retry then meets its own write): read back.
        const after = readRow((await ts.call<{ row?: unknown }>('getRow', { tableName: names.usage, primaryKey: key, maxVersions: 1 })).row);
        return after?.columns.writeId === writeId;
      }
    },

    async dropLease(name, owner) {
      try {
        await ts.call('updateRow', {
          tableName: names.usage,
          condition: condition('EXPECT_EXIST', columnEquals('holder', owner)),
          primaryKey: [{ owner: LEASES }, { key: name }],
          updateOfAttributeColumns: [{ PUT: [{ until: long(0) }] }],
        });
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e; // someone else holds it now
      }
    },
  };

  async function getMany(ids: string[]): Promise<Map<string, Batch>> {
    const out = new Map<string, Batch>();
    for (let i = 0; i < ids.length; i += 100) {
      const rows = await ts.batchGet(names.batches, ids.slice(i, i + 100).map((id) => [{ id }]));
      for (const item of rows) {
        const row = readRow(item);
        if (!row || typeof row.columns.doc !== 'string') continue;
        const b = JSON.parse(row.columns.doc) as Batch;
        b.version = toNumber(row.columns.version);
        out.set(b.id, b);
      }
    }
    return out;
  }

  return store;
}

const Cursor = z.object({ r: z.number().int(), b: z.string().max(64) });

function encodeCursor(c: { r: number; b: string }): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string | undefined): { r: number; b: string } | undefined {
  if (text === undefined) return undefined;
  try {
    return Cursor.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch (e) {
    throw new InvalidCursor('cursor is not one this API returned', { cause: e });
  }
}

/** Create the tables if missing. Safe to run again; works against the real service and the emulator. */
export async function setupTables(ts: Tablestore, names: TableNames): Promise<string[]> {
  const specs: Array<[string, Array<{ name: string; type: 'STRING' | 'INTEGER' }>]> = [
    [names.batches, [{ name: 'id', type: 'STRING' }]],
    [names.queue, [{ name: 'shard', type: 'INTEGER' }, { name: 'dueAt', type: 'INTEGER' }, { name: 'batchId', type: 'STRING' }]],
    [names.index, [{ name: 'owner', type: 'STRING' }, { name: 'rank', type: 'INTEGER' }, { name: 'batchId', type: 'STRING' }]],
    [names.usage, [{ name: 'owner', type: 'STRING' }, { name: 'key', type: 'STRING' }]],
  ];
  const created: string[] = [];
  for (const [tableName, primaryKey] of specs) {
    try {
      await ts.call('createTable', {
        tableMeta: { tableName, primaryKey },
        reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
        tableOptions: { timeToLive: -1, maxVersions: 1 },
      });
      created.push(tableName);
    } catch (e) {
      if (e instanceof StoreError && e.kind === 'exists') continue;
      throw e;
    }
  }
  return created;
}
