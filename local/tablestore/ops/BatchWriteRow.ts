import { decodeCondition } from '../conditions';
import { OtsError, parameterInvalid, tableNotExist } from '../errors';
import { decodeRow } from '../plainbuffer';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import type { Mutation } from '../store';
import { encodeKey, type PkValue } from '../values';
import { decodeReturnContent, encodeReturned, planDelete, planPut, planUpdate } from '../writes';

interface RowInBatchWriteRowRequest {
  type: number;
  rowChange: Buffer;
  condition: { rowExistence: number; columnCondition?: Uint8Array };
  returnContent?: { returnType?: number; returnColumnNames?: string[] };
}

export const BATCH_WRITE_MAX_ROWS = 200;
export const BATCH_WRITE_MAX_BYTES = 4 * 1024 * 1024;
const PLANNERS = { 1: planPut, 2: planUpdate, 3: planDelete } as const;

/**
 * BatchWriteRow: up to 200 row writes (4 MB of row data) across tables, each with its own
 * condition. It is not a transaction: every row succeeds or fails on its own and the answer is
 * HTTP 200 with isOk + error per row. All successful rows are made durable together.
 */
export const BatchWriteRow: Operation = {
  decode(body) {
    const req = decodeMessage<{ tables: Array<{ tableName: string; rows: RowInBatchWriteRowRequest[] }> }>('BatchWriteRowRequest', body);
    return {
      tables: req.tables.map((t) => t.tableName),
      run(ctx) {
        const rows = req.tables.flatMap((t) => t.rows);
        if (rows.length === 0) throw parameterInvalid('No row specified in the request of BatchWriteRow.');
        if (rows.length > BATCH_WRITE_MAX_ROWS) throw parameterInvalid(`Rows count exceeds the upper limit: ${BATCH_WRITE_MAX_ROWS}.`);
        const bytes = rows.reduce((n, r) => n + r.rowChange.length, 0);
        if (bytes > BATCH_WRITE_MAX_BYTES) {
          throw parameterInvalid(`The total data size of BatchWriteRow request exceeds the limit: ${BATCH_WRITE_MAX_BYTES} bytes.`);
        }
        if (new Set(req.tables.map((t) => t.tableName)).size !== req.tables.length) {
          throw parameterInvalid('Duplicated table name in the request of BatchWriteRow.');
        }
        const mutations: Mutation[] = [];
        const tables = req.tables.map((t) => {
          const table = ctx.store.table(t.tableName);
          const seen = new Set<string>();
          const decoded = t.rows.map((r) => ({ r, row: decodeRow(r.rowChange) }));
          for (const { row } of decoded) {
            // One row twice in one batch is rejected as a whole: the order would be undefined.
            if (row.primaryKey.some((c) => typeof c.value === 'symbol')) continue; // auto-increment: always a new row
            const key = encodeKey(row.primaryKey.map((c) => c.value as PkValue));
            if (seen.has(key)) throw parameterInvalid('Duplicated primary key in the request of BatchWriteRow.');
            seen.add(key);
          }
          const results = decoded.map(({ r, row }) => {
            try {
              if (!table) throw tableNotExist();
              const plan = PLANNERS[r.type as keyof typeof PLANNERS];
              if (!plan) throw parameterInvalid(`Invalid operation type: ${r.type}.`);
              const p = plan(ctx, table, row, decodeCondition(r.condition), decodeReturnContent(r.returnContent));
              mutations.push(p.mutation);
              return { isOk: true, consumed: p.consumed, row: encodeReturned(p) };
            } catch (e) {
              if (!(e instanceof OtsError)) throw e;
              return { isOk: false, error: { code: e.code, message: e.message } };
            }
          });
          return { tableName: t.tableName, rows: results };
        });
        ctx.commit(mutations);
        return encodeMessage('BatchWriteRowResponse', { tables });
      },
    };
  },
};
