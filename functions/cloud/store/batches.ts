import { randomBytes } from 'node:crypto';
import type { Batch } from '../../core/batch';
import { StoreError, VersionConflict } from '../../core/errors';
import { columnEquals, condition, long, readRow, type Tablestore } from '../tablestore';
import { batchColumns, batchOfRow } from './document';

/**
 * Condition clauses of the batches table, each named for the race it closes (the way powertools'
 * idempotency layer names `idempotencyKeyDoesNotExist` and `inProgressExpiryExpired`).
 */
/** Two submissions of one idempotency key race for one batch id: the first write wins, the other reads it. */
const batchDoesNotExist = () => condition('EXPECT_NOT_EXIST');
/** Two writers (two sweepers, a sweeper and a cancel) read version v: only the first write of v + 1 applies. */
const versionStillIs = (version: number) => condition('EXPECT_EXIST', columnEquals('version', long(version)));

/** Every write carries a fresh id, so a retry whose first attempt was applied (answer lost) knows its own write. */
export const newWriteId = () => randomBytes(8).toString('hex');

/** The rows of the batches table: one per batch, its document checked on every read (document.ts). */
export function batchRows(ts: Tablestore, table: string) {
  async function read(id: string): Promise<{ batch: Batch; writeId?: string } | undefined> {
    const res = await ts.call<{ row?: unknown }>('getRow', { tableName: table, primaryKey: [{ id }], maxVersions: 1 });
    const row = readRow(res.row);
    if (!row) return undefined;
    return { batch: batchOfRow(row, id), writeId: typeof row.columns.writeId === 'string' ? row.columns.writeId : undefined };
  }

  return {
    read,

    /**
     * Insert the row unless a batch with this id exists: `undefined` when ours was written (also when our
     * own earlier attempt was applied and its answer lost), else the batch that was there first.
     */
    async insert(batch: Batch): Promise<Batch | undefined> {
      const writeId = newWriteId();
      try {
        await ts.call('putRow', { tableName: table, condition: batchDoesNotExist(), primaryKey: [{ id: batch.id }], attributeColumns: batchColumns(batch, writeId) });
        return undefined;
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        const existing = await read(batch.id);
        if (!existing) throw e;
        return existing.writeId === writeId ? undefined : existing.batch;
      }
    },

    /** Write `batch` as version + 1 iff the stored version is still `batch.version`; else VersionConflict. */
    async save(batch: Batch): Promise<Batch> {
      const next: Batch = { ...batch, version: batch.version + 1 };
      const writeId = newWriteId();
      try {
        await ts.call('updateRow', { tableName: table, condition: versionStillIs(batch.version), primaryKey: [{ id: batch.id }], updateOfAttributeColumns: [{ PUT: batchColumns(next, writeId) }] });
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        // A retry that fails its condition may be meeting its own applied write: read back before calling it a conflict.
        const current = await read(batch.id);
        if (current?.writeId !== writeId) throw new VersionConflict(batch.id, { cause: e });
      }
      return next;
    },

    /** The batches among `ids` that exist, by id. Rows without a document are not listed. */
    async readMany(ids: string[]): Promise<Map<string, Batch>> {
      const out = new Map<string, Batch>();
      for (let i = 0; i < ids.length; i += 100) {
        const rows = await ts.batchGet(table, ids.slice(i, i + 100).map((id) => [{ id }]));
        for (const item of rows) {
          const row = readRow(item);
          if (!row || typeof row.columns.doc !== 'string') continue;
          const b = batchOfRow(row, String(row.primaryKey.id));
          out.set(b.id, b);
        }
      }
      return out;
    },
  };
}
