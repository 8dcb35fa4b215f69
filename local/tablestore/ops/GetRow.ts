import { requireTable } from '../context';
import { decodeFilter } from '../filters';
import { decodeRow } from '../plainbuffer';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import { capacity, checkPrimaryKey, consumed, encodeRow, projectRow, readOptions, rowSize } from '../rows';
import { encodeKey, type PkColumn } from '../values';

interface GetRowRequest {
  tableName: string;
  primaryKey: Buffer;
  columnsToGet: string[];
  maxVersions?: number;
  timeRange?: object;
  filter?: Buffer;
  startColumn?: string;
  endColumn?: string;
}

/** GetRow: one row by its full primary key; "not found" is an empty row, not an error. */
export const GetRow: Operation = {
  decode(body) {
    const req = decodeMessage<GetRowRequest>('GetRowRequest', body);
    return {
      tables: [req.tableName],
      run(ctx) {
        const table = requireTable(ctx, req.tableName);
        const pk = checkPrimaryKey(table.meta, decodeRow(req.primaryKey).primaryKey, 'row') as PkColumn[];
        const opts = readOptions(req, req.filter?.length ? decodeFilter(req.filter) : undefined);
        const row = projectRow(table.meta, table.get(encodeKey(pk.map((c) => c.value))), opts, ctx.now());
        return encodeMessage('GetRowResponse', {
          consumed: consumed(capacity(row ? rowSize(row) : 0), 0),
          row: row ? encodeRow(row) : Buffer.alloc(0),
        });
      },
    };
  },
};
