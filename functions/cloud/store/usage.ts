import { StoreError } from '../../core/errors';
import { columnAbsent, columnEquals, condition, long, toNumber, type Tablestore } from '../tablestore';
import { rangePages } from './range';

const DAY_MS = 86_400_000;
/** The daily allowance is counted in 10-minute buckets. */
const BUCKET_MS = 600_000;

/**
 * Condition clauses of the allowance counters, named for the race each one closes. The counter row itself
 * may or may not exist yet (IGNORE row existence); the batch's own column decides.
 */
/** A retried or repeated reservation of the same batch in the same bucket: counted once. */
const batchNotCountedYet = (mark: string) => condition('IGNORE', columnAbsent(mark));
/** A retried undo (its answer lost) or a concurrent repeat's undo: the amount is taken back once. */
const batchStillCounted = (mark: string, amount: number) => condition('EXPECT_EXIST', columnEquals(mark, long(amount)));

/** The rolling 24-hour allowance of each owner, in the usage table. */
export function allowance(ts: Tablestore, table: string) {
  return {
    async reserveDaily(owner: string, batchId: string, amount: number, limit: number, now: number): Promise<boolean> {
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
          tableName: table,
          condition: batchNotCountedYet(mark),
          primaryKey: counter,
          updateOfAttributeColumns: [{ PUT: [{ [mark]: long(amount) }] }, { INCREMENT: [{ n: long(amount) }] }],
        });
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        // Already counted in this bucket: our own attempt whose answer was lost, or an earlier request.
      }
      const from = String(Math.floor((now - DAY_MS) / BUCKET_MS + 1) * BUCKET_MS).padStart(15, '0');
      let used = 0;
      const pages = rangePages(ts, {
        tableName: table,
        start: [{ owner }, { key: `m:${from}` }],
        end: [{ owner }, { key: 'm;' }],
        pageLimit: () => 500,
        // Only the sum: the batch columns are bookkeeping for repeats.
        columnsToGet: ['owner', 'key', 'n'],
      });
      for await (const page of pages) for (const r of page.rows) used += toNumber(r.columns.n) || 0;
      if (used <= limit) return true;
      try {
        await ts.call('updateRow', {
          tableName: table,
          condition: batchStillCounted(mark, amount),
          primaryKey: counter,
          updateOfAttributeColumns: [{ INCREMENT: [{ n: long(-amount) }] }, { DELETE_ALL: [mark] }],
        });
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        // Already taken back: our own undo whose answer was lost, or a concurrent repeat's.
      }
      return false;
    },
  };
}
