import { OtsError, parameterInvalid, tableNotExist } from '../errors';
import { decodeFilter } from '../filters';
import { decodeRow } from '../plainbuffer';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import { capacity, checkPrimaryKey, consumed, encodeRow, projectRow, readOptions, rowSize } from '../rows';
import { encodeKey, type PkColumn, type PkValue } from '../values';

interface TableInBatchGetRowRequest {
  tableName: string;
  primaryKey: Buffer[];
  columnsToGet: string[];
  maxVersions?: number;
  timeRange?: object;
  filter?: Buffer;
  startColumn?: string;
  endColumn?: string;
}

export const BATCH_GET_MAX_ROWS = 100;

/**
 * BatchGetRow: up to 100 rows across tables. The request as a whole fails when it is malformed or
 * names a table that does not exist; a bad key fails just that row (isOk false plus its error).
 */
export const BatchGetRow: Operation = {
  decode(body) {
    const req = decodeMessage<{ tables: TableInBatchGetRowRequest[] }>('BatchGetRowRequest', body);
    return {
      tables: req.tables.map((t) => t.tableName),
      run(ctx) {
        const total = req.tables.reduce((n, t) => n + t.primaryKey.length, 0);
        if (total === 0) throw parameterInvalid('No row specified in the request of BatchGetRow.');
        if (total > BATCH_GET_MAX_ROWS) throw parameterInvalid(`Rows count exceeds the upper limit: ${BATCH_GET_MAX_ROWS}.`);
        if (new Set(req.tables.map((t) => t.tableName)).size !== req.tables.length) {
          throw parameterInvalid('Duplicated table name in the request of BatchGetRow.');
        }
        // A table that does not exist fails the whole request, as Tablestore does; bad keys fail their row.
        if (req.tables.some((t) => !ctx.store.table(t.tableName))) throw tableNotExist();
        const now = ctx.now();
        const tables = req.tables.map((t) => {
          const table = ctx.store.table(t.tableName);
          const opts = readOptions(t, t.filter?.length ? decodeFilter(t.filter) : undefined);
          const decoded = t.primaryKey.map((b) => decodeRow(b).primaryKey);
          const keys = decoded.map((pk) => (pk.some((c) => typeof c.value === 'symbol') ? undefined : encodeKey(pk.map((c) => c.value as PkValue))));
          const distinct = keys.filter((k) => k !== undefined);
          if (new Set(distinct).size !== distinct.length) throw parameterInvalid('Duplicated primary key in the request of BatchGetRow.');
          const rows = decoded.map((pkIn) => {
            try {
              if (!table) throw tableNotExist();
              const injected = ctx.rowFault('BatchGetRow', t.tableName);
              if (injected) throw injected;
              const pk = checkPrimaryKey(table.meta, pkIn, 'row') as PkColumn[];
              const key = encodeKey(pk.map((c) => c.value));
              const row = projectRow(table.meta, table.get(key), opts, now);
              return { isOk: true, consumed: consumed(capacity(row ? rowSize(row) : 0), 0), row: row ? encodeRow(row) : Buffer.alloc(0) };
            } catch (e) {
              if (!(e instanceof OtsError)) throw e;
              return { isOk: false, error: { code: e.code, message: e.message } };
            }
          });
          return { tableName: t.tableName, rows };
        });
        return encodeMessage('BatchGetRowResponse', { tables });
      },
    };
  },
};
