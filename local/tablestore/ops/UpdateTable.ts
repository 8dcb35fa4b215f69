import { requireTable } from '../context';
import { parameterInvalid } from '../errors';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import { applyOptions, describeParts, type TableOptionsMsg } from '../tables';

interface UpdateTableRequest {
  tableName: string;
  reservedThroughput?: { capacityUnit: { read?: number; write?: number } };
  tableOptions?: TableOptionsMsg;
}

const has = (o: object | undefined, f: string) => !!o && Object.prototype.hasOwnProperty.call(o, f);

/** UpdateTable: TTL, max versions, max time deviation and reserved throughput. */
export const UpdateTable: Operation = {
  decode(body) {
    const req = decodeMessage<UpdateTableRequest>('UpdateTableRequest', body);
    return {
      tables: [req.tableName],
      run(ctx) {
        const table = requireTable(ctx, req.tableName);
        if (!has(req, 'reservedThroughput') && !has(req, 'tableOptions')) {
          throw parameterInvalid('Neither reserved throughput nor table options is specified.');
        }
        const opts = req.tableOptions;
        const meta = applyOptions(table.meta, opts, (f) => has(opts, f));
        const cu = req.reservedThroughput?.capacityUnit;
        if (cu) {
          const now = ctx.now();
          const read = has(cu, 'read') ? cu.read! : meta.reservedRead;
          const write = has(cu, 'write') ? cu.write! : meta.reservedWrite;
          if (read < 0 || write < 0) throw parameterInvalid('Reserved throughput cannot be negative.');
          if (read > meta.reservedRead || write > meta.reservedWrite) meta.lastIncreaseTime = now;
          if (read < meta.reservedRead || write < meta.reservedWrite) meta.lastDecreaseTime = now;
          meta.reservedRead = read;
          meta.reservedWrite = write;
        }
        ctx.commit([{ t: 'updateTable', meta }]);
        const { reservedThroughputDetails, tableOptions } = describeParts(meta);
        return encodeMessage('UpdateTableResponse', { reservedThroughputDetails, tableOptions });
      },
    };
  },
};
