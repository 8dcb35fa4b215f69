import { requireTable } from '../context';
import { parameterInvalid } from '../errors';
import { decodeFilter } from '../filters';
import { decodeRow } from '../plainbuffer';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import { boundValues, capacity, checkPrimaryKey, consumed, encodePrimaryKey, encodeRows, projectRow, readOptions, rowSize } from '../rows';
import type { Row } from '../store';
import { encodeBound } from '../values';

interface GetRangeRequest {
  tableName: string;
  direction: number;
  columnsToGet: string[];
  maxVersions?: number;
  timeRange?: object;
  limit?: number;
  inclusiveStartPrimaryKey: Buffer;
  exclusiveEndPrimaryKey: Buffer;
  filter?: Buffer;
  startColumn?: string;
  endColumn?: string;
}

const FORWARD = 0;
const BACKWARD = 1;

/**
 * GetRange: rows from the inclusive start key towards the exclusive end key, FORWARD or BACKWARD.
 * One call stops after `limit` returned rows, or after scanning the per-call budget (5000 rows or
 * 4 MB by default) even if the filter returned nothing: `nextStartPrimaryKey` then says where to
 * go on, and callers must loop until it is null.
 */
export const GetRange: Operation = {
  decode(body) {
    const req = decodeMessage<GetRangeRequest>('GetRangeRequest', body);
    return {
      tables: [req.tableName],
      run(ctx) {
        const table = requireTable(ctx, req.tableName);
        if (req.direction !== FORWARD && req.direction !== BACKWARD) throw parameterInvalid(`Invalid direction: ${req.direction}.`);
        const start = encodeBound(boundValues(checkPrimaryKey(table.meta, decodeRow(req.inclusiveStartPrimaryKey).primaryKey, 'bound')));
        const end = encodeBound(boundValues(checkPrimaryKey(table.meta, decodeRow(req.exclusiveEndPrimaryKey).primaryKey, 'bound')));
        const forward = req.direction === FORWARD;
        if (forward ? start >= end : start <= end) {
          throw parameterInvalid(`Begin key must ${forward ? 'less' : 'more'} than end key in ${forward ? 'FORWARD' : 'BACKWARD'}.`);
        }
        const limit = req.limit ?? 0;
        if (limit < 0) throw parameterInvalid(`Invalid limit: ${limit}.`);
        const opts = readOptions(req, req.filter?.length ? decodeFilter(req.filter) : undefined);
        const now = ctx.now();

        // Index range of keys in [start, end) (forward) or (end, start] (backward), walked in order.
        const first = forward ? table.lowerBound(start) : table.upperBound(start) - 1;
        const stop = forward ? table.lowerBound(end) : table.upperBound(end) - 1;
        const step = forward ? 1 : -1;
        const rows: Row[] = [];
        let scannedRows = 0;
        let scannedBytes = 0;
        let i = first;
        for (; forward ? i < stop : i > stop; i += step) {
          if (limit && rows.length >= limit) break;
          if (scannedRows >= ctx.scan.maxRows || scannedBytes >= ctx.scan.maxBytes) break;
          const stored = table.get(table.keyAt(i)!)!;
          scannedRows++;
          scannedBytes += rowSize(stored);
          const row = projectRow(table.meta, stored, opts, now);
          if (row) rows.push(row);
        }
        const more = forward ? i < stop : i > stop;
        const next = more ? table.get(table.keyAt(i)!)!.primaryKey : undefined;
        const bytes = rows.reduce((n, r) => n + rowSize(r), 0);
        return encodeMessage('GetRangeResponse', {
          consumed: consumed(capacity(bytes), 0),
          rows: encodeRows(rows),
          ...(next ? { nextStartPrimaryKey: encodePrimaryKey(next) } : {}),
        });
      },
    };
  },
};
