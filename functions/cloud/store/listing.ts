import { z } from 'zod';
import type { Batch } from '../../core/batch';
import { InvalidCursor } from '../../core/errors';
import type { ListQuery } from '../../core/ports';
import { condition, long, toNumber, TS, type Tablestore } from '../tablestore';
import { rangePages } from './range';

/**
 * Every batch is listed twice in owner_index: under its owner and under this pseudo-owner, which is what an
 * admin's unfiltered list reads (newest first across owners). No owner contains '#'. One partition takes
 * every batch's listing write: at one row per batch that is far below a partition's write capacity.
 */
const EVERY_OWNER = '#all';

/** A listing entry only points at its batch: writing it again (a repeat, a repair) changes nothing. */
const unconditionally = () => condition('IGNORE');

/** The owner index: who owns which batches, newest first. */
export function ownerIndex(ts: Tablestore, table: string, readMany: (ids: string[]) => Promise<Map<string, Batch>>) {
  return {
    /** List `batch` under its owner and under every owner; also repairs an entry lost to an earlier crash. */
    async put(batch: Batch): Promise<void> {
      for (const owner of [batch.owner, EVERY_OWNER]) {
        await ts.call('putRow', {
          tableName: table,
          condition: unconditionally(),
          primaryKey: [{ owner }, { rank: long(Number.MAX_SAFE_INTEGER - batch.createdAt) }, { batchId: batch.id }],
          attributeColumns: [{ amount: long(batch.amount) }],
        });
      }
    },

    /** One page of `who`'s batches (every owner's when undefined), newest first, and a cursor for the next. */
    async list(who: string | undefined, query: ListQuery): Promise<{ batches: Batch[]; cursor?: string }> {
      const owner = who ?? EVERY_OWNER;
      const start = decodeCursor(query.cursor);
      const out: Batch[] = [];
      let last: { r: number; b: string } | undefined;
      let more = true;
      let scanned = 0;
      const pages = rangePages(ts, {
        tableName: table,
        start: start ? [{ owner }, { rank: long(start.r) }, { batchId: start.b + '\u0000' }] : [{ owner }, { rank: TS.INF_MIN }, { batchId: TS.INF_MIN }],
        end: [{ owner }, { rank: TS.INF_MAX }, { batchId: TS.INF_MAX }],
        // A status filter skips rows: read a little ahead.
        pageLimit: () => Math.min(100, query.limit - out.length + (query.status ? 50 : 0)),
      });
      for await (const page of pages) {
        scanned += page.rows.length;
        const batches = await readMany(page.rows.map((k) => String(k.primaryKey.batchId)));
        for (const k of page.rows) {
          const b = batches.get(String(k.primaryKey.batchId));
          last = { r: toNumber(k.primaryKey.rank), b: String(k.primaryKey.batchId) };
          if (!b || (query.status && b.status !== query.status)) continue;
          out.push(b);
          if (out.length >= query.limit) break;
        }
        more = page.more;
        if (out.length >= query.limit || scanned >= 2_000) break;
      }
      const exhausted = !more && (!last || out.length < query.limit);
      return { batches: out, ...(exhausted || !last ? {} : { cursor: encodeCursor(last) }) };
    },
  };
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
